"""The schema-11 shapes of an export: defaults equal to a real Anki collection's, presets with
FSRS parameters (never as id 1), stable ids, and the conversion of learning dues to Anki's
units (intraday epoch seconds vs interday day numbers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fsrs_rs_python
from sqlalchemy import select

from srs.clock import FixedClock, day_start
from srs.export import defaults, export_package, objects
from srs.export.cards import SrsCard, anki_sched, timing_for
from srs.models import Card, Deck, Note, Notetype, Preset, ReviewLog
from srs.store import Store
from tests import anki_factory as factory

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _without(value: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k not in keys}


def test_defaults_are_those_of_a_fresh_anki_collection(tmp_path: Path) -> None:
    col = factory.Collection(str(tmp_path / "c.anki2"))
    try:
        assert _without(col.decks.get_config(1), "id", "name", "mod") == _without(
            defaults.preset(), "id", "name", "mod"
        )
        assert _without(col.decks.get(1), "id", "name", "mod") == _without(
            defaults.deck(), "id", "name", "mod"
        )
        assert _without(col.models.new_field("X"), "name", "ord", "id") == _without(
            defaults.field(), "name", "ord"
        )
        assert _without(col.models.new_template("T"), "name", "ord", "id") == _without(
            defaults.template(), "name", "ord"
        )
        basic = col.models.by_name("Basic")
        for key in ("latexPre", "latexPost", "latexsvg", "did"):
            assert basic[key] == defaults.notetype()[key], key
        config = col.all_config()
        for key, value in defaults.conf().items():
            if key not in ("curDeck", "activeDecks", "nextPos"):
                assert config.get(key) == value, key
    finally:
        col.close()


def _card(**kw: Any) -> SrsCard:
    base: dict[str, Any] = dict(
        state=1,
        step=0,
        due=None,
        new_position=0,
        stability=None,
        difficulty=None,
        last_review=None,
        interval_days=0,
        ease_factor=0,
        reps=1,
        lapses=0,
        suspended=False,
        buried=0,
        buried_until=None,
        flag=0,
        desired_retention=None,
        decay=None,
        extra={},
    )
    base.update(kw)
    return SrsCard(**base)


def test_learning_dues_are_seconds_today_and_day_numbers_later() -> None:
    timing = timing_for(NOW, UTC, 4)
    assert timing.crt == int(day_start(timing.crt_day, UTC, 4).timestamp())
    intraday = anki_sched(
        _card(due=NOW + timedelta(minutes=10), last_review=NOW),
        timing,
        learn_steps=2,
        relearn_steps=1,
    )
    assert (intraday.queue, intraday.due, intraday.left) == (
        1,
        int((NOW + timedelta(minutes=10)).timestamp()),
        2,
    )
    tomorrow = day_start(timing.crt_day + 1, UTC, 4)
    interday = anki_sched(
        _card(due=tomorrow, last_review=NOW, step=1), timing, learn_steps=2, relearn_steps=1
    )
    assert (interday.queue, interday.due, interday.left) == (3, 1, 1)
    review = anki_sched(
        _card(
            state=2,
            due=tomorrow + timedelta(days=9),
            interval_days=10,
            stability=9.87654,
            difficulty=5.4321,
            last_review=NOW,
        ),
        timing,
        learn_steps=2,
        relearn_steps=1,
    )
    assert (review.type, review.queue, review.due, review.ivl) == (2, 2, 10, 10)
    assert review.data == f'{{"s":9.8765,"d":5.432,"lrt":{int(NOW.timestamp())}}}'
    expired_bury = anki_sched(
        _card(state=2, due=tomorrow, buried=3, buried_until=NOW - timedelta(hours=1)),
        timing,
        learn_steps=2,
        relearn_steps=1,
    )
    assert expired_bury.queue == 2
    buried = anki_sched(
        _card(state=2, due=tomorrow, buried=3, buried_until=NOW + timedelta(hours=1), flag=5),
        timing,
        learn_steps=2,
        relearn_steps=1,
    )
    assert (buried.queue, buried.flags) == (-3, 5)


def test_presets_keep_fsrs_parameters_and_never_take_id_1(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "c.db", clock=FixedClock(datetime.now(UTC), tz=_local_tz()))
    params = [round(p * 1.01, 4) for p in fsrs_rs_python.DEFAULT_PARAMETERS]
    with store.write() as s:
        preset = Preset(
            name="Default",
            anki_id=1,
            fsrs_params=params,
            desired_retention=0.87,
            learn_steps=[3.0, 30.0],
            new_per_day=7,
        )
        s.add(preset)
        s.flush()
        deck = Deck(name="Languages::French", preset_id=preset.id)
        nt = Notetype(
            name="Basic",
            fields=[{"name": "Front"}, {"name": "Back"}],
            templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
            modified_at=NOW,
        )
        s.add_all([deck, nt])
        s.flush()
        note = Note(
            guid="g1", notetype_id=nt.id, fields="bonjour\x1fhello", created_at=NOW, modified_at=NOW
        )
        s.add(note)
        s.flush()
        s.add(Card(note_id=note.id, deck_id=deck.id, created_at=NOW, modified_at=NOW))
    out = tmp_path / "out.apkg"
    export_package(store, out)
    with store.read() as s:
        exported_id = objects.preset_id(s.scalars(select(Preset)).one())
    assert exported_id != 1 and exported_id == objects.stable_id("preset", 1)
    col = factory.anki_import(out, tmp_path / "anki")
    try:
        conf = col.decks.config_dict_for_deck_id(col.decks.id_for_name("Languages::French"))
        assert conf["id"] == exported_id
        assert [round(p, 4) for p in conf["fsrsParams6"]] == params
        assert round(conf["desiredRetention"], 4) == 0.87
        assert conf["new"]["delays"] == [3.0, 30.0] and conf["new"]["perDay"] == 7
        assert col.decks.id_for_name("Languages") is not None
        note = col.get_note(col.find_notes("")[0])
        assert (note.guid, list(note.fields)) == ("g1", ["bonjour", "hello"])
    finally:
        col.close()
        store.close()


def test_shared_review_times_and_clashing_ids_survive(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "c.db", clock=FixedClock(datetime.now(UTC), tz=_local_tz()))
    answered = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    with store.write() as s:
        preset = Preset(name="Default")
        s.add(preset)
        s.flush()
        deck = Deck(name="Default", preset_id=preset.id)
        nt = Notetype(
            name="Basic",
            fields=[{"name": "Front"}, {"name": "Back"}],
            templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
            modified_at=NOW,
        )
        s.add_all([deck, nt])
        s.flush()
        cards = []
        first_note = 0
        for i in range(2):
            note = Note(
                guid=f"g{i}",
                notetype_id=nt.id,
                fields=f"q{i}\x1fa{i}",
                created_at=NOW,
                modified_at=NOW,
                # the second note's Anki id is taken by the first: it must get another
                extra={"anki_id": first_note} if i else {},
            )
            s.add(note)
            s.flush()
            first_note = first_note or note.id
            card = Card(
                note_id=note.id,
                deck_id=deck.id,
                created_at=NOW,
                modified_at=NOW,
                state=2,
                due=answered + timedelta(days=3),
                interval_days=3,
                reps=1,
                ease_factor=2500,
                extra={"anki_id": 1_700_000_000_000 + i} if i else {},
            )
            s.add(card)
            s.flush()
            cards.append(card.id)
            s.add(
                ReviewLog(
                    card_id=card.id,
                    reviewed_at=answered,
                    rating=3,
                    kind=0,
                    interval_after=3,
                    factor=2500,
                    duration_ms=1000,
                )
            )
    out = tmp_path / "out.apkg"
    assert export_package(store, out).revlog == 2
    store.close()
    col = factory.anki_import(out, tmp_path / "anki")
    try:
        ms = int(answered.timestamp() * 1000)
        rows = col.db.all("select id, cid from revlog order by id")
        assert rows == [[ms, cards[0]], [ms + 1, 1_700_000_000_001]]
        assert col.db.list("select due - ? from cards", col.sched.today) == [2, 2]
        assert sorted(col.db.list("select guid from notes")) == ["g0", "g1"]
    finally:
        col.close()


def _local_tz() -> Any:
    return datetime.now().astimezone().tzinfo  # Anki counts days in the machine's zone
