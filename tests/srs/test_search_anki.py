"""The same collection built in a real Anki collection and in ours: every query must find the
same cards (compared as note guid and card ordinal) in both.

Anki reads the wall clock, so this test takes ``now`` from the wall clock once and builds
every time relative to it (hours and whole days away from any boundary both sides share).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection as AnkiCollection
from anki.errors import SearchError
from sqlalchemy import select

from srs.clock import FixedClock, day_number, day_start
from srs.domain import BuryKind, CardState
from srs.errors import SearchSyntaxError
from srs.models import Card, Note
from srs.search import search_cards
from srs.store import Store
from tests.srs.test_search_builder import Builder

HOUR = 3600


@dataclass
class CardSpec:
    """One card's state, described once and written to both collections."""

    ord: int = 0
    deck: str = "Default"
    kind: str = "new"  # new, review, learn, relearn
    due_days: int = 0  # review cards: days from today
    due_secs: int = 0  # learning cards: seconds from now
    ivl: int = 0
    factor: int = 0
    reps: int = 0
    lapses: int = 0
    flag: int = 0
    suspended: bool = False
    buried: str = ""  # "", "manual", "sibling"
    home: str = ""  # set: the card sits in the filtered deck "Filtered", home deck this
    s: float | None = None
    d: float | None = None
    last_review_secs_ago: int = 0
    decay: float | None = None
    added_days_ago: int = 0
    revlog: list[tuple[int, int, int]] = field(default_factory=list)  # (secs ago, ease, type)


@dataclass
class NoteSpec:
    guid: str
    notetype: str
    fields: list[str]
    tags: str
    cards: list[CardSpec]
    edited_days_ago: int = 0


SPECS = [
    NoteSpec(
        "dog",
        "Basic",
        ["dog", "<b>Hund</b>"],
        "animal::mammal pet",
        [
            CardSpec(
                deck="French",
                kind="review",
                due_days=0,
                ivl=10,
                factor=2500,
                reps=5,
                lapses=1,
                flag=1,
                s=12.0,
                d=5.5,
                last_review_secs_ago=20 * 86400,
                revlog=[(HOUR + 7, 3, 1), (20 * 86400, 1, 0)],
            )
        ],
    ),
    NoteSpec(
        "cat",
        "Basic",
        ["a cat", "Katze"],
        "animal",
        [CardSpec(deck="French::Words", added_days_ago=3)],
        edited_days_ago=5,
    ),
    NoteSpec(
        "doggy",
        "Basic (and reversed card)",
        ["doggy", "underdog"],
        "Animals",
        [
            CardSpec(
                0,
                "Languages::French",
                "learn",
                due_secs=300,
                reps=1,
                s=0.5,
                d=7.0,
                last_review_secs_ago=HOUR,
                revlog=[(HOUR, 1, 0)],
            ),
            CardSpec(
                1, "Languages::French", "relearn", due_secs=2 * HOUR, ivl=3, lapses=3, factor=2300
            ),
        ],
    ),
    NoteSpec(
        "star",
        "Basic",
        ["5*3_x", "back\\slash (x)"],
        "math",
        [
            CardSpec(
                deck="Spanish Stuff",
                kind="review",
                due_days=1,
                ivl=30,
                suspended=True,
                s=40.0,
                d=2.0,
                last_review_secs_ago=60 * 86400,
                decay=0.2,
                revlog=[(30 * HOUR, 4, 1)],
            )
        ],
    ),
    NoteSpec(
        "paris",
        "Cloze",
        ["{{c1::Paris}} is in {{c2::France}}", ""],
        "",
        [
            CardSpec(0, "French::Verbs::Irregular", "review", due_days=-1, ivl=4, buried="manual"),
            CardSpec(1, "Default", "review", due_days=5, ivl=20, flag=7, revlog=[(2 * HOUR, 0, 4)]),
        ],
    ),
    NoteSpec("ru", "Basic", ["Собака", "Über"], "Ünïcode::Kind", [CardSpec(deck="Ünï")]),
    NoteSpec("de", "Basic", ["heißen", "Straße"], "", [CardSpec(deck="Ünï")]),
    NoteSpec(
        "dig",
        "Basic",
        ["dig", "dug"],
        "verb::irregular",
        [CardSpec(home="French::Words", added_days_ago=40, revlog=[(54 * HOUR, 2, 0)])],
    ),
    NoteSpec(
        "fox",
        "Basic",
        ["fox", "Fuchs"],
        "animal",
        [CardSpec(home="Languages::French", kind="review", due_days=10, ivl=12)],
    ),
]

QUERIES = [
    "",
    *r"""
dog
DOG
hund
<b>hund</b>
d_g
d*g
"a cat"
a cat
5\*3
3\_x
back\\slash
"(x)"
dog or cat
-(dog or cat)
dig or dog katze
katze or dog -doggy
front:dog
front:*og*
back:*dog
fr*:dig
text:*paris*
"back extra:"
front:_*
back:re:^d.g$
re:hu.d
w:dog
w:dog*
deck:french
deck:French::Words
deck:french -deck:french::*
deck:*french
deck:fr*
deck:"spanish stuff"
deck:filtered
-deck:filtered
deck:*
deck:
preset:fast
tag:animal
tag:animals
tag:animal::mammal
tag:mammal
tag:ani*
tag:*mal
tag:none
tag:PET
tag:re:^animal$
note:basic
note:basic*
card:1
card:2
"card:card 2"
card:cloze
card:c*
is:new
is:learn
is:review
is:learn is:review
is:suspended
is:buried
is:buried-manually
is:buried-sibling
is:due
-is:due
flag:1
flag:0
prop:ivl>=10
prop:ivl!=0
prop:reps>1
prop:lapses>=1
prop:ease=2.5
prop:ease<2.4
prop:pos>=0
prop:due=0
prop:due<0
prop:due>=1
prop:due=5
prop:due!=0
prop:due=10
prop:due>5
prop:s>10
prop:s<1
-prop:s>10
prop:d>0.5
prop:d<=0.5
prop:r<0.9
prop:r>0.9
prop:r>0.865
prop:r<0.85
prop:r>=0.99
prop:r<0.991
rated:1
rated:1:3
rated:2
rated:2:4
rated:3
rated:30:1
resched:1
prop:rated=0
prop:rated=-1
prop:rated=-2
prop:rated<-1
prop:resched=0
introduced:1
introduced:3
introduced:30
-introduced:1
added:1
added:4
edited:1
edited:6
tag:animal -deck:languages (is:new or flag:1)
note:BASIC
"card:CARD 2"
preset:FAST
FRONT:DOG
"note:basic (and reversed card)"
deck:languages::french
deck:LANGUAGES::*
nc:uber
nc:Uber
nc:ÜBER
nc:sobaka
nc:heisen
nc:heißen
nc:strasse
nc:strase
back:nc:uber
back:nc:ub*
front:nc:uber
tag:nc:unicode
tag:nc:unicode::kind
tag:nc:uni*
sc:Paris is in France
"sc:paris is"
sc:c1
sc:Paris
sc:dog
собака
Собака
über
Über
front:собака
front:Собака
back:ÜBER
tag:ünïcode
tag:ÜNÏ*
tag:ünïcode::kind
deck:ünï
deck:Ü*
-
a-b
dog\-cat
\-cat
"-cat"
tag:
front:
dog and cat
(dog)
"and"
card:0
prop:due>=-1
rated:0
added:0
a:b:c
dog\:
w:3:30
dOg:x
deck:french::
deck: french
deck:"french "
flag:00
-(-dog)
""".strip().splitlines(),
]

BAD_QUERIES = [
    *r"""
(dog
dog)
()
"dog
""
and dog
dog or
dog and
or
dog or or cat
flag:8
flag:x
flag:
prop:foo>1
prop:ivl
prop:ivl>x
prop:ivl>-1
prop:due>x
prop:rated>1
prop:rated=-1:5
rated:x
rated:1:5
rated:1:
is:foo
is:New
is:flagged
nid:1,x
cid:
added:x
introduced:-1
resched:x
:dog
dog\
a\b
deck:a\b
prop:ease>abc
-(
card:\q
(a (b)
a ) b
prop:s>1_0
edited:
did:x
mid:x
prop:pos<-1
""".strip().splitlines()
]


def _build_anki(path: Path, now_s: int) -> Any:
    col: Any = AnkiCollection(str(path))
    fast = col.decks.add_config_returning_id("Fast")
    for name in [
        "French",
        "French::Words",
        "French::Verbs::Irregular",
        "Languages::French",
        "Spanish Stuff",
        "Ünï",
    ]:
        did = col.decks.id(name)
        if name == "Spanish Stuff":
            deck = col.decks.get(did)
            deck["conf"] = fast
            col.decks.save(deck)
    filtered = col.decks.new_filtered("Filtered")
    today = col.sched.today
    for spec in SPECS:
        note = col.new_note(col.models.by_name(spec.notetype))
        for i, value in enumerate(spec.fields):
            note.fields[i] = value
        note.tags = spec.tags.split()
        note.guid = spec.guid
        col.add_note(note, col.decks.id("Default"))
        col.db.execute(
            "update notes set mod=? where id=?", now_s - spec.edited_days_ago * 86400, note.id
        )
        by_ord = {card.ord: card.id for card in note.cards()}
        assert sorted(by_ord) == [c.ord for c in spec.cards]
        for card in spec.cards:
            _write_anki_card(col, by_ord[card.ord], card, today, now_s, filtered)
    return col


def _write_anki_card(col: Any, cid: int, c: CardSpec, today: int, now_s: int, fdid: int) -> None:
    ctype, queue, due = 0, 0, 1
    if c.kind == "review":
        ctype, queue, due = 2, 2, today + c.due_days
    elif c.kind in ("learn", "relearn"):
        ctype, queue, due = (1 if c.kind == "learn" else 3), 1, now_s + c.due_secs
    if c.suspended:
        queue = -1
    if c.buried:
        queue = -3 if c.buried == "manual" else -2
    did, odid = col.decks.id(c.deck), 0
    if c.home:
        did, odid = fdid, col.decks.id(c.home)
    data: dict[str, Any] = {}
    if c.s is not None:
        data = {"s": c.s, "d": c.d, "lrt": now_s - c.last_review_secs_ago}
        if c.decay is not None:
            data["decay"] = c.decay
    odue = 0
    if c.home and c.kind == "review":  # Anki's filtered deck: a position in place of the due
        odue, due = due, -100_000
    new_id = (now_s - c.added_days_ago * 86400) * 1000 + cid % 1000
    col.db.execute(
        "update cards set id=?, type=?, queue=?, due=?, ivl=?, factor=?, reps=?, lapses=?,"
        " flags=?, did=?, odid=?, odue=?, data=? where id=?",
        new_id,
        ctype,
        queue,
        due,
        c.ivl,
        c.factor,
        c.reps,
        c.lapses,
        c.flag,
        did,
        odid,
        odue,
        json.dumps(data) if data else "",
        cid,
    )
    for secs_ago, ease, kind in c.revlog:
        col.db.execute(
            "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
            " values (?, ?, -1, ?, 0, 0, 0, 0, ?)",
            (now_s - secs_ago) * 1000,
            new_id,
            ease,
            kind,
        )


def _build_ours(store: Store, col: Any, now: datetime, tz: tzinfo) -> None:
    today = day_number(now, tz)
    with store.write() as s:
        b = Builder(s, now)
        fast = b.preset("Fast")
        decks = {
            name: b.deck(name, fast if name == "Spanish Stuff" else None)
            for name in [
                "Default",
                "French",
                "French::Words",
                "French::Verbs::Irregular",
                "Languages::French",
                "Spanish Stuff",
                "Ünï",
            ]
        }
        decks["Filtered"] = b.deck("Filtered", filtered=True)
        notetypes = {}
        for model in col.models.all():
            notetypes[model["name"]] = b.notetype(
                model["name"],
                [f["name"] for f in model["flds"]],
                [t["name"] for t in model["tmpls"]],
                kind="cloze" if model["type"] == 1 else "standard",
            )
        for spec in SPECS:
            note = b.note(
                notetypes[spec.notetype],
                spec.fields,
                spec.tags,
                guid=spec.guid,
                modified_at=now - timedelta(days=spec.edited_days_ago),
            )
            note.sort_field = col.db.scalar("select sfld from notes where guid=?", spec.guid)
            for c in spec.cards:
                _write_our_card(b, note, decks, c, now, today, tz)


def _write_our_card(
    b: Builder,
    note: Note,
    decks: dict[str, Any],
    c: CardSpec,
    now: datetime,
    today: int,
    tz: tzinfo,
) -> None:
    attrs: dict[str, Any] = {
        "interval_days": c.ivl,
        "ease_factor": c.factor,
        "reps": c.reps,
        "lapses": c.lapses,
        "flag": c.flag,
        "suspended": c.suspended,
        "created_at": now - timedelta(days=c.added_days_ago),
    }
    if c.kind == "review":
        attrs.update(state=CardState.REVIEW, due=day_start(today + c.due_days, tz))
    elif c.kind in ("learn", "relearn"):
        state = CardState.LEARNING if c.kind == "learn" else CardState.RELEARNING
        attrs.update(state=state, due=now + timedelta(seconds=c.due_secs))
    if c.buried:
        bury = BuryKind.MANUAL if c.buried == "manual" else BuryKind.SIBLING
        attrs.update(buried=bury, buried_until=day_start(today + 1, tz))
    if c.s is not None:
        attrs.update(
            stability=c.s,
            difficulty=c.d,
            decay=c.decay,
            last_review=now - timedelta(seconds=c.last_review_secs_ago),
        )
    deck = decks[c.deck]
    if c.home:
        deck, attrs["original_deck_id"] = decks["Filtered"], decks[c.home].id
    card = b.card(note, deck, c.ord, **attrs)
    for secs_ago, ease, kind in c.revlog:
        b.review(card, now - timedelta(seconds=secs_ago), ease, kind)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Store, datetime]]:
    folder = tmp_path_factory.mktemp("anki")
    now_s = int(time.time())
    now = datetime.fromtimestamp(now_s, UTC)
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    col = _build_anki(folder / "anki.anki2", now_s)
    store = Store.open(folder / "ours.db", clock=FixedClock(now, tz=tz))
    _build_ours(store, col, now, tz)
    yield col, store, now
    col.close()
    store.close()


def _anki_found(col: Any, query: str) -> set[tuple[str, int]]:
    ids = col.find_cards(query)
    if not ids:
        return set()
    rows = col.db.all(
        "select n.guid, c.ord from cards c join notes n on c.nid = n.id where c.id in "
        + "("
        + ",".join(str(i) for i in ids)
        + ")"
    )
    return {(guid, ord_) for guid, ord_ in rows}


def _our_found(store: Store, query: str, now: datetime) -> set[tuple[str, int]]:
    assert isinstance(store.clock, FixedClock)
    with store.read() as s:
        ids = search_cards(s, query, now=now, tz=store.clock.tz)
        rows = s.execute(
            select(Note.guid, Card.ord).join(Card, Card.note_id == Note.id).where(Card.id.in_(ids))
        )
        return {(guid, ord_) for guid, ord_ in rows}


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_same_syntax_errors_as_anki(both: tuple[Any, Store, datetime], query: str) -> None:
    col, store, now = both
    with pytest.raises(SearchError):
        col.find_cards(query)
    with pytest.raises(SearchSyntaxError):
        _our_found(store, query, now)


@pytest.mark.parametrize("query", QUERIES)
def test_same_cards_as_anki(both: tuple[Any, Store, datetime], query: str) -> None:
    col, store, now = both
    expected = _anki_found(col, query)
    assert _our_found(store, query, now) == expected
