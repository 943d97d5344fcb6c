"""Importing every package format Anki writes, compared field by field with what Anki
reports for the same collection.

The collection is answered "now" with FSRS on (Anki's clock is not faked): histories are
learning steps and first reviews of one day, plus a card whose memory state Anki did not
store, which Anki's own ``compute_memory_state`` gives us to compare with.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from importers.anki import import_package
from srs.ankipkg.units import from_seconds
from srs.clock import FixedClock, day_number, day_start
from srs.domain import BuryKind, CardState
from srs.models import Card, Deck, Media, Note, Notetype, Preset, ReviewLog
from srs.store import Store
from tests import anki_factory as factory
from tests.anki_factory import Collection

FORMATS = ["latest", "legacy2", "legacy1", "colpkg", "colpkg_legacy"]


@dataclass
class Fixture:
    built: factory.Built
    packages: dict[str, Path]


@pytest.fixture(scope="module")
def pkgs(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return Fixture(*factory.shared_packages(tmp_path_factory))


@pytest.fixture
def anki_col(pkgs: Fixture) -> Iterator[Collection]:
    col = Collection(str(pkgs.built.path))
    yield col
    col.close()


def open_store(folder: Path, made_at: datetime) -> Store:
    tz = datetime.now().astimezone().tzinfo  # Anki counts days in the machine's zone
    assert tz is not None
    return Store.open(folder / "c.db", clock=FixedClock(made_at, tz=tz))


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_matches_anki(fmt: str, pkgs: Fixture, anki_col: Collection, tmp_path: Path) -> None:
    store = open_store(tmp_path, pkgs.built.made_at)
    report = import_package(store, pkgs.packages[fmt])
    col = anki_col
    tz = store.clock.tz
    card_ids = list(col.find_cards(""))
    assert report.kind("cards").added == len(card_ids)
    assert report.kind("notes").added == len(col.find_notes(""))
    assert report.kind("revlog").added == col.db.scalar("select count() from revlog")
    today = day_number(pkgs.built.made_at, tz)
    with store.read() as s:
        decks = {d.id: d for d in s.scalars(select(Deck))}
        presets = {p.id: p for p in s.scalars(select(Preset))}
        notetypes = {n.id: n for n in s.scalars(select(Notetype))}
        for cid in card_ids:
            a = col.get_card(cid)
            ours = s.get(Card, cid)
            assert ours is not None, cid
            note = s.get(Note, a.nid)
            assert note is not None
            anote = a.note()
            assert note.guid == anote.guid
            assert note.fields == "\x1f".join(anote.fields)
            assert note.tags.split() == anote.tags
            assert notetypes[note.notetype_id].name == anote.note_type()["name"]
            assert ours.ord == a.ord
            home = a.odid or a.did
            assert decks[ours.deck_id].name == col.decks.name(home)
            assert ours.state == a.type
            assert ours.suspended == (a.queue == -1)
            assert ours.buried == {-2: BuryKind.SIBLING, -3: BuryKind.MANUAL}.get(a.queue, 0)
            if ours.buried:  # until Anki's next day boundary after the burial (card mod)
                assert ours.buried_until == day_start(day_number(from_seconds(a.mod), tz) + 1, tz)
                assert ours.buried_until > pkgs.built.made_at
            else:
                assert ours.buried_until is None
            assert ours.flag == a.user_flag()
            assert (ours.interval_days, ours.ease_factor) == (a.ivl, a.factor)
            assert (ours.reps, ours.lapses) == (a.reps, a.lapses)
            due = a.odue if a.odid else a.due
            if a.type == CardState.NEW:
                assert ours.new_position == due and ours.due is None
            elif a.type in (1, 3) and due > 1_000_000_000:
                assert ours.due == from_seconds(due)
            else:
                assert ours.due is not None
                assert day_number(ours.due, tz) - today == due - pkgs.built.today
            if a.type in (1, 3):
                preset = presets[decks[ours.deck_id].preset_id]
                steps = preset.learn_steps if a.type == 1 else preset.relearn_steps
                assert ours.step == len(steps) - a.left % 1000
            if a.memory_state is not None:
                assert ours.stability == pytest.approx(a.memory_state.stability, rel=1e-4)
                assert ours.difficulty == pytest.approx(a.memory_state.difficulty, rel=1e-4)
            if a.desired_retention is not None:
                assert ours.desired_retention == pytest.approx(a.desired_retention)
        rows = {
            (r.card_id, int(r.reviewed_at.timestamp() * 1000)): r
            for r in s.scalars(select(ReviewLog))
        }
        for rid, cid, ease, ivl, last, factor, taken, kind in col.db.all(
            "select id, cid, ease, ivl, lastIvl, factor, time, type from revlog"
        ):
            r = rows[(cid, rid)]
            assert (
                r.rating,
                r.interval_after,
                r.interval_before,
                r.factor,
                r.duration_ms,
                r.kind,
            ) == (ease, ivl, last, factor, taken, kind)
        media = {m.name: m for m in s.scalars(select(Media))}
    assert set(media) == {"pic.png", "x.mp3"}
    assert (store.media_dir / "pic.png").read_bytes() == factory.PNG
    assert (store.media_dir / "x.mp3").read_bytes() == factory.MP3
    assert not [p for p in store.media_dir.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_structure_matches_anki(
    fmt: str, pkgs: Fixture, anki_col: Collection, tmp_path: Path
) -> None:
    store = open_store(tmp_path, pkgs.built.made_at)
    import_package(store, pkgs.packages[fmt])
    col = anki_col
    with store.read() as s:
        decks = {d.name: d for d in s.scalars(select(Deck))}
        nts = {n.name: n for n in s.scalars(select(Notetype))}
        for name_id in col.decks.all_names_and_ids():
            deck = decks[name_id.name]
            adeck = col.decks.get(name_id.id)
            assert adeck is not None
            assert deck.filtered == bool(adeck["dyn"])
            if not adeck["dyn"]:
                conf = col.decks.config_dict_for_deck_id(name_id.id)
                preset = deck.preset
                assert preset.name == conf["name"]
                assert preset.learn_steps == conf["new"]["delays"]
                assert preset.relearn_steps == conf["lapse"]["delays"]
                assert preset.new_per_day == conf["new"]["perDay"]
                assert preset.desired_retention == pytest.approx(conf["desiredRetention"])
        used = set(col.db.list("select distinct mid from notes"))
        for model in col.models.all():
            if model["id"] not in used and not fmt.startswith("colpkg"):
                assert model["name"] not in nts  # an .apkg carries only used note types
                continue
            ours = nts[model["name"]]
            assert [f["name"] for f in ours.fields] == [f["name"] for f in model["flds"]]
            assert [(t["name"], t["qfmt"], t["afmt"]) for t in ours.templates] == [
                (t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"]
            ]
            assert ours.css == model["css"]
            assert ours.kind == ("cloze" if model["type"] == 1 else "standard")
            assert ours.sort_field == model["sortf"]


def test_memory_state_from_history_matches_anki(
    pkgs: Fixture, anki_col: Collection, tmp_path: Path
) -> None:
    cid = pkgs.built.cards["no_memory"]
    assert anki_col.get_card(cid).memory_state is None  # really absent from cards.data
    expected = anki_col.compute_memory_state(cid)
    assert expected.stability is not None and expected.difficulty is not None
    store = open_store(tmp_path, pkgs.built.made_at)
    import_package(store, pkgs.packages["latest"])
    with store.read() as s:
        card = s.get(Card, cid)
        assert card is not None
        assert card.stability == pytest.approx(expected.stability, rel=1e-3)
        assert card.difficulty == pytest.approx(expected.difficulty, rel=1e-3)
        last = anki_col.db.scalar("select max(id) from revlog where cid=? and ease>0", cid)
        assert card.last_review is not None
        assert int(card.last_review.timestamp() * 1000) == last


def test_filtered_card_goes_home(pkgs: Fixture, anki_col: Collection, tmp_path: Path) -> None:
    cid = pkgs.built.cards["no_memory"]
    acard = anki_col.get_card(cid)
    assert acard.odid != 0  # the fixture really put it in a filtered deck
    store = open_store(tmp_path, pkgs.built.made_at)
    import_package(store, pkgs.packages["colpkg"])
    with store.read() as s:
        card = s.get(Card, cid)
        assert card is not None
        assert s.get(Deck, card.deck_id).name == anki_col.decks.name(acard.odid)  # type: ignore[union-attr]
        assert card.original_deck_id is None
        assert card.extra["anki"]["odid"] == acard.odid


HISTORIES = {
    # (days ago, ease, type, lastIvl, factor): complete histories start with learning
    "complete": [
        (40, 3, 0, 0, 0),
        (39, 3, 1, 1, 2500),
        (30, 1, 1, 9, 2500),
        (30, 3, 2, -600, 2300),
        (25, 3, 1, 1, 2300),
        (10, 4, 1, 5, 2300),
    ],
    # Anki's log starts mid-way (a review with a previous interval): SM-2 start state
    "incomplete": [(50, 3, 1, 20, 2500), (20, 3, 1, 30, 2500), (2, 1, 1, 60, 2500)],
    # a reset ("forget") in the middle: only what follows counts
    "reset": [
        (60, 3, 0, 0, 0),
        (50, 3, 1, 10, 2500),
        (45, 0, 4, 0, 0),
        (44, 2, 0, 0, 0),
        (40, 3, 1, 1, 2500),
    ],
    # manual rows and cramming without rescheduling are ignored
    "noise": [(30, 3, 0, 0, 0), (28, 0, 5, 5, 2500), (27, 3, 3, 2, 0), (20, 3, 1, 2, 2500)],
}


@pytest.mark.parametrize("kind", sorted(HISTORIES))
def test_multi_day_history_memory_matches_anki(kind: str, pkgs: Fixture, tmp_path: Path) -> None:
    """Anki's clock is not faked: the history is written into a copy of the collection with
    answer times days apart, and Anki's own ``compute_memory_state`` is the reference."""
    copy = factory.copy_collection(pkgs.built, tmp_path / "col")
    col = Collection(str(copy))
    try:
        cid = pkgs.built.cards["new"]
        now_ms = int(pkgs.built.made_at.timestamp() * 1000)
        col.db.execute("delete from revlog where cid = ?", cid)
        for i, (days, ease, kind_, last, factor) in enumerate(HISTORIES[kind]):
            col.db.execute(
                "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
                " values (?, ?, -1, ?, 5, ?, ?, 4000, ?)",
                now_ms - days * 86_400_000 + i * 60_000,
                cid,
                ease,
                last,
                factor,
                kind_,
            )
        col.db.execute(
            "update cards set type=2, queue=2, ivl=5, due=?, reps=5, data='' where id=?",
            pkgs.built.today + 3,
            cid,
        )
        expected = col.compute_memory_state(cid)
        out = tmp_path / "h.apkg"
        col.export_anki_package(
            out_path=str(out),
            options=factory.ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=True, with_media=False, legacy=False
            ),
            limit=None,
        )
    finally:
        col.close()
    assert expected.stability is not None
    store = open_store(tmp_path, pkgs.built.made_at)
    import_package(store, out)
    with store.read() as s:
        card = s.get(Card, cid)
        assert card is not None
        assert card.stability == pytest.approx(expected.stability, rel=1e-3)
        assert card.difficulty == pytest.approx(expected.difficulty, rel=1e-3)
