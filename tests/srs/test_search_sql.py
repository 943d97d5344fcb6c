"""search_cards over a small collection holding every kind of row the searches look at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from srs.clock import FixedClock, day_number, day_start
from srs.domain import BuryKind, CardState
from srs.errors import SearchSyntaxError, UsageError
from srs.models import Card, Deck, Note, Notetype
from srs.search import card_filter, parse_query, search_cards
from srs.search.query import _safe_pow
from srs.store import Store
from tests.srs.test_search_builder import Builder

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TZ = timezone(timedelta(hours=2))  # local 11:00; the day began at 04:00 local = 02:00 UTC
TODAY = day_number(NOW, TZ)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

Find = Callable[[str], set[str]]


def start(offset: int) -> datetime:
    return day_start(TODAY + offset, TZ)


@pytest.fixture(scope="module")
def find(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Find]:
    store = Store.open(tmp_path_factory.mktemp("search") / "c.db", clock=FixedClock(NOW, tz=TZ))
    names: dict[int, str] = {}
    with store.write() as s:
        b = Builder(s, NOW)
        fast = b.preset("Fast")
        default = b.deck("Default")
        french = b.deck("French")
        words = b.deck("French::Words")
        irregular = b.deck("French::Verbs::Irregular")
        other_french = b.deck("Languages::French")
        spanish = b.deck("Spanish Stuff", fast)
        filtered = b.deck("Filtered", filtered=True)
        basic = b.notetype("Basic", ["Front", "Back"], ["Card 1"])
        reverse = b.notetype("Basic (and reversed card)", ["Front", "Back"], ["Card 1", "Card 2"])
        cloze = b.notetype("Cloze", ["Text", "Back Extra"], ["Cloze"], kind="cloze")

        dog = b.note(basic, ["dog", "<b>Hund</b>"], "animal::mammal pet")
        cat = b.note(basic, ["a cat", "Katze"], "animal", modified_at=NOW - 5 * DAY)
        doggy = b.note(reverse, ["doggy", "underdog"], "Animals")
        star = b.note(basic, ["5*3_x", "back\\slash (x)"], "math")
        paris = b.note(cloze, ["{{c1::Paris}} is in {{c2::France}}", ""])
        dig = b.note(basic, ["dig", "dug"], "verb::irregular")

        review = {"state": CardState.REVIEW}
        cards = {
            "dog": b.card(
                dog,
                french,
                **review,
                due=start(0),
                interval_days=10,
                ease_factor=2500,
                reps=5,
                lapses=1,
                stability=12.0,
                difficulty=5.5,
                flag=1,
                last_review=NOW - 20 * DAY,
                decay=0.5,
            ),
            "cat": b.card(cat, words, created_at=NOW - 3 * DAY),
            "doggy1": b.card(
                doggy,
                other_french,
                0,
                state=CardState.LEARNING,
                due=NOW + timedelta(minutes=5),
                reps=1,
                stability=0.5,
                difficulty=7.0,
                last_review=NOW - HOUR,
            ),
            "doggy2": b.card(
                doggy,
                other_french,
                1,
                state=CardState.RELEARNING,
                due=NOW + 2 * HOUR,
                lapses=3,
                interval_days=3,
                ease_factor=2300,
            ),
            "star": b.card(
                star,
                spanish,
                **review,
                due=start(1),
                interval_days=30,
                suspended=True,
                stability=40.0,
                difficulty=2.0,
                last_review=NOW - 60 * DAY,
            ),
            "paris1": b.card(
                paris,
                irregular,
                0,
                **review,
                due=start(-1),
                interval_days=4,
                buried=BuryKind.MANUAL,
                buried_until=start(1),
            ),
            "paris2": b.card(
                paris,
                default,
                1,
                **review,
                due=start(5),
                interval_days=20,
                buried=BuryKind.SIBLING,
                buried_until=NOW - HOUR,
                flag=7,
            ),
            "dig": b.card(
                dig,
                filtered,
                **review,
                due=start(-3),
                original_deck_id=words.id,
                interval_days=2,
                created_at=NOW - 40 * DAY,
            ),
        }
        b.review(cards["dog"], NOW - HOUR, 3)
        b.review(cards["dog"], NOW - 20 * DAY, 1, kind=0)
        b.review(cards["doggy1"], NOW - HOUR, 1, kind=0)
        b.review(cards["star"], start(0) - HOUR, 4)
        b.review(cards["paris2"], NOW - 2 * HOUR, 0, kind=4)
        b.review(cards["dig"], start(-2) + HOUR, 2, kind=0)
        names = {card.id: name for name, card in cards.items()}

    def run(query: str) -> set[str]:
        with store.read() as s:
            return {names[i] for i in search_cards(s, query, now=NOW, tz=TZ)}

    yield run
    store.close()


ALL = {"dog", "cat", "doggy1", "doggy2", "star", "paris1", "paris2", "dig"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("dog", {"dog", "doggy1", "doggy2"}),
        ("DOG", {"dog", "doggy1", "doggy2"}),
        ("hund", {"dog"}),  # raw field text, HTML and all
        ("<b>hund</b>", {"dog"}),
        ("d_g", {"dog", "doggy1", "doggy2", "dig"}),
        ("d*g", {"dog", "doggy1", "doggy2", "dig"}),
        ('"a cat"', {"cat"}),
        ("a cat", {"cat"}),
        ("a or cat", {"cat", "star", "paris1", "paris2"}),
        ("5\\*3", {"star"}),
        ("5*3", {"star"}),
        ("3\\_x", {"star"}),
        ("back\\\\slash", {"star"}),
        ("\\(x\\)", {"star"}),
        ('"(x)"', {"star"}),
        ("dog cat", set()),
        ("dog or cat", {"dog", "doggy1", "doggy2", "cat"}),
        ("dog OR cat", {"dog", "doggy1", "doggy2", "cat"}),
        ("-dog", {"cat", "star", "paris1", "paris2", "dig"}),
        ("-(dog or cat)", {"star", "paris1", "paris2", "dig"}),
        ("dig or dog katze", {"dig"}),  # and binds tighter than or
        ("(dig or dog) katze", set()),
        ("katze or dog -doggy", {"cat", "dog"}),
        ("front:dog", {"dog"}),
        ("FRONT:DOG", {"dog"}),
        ("front:do", set()),
        ("front:*og*", {"dog", "doggy1", "doggy2"}),
        ("back:*dog", {"doggy1", "doggy2"}),
        ("fr*:dig", {"dig"}),
        ("text:*paris*", {"paris1", "paris2"}),
        ('"back extra:"', {"paris1", "paris2"}),
        ("back extra:_*", set()),
        ("front:_*", {"dog", "cat", "doggy1", "doggy2", "star", "dig"}),
        ("nofield:x", set()),
        ("-nofield:x", ALL),
        ("back:re:^d.g$", {"dig"}),
        ("re:hu.d", {"dog"}),
        ("w:dog", {"dog"}),
        ("w:dog*", {"dog", "doggy1", "doggy2"}),
        ("sc:Paris is in France", {"paris1", "paris2"}),
        ("sc:c1", set()),
        # Anki writes "-sc:x" as "not <cloze note types> and <text>", which finds nothing
        # here; srs negates the whole term
        ("-sc:Paris", ALL - {"paris1", "paris2"}),
        ("nc:hund", {"dog"}),
        ("deck:french", {"dog", "cat", "paris1", "dig"}),
        ("deck:French::Words", {"cat", "dig"}),
        ("deck:french -deck:french::*", {"dog"}),
        ("deck:*french", {"dog", "cat", "paris1", "dig", "doggy1", "doggy2"}),
        ("deck:fr*", {"dog", "cat", "paris1", "dig"}),
        ('deck:"spanish stuff"', {"star"}),
        ('"deck:spanish stuff"', {"star"}),
        ("deck:spanish*", {"star"}),
        ("deck:filtered", {"dig"}),
        ("-deck:filtered", ALL - {"dig"}),
        ("deck:Filtered", {"dig"}),
        ("deck:*", ALL),
        ("deck:Languages", {"doggy1", "doggy2"}),
        ("deck:French::Verbs", {"paris1"}),
        ("preset:fast", {"star"}),
        ("preset:Default", ALL - {"star"}),
        ("tag:animal", {"dog", "cat"}),  # not "Animals": tags match whole
        ("tag:animals", {"doggy1", "doggy2"}),
        ("tag:animal::mammal", {"dog"}),
        ("tag:mammal", set()),
        ("tag:ani*", {"dog", "cat", "doggy1", "doggy2"}),
        ("tag:*mal", {"dog", "cat"}),
        ("tag:none", {"paris1", "paris2"}),
        ("-tag:none", ALL - {"paris1", "paris2"}),
        ("tag:PET", {"dog"}),
        ("tag:verb", {"dig"}),
        ("tag:re:^animal$", {"cat"}),
        ("tag:re:mammal", {"dog"}),
        ("note:basic", {"dog", "cat", "star", "dig"}),
        ("note:cloze", {"paris1", "paris2"}),
        ("note:basic*", {"dog", "cat", "star", "dig", "doggy1", "doggy2"}),
        ('"note:Basic (and reversed card)"', {"doggy1", "doggy2"}),
        ("card:1", {"dog", "cat", "doggy1", "star", "paris1", "dig"}),
        ("card:2", {"doggy2", "paris2"}),
        ('"card:card 2"', {"doggy2"}),
        ("card:cloze", {"paris1"}),
        ("card:c*", {"dog", "cat", "doggy1", "doggy2", "star", "paris1", "dig"}),
        ("is:new", {"cat"}),
        ("is:learn", {"doggy1", "doggy2"}),
        ("is:review", {"dog", "doggy2", "star", "paris1", "paris2", "dig"}),
        ("is:learn is:review", {"doggy2"}),
        ("is:suspended", {"star"}),
        ("is:buried", {"paris1"}),
        ("is:buried-manually", {"paris1"}),
        ("is:buried-sibling", set()),
        ("is:due", {"dog", "doggy1", "dig"}),
        ("-is:due", ALL - {"dog", "doggy1", "dig"}),
        ("flag:1", {"dog"}),
        ("flag:7", {"paris2"}),
        ("flag:0", ALL - {"dog", "paris2"}),
        ("prop:ivl>=10", {"dog", "star", "paris2"}),
        ("prop:ivl=3", {"doggy2"}),
        ("prop:ivl!=0", ALL - {"cat", "doggy1"}),
        ("prop:reps>1", {"dog"}),
        ("prop:lapses>=1", {"dog", "doggy2"}),
        ("prop:ease=2.5", {"dog"}),
        ("prop:ease<2.4", ALL - {"dog"}),
        ("prop:ease=2.3", {"doggy2"}),
        ("prop:pos>=0", {"cat"}),
        ("prop:due=0", {"dog", "doggy1", "doggy2"}),
        ("prop:due=1", set()),  # star is due tomorrow, but suspended
        ("prop:due<0", {"dig"}),  # paris1 is overdue, but buried
        ("prop:due>=1", {"paris2"}),
        ("prop:due=5", {"paris2"}),
        ("prop:due!=0", {"paris2", "dig"}),
        ("prop:due<=-3", {"dig"}),
        ("prop:s>10", {"dog", "star"}),
        ("prop:s<1", {"doggy1"}),
        ("-prop:s>10", {"doggy1"}),  # like Anki: no memory state matches neither
        ("prop:d>0.5", {"doggy1"}),  # difficulty 7 is 0.667 on Anki's 0..1 scale
        ("prop:d<=0.5", {"dog", "star"}),
        ("prop:r<0.9", {"dog", "star"}),
        ("prop:r>0.9", {"doggy1"}),
        ("rated:1", {"dog", "doggy1"}),
        ("rated:1:3", {"dog"}),
        ("rated:1:1", {"doggy1"}),
        ("rated:2", {"dog", "doggy1", "star"}),
        ("rated:2:4", {"star"}),
        ("rated:3", {"dog", "doggy1", "star", "dig"}),
        ("rated:30:1", {"dog", "doggy1"}),
        ("resched:1", {"paris2"}),
        ("prop:rated=0", {"dog", "doggy1"}),
        ("prop:rated=-1", {"star"}),
        ("prop:rated=-2", {"dig"}),
        ("prop:rated<-1", {"dog", "dig"}),
        ("prop:rated=-20:1", {"dog"}),
        ("prop:resched=0", {"paris2"}),
        ("introduced:1", {"doggy1"}),
        ("introduced:3", {"doggy1", "dig", "star"}),
        ("introduced:30", {"doggy1", "dig", "star", "dog"}),
        ("-introduced:1", ALL - {"doggy1"}),
        ("added:1", ALL - {"cat", "dig"}),
        ("added:4", ALL - {"dig"}),
        ("edited:1", ALL - {"cat"}),
        ("edited:6", ALL),
        ("tag:animal -deck:languages (is:new or flag:1)", {"dog", "cat"}),
    ],
)
def test_search_finds(find: Find, query: str, expected: set[str]) -> None:
    assert find(query) == expected


def test_id_searches(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db", clock=FixedClock(NOW)) as store:
        with store.write() as s:
            b = Builder(s, NOW)
            nt = b.notetype("Basic", ["Front", "Back"], ["Card 1"])
            deck, other = b.deck("A"), b.deck("B")
            notes = [b.note(nt, [f"n{i}", ""]) for i in range(3)]
            cards = [b.card(n, deck if i else other) for i, n in enumerate(notes)]
        with store.read() as s:

            def ids(query: str) -> set[int]:
                return set(search_cards(s, query, now=NOW, tz=UTC))

            assert ids(f"cid:{cards[0].id},{cards[2].id}") == {cards[0].id, cards[2].id}
            assert ids(f"nid:{notes[1].id}") == {cards[1].id}
            assert ids(f"did:{other.id}") == {cards[0].id}
            assert ids(f"mid:{nt.id}") == {c.id for c in cards}
            assert ids(f"-cid:{cards[0].id}") == {cards[1].id, cards[2].id}


def test_order_and_limit(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db", clock=FixedClock(NOW)) as store:
        with store.write() as s:
            b = Builder(s, NOW)
            nt = b.notetype("Basic", ["Front", "Back"], ["Card 1"])
            deck = b.deck("A")
            late = b.card(b.note(nt, ["a", ""]), deck, state=CardState.REVIEW, due=NOW + DAY)
            early = b.card(b.note(nt, ["b", ""]), deck, state=CardState.REVIEW, due=NOW - DAY)
            new = b.card(b.note(nt, ["c", ""]), deck)
        with store.read() as s:
            assert search_cards(s, "", now=NOW, tz=UTC) == [new.id, early.id, late.id]
            assert search_cards(s, "", now=NOW, tz=UTC, limit=2) == [new.id, early.id]
            assert search_cards(s, "", now=NOW, tz=UTC, order="id") == sorted(
                [late.id, early.id, new.id]
            )
            with pytest.raises(UsageError, match="unknown order"):
                search_cards(s, "", now=NOW, tz=UTC, order="nope")
            with pytest.raises(SearchSyntaxError, match="bad regular expression"):
                search_cards(s, '"re:a("', now=NOW, tz=UTC)


def test_day_boundaries_follow_the_rollover_hour(tmp_path: Path) -> None:
    """A review at 03:30 local belongs to the previous day with the default rollover (4)."""
    now = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)
    with Store.open(tmp_path / "c.db", clock=FixedClock(now)) as store:
        with store.write() as s:
            b = Builder(s, now)
            nt = b.notetype("Basic", ["Front", "Back"], ["Card 1"])
            card = b.card(b.note(nt, ["a", ""]), b.deck("A"))
            b.review(card, datetime(2026, 11, 27, 3, 30, tzinfo=TZ), 3)
        with store.read() as s:
            assert search_cards(s, "rated:1", now=now, tz=TZ) == []
            assert search_cards(s, "rated:2", now=now, tz=TZ) == [card.id]
            assert search_cards(s, "rated:1", now=now, tz=TZ, rollover_hour=3) == [card.id]


def test_card_filter_works_beside_the_callers_own_joins(tmp_path: Path) -> None:
    """The filter's subqueries use aliases, so a caller joining decks and note types too gets
    the same cards as search_cards."""
    with Store.open(tmp_path / "c.db", clock=FixedClock(NOW)) as store:
        with store.write() as s:
            b = Builder(s, NOW)
            basic = b.notetype("Basic", ["Front", "Back"], ["Card 1"])
            other = b.notetype("Other", ["Front", "Back"], ["Card 1"])
            french, spanish = b.deck("French"), b.deck("Spanish")
            wanted = b.card(b.note(basic, ["dog", ""]), french)
            b.card(b.note(other, ["dog", ""]), french)
            b.card(b.note(basic, ["dog", ""]), spanish)
        query = "deck:french note:basic front:dog card:1"
        with store.read() as s:
            where = card_filter(parse_query(query), now=NOW, tz=UTC)
            statement = (
                select(Card.id)
                .join(Note, Card.note_id == Note.id)
                .join(Deck, Card.deck_id == Deck.id)
                .join(Notetype, Note.notetype_id == Notetype.id)
                .where(where, Deck.name != "nothing")
            )
            assert list(s.scalars(statement)) == [wanted.id]
            assert search_cards(s, query, now=NOW, tz=UTC) == [wanted.id]


def test_python_pow_fallback_refuses_domain_errors() -> None:
    assert _safe_pow(4.0, 0.5) == 2.0
    assert _safe_pow(-1.0, 0.5) is None


@pytest.mark.parametrize(
    "query",
    ["is:due", "is:review", "is:learn", "deck:A is:review", "is:learn or is:review",
     "is:new", "is:new or is:review", "-is:new", "deck:A", ""],
)  # fmt: skip
def test_due_order_is_the_same_whatever_the_query_can_match(tmp_path: Path, query: str) -> None:
    """Searches that cannot match a new card sort on (due, id) alone: the same order as
    the full key (new cards first, by position; then due; then id)."""
    with Store.open(tmp_path / "c.db", clock=FixedClock(NOW)) as store:
        with store.write() as s:
            b = Builder(s, NOW)
            nt = b.notetype("Basic", ["Front", "Back"], ["Card 1"])
            deck = b.deck("A")
            states = [CardState.REVIEW, CardState.LEARNING, CardState.RELEARNING, CardState.NEW]
            for i in range(24):
                state = states[i % 4]
                due = None if state == CardState.NEW else NOW - HOUR * ((i * 7) % 5)
                b.card(b.note(nt, [f"q{i}", ""]), deck, state=state, due=due)
        with store.read() as s:
            found = search_cards(s, query, now=NOW, tz=UTC)
            rows = {c.id: c for c in s.scalars(select(Card).where(Card.id.in_(found)))}

            def full_key(card_id: int) -> tuple[object, ...]:
                c = rows[card_id]
                new = c.state == CardState.NEW
                return (0 if new else 1, c.new_position if new else 0, c.due or NOW, c.id)

            assert len(found) > 3
            assert found == sorted(found, key=full_key)
