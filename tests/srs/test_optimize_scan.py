"""The one-pass log scan gives exactly what the reference rules give (``history`` and
``memory.last_review`` on ``LogEntry`` rows), on random logs full of Anki's edge cases, in
zones with daylight saving; and the bulk writes after it store what the plan says."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from srs.clock import day_number, from_ms, to_ms
from srs.domain import MemoryState, ReviewKind
from srs.gcpause import paused_gc
from srs.models import Card, Preset, ReviewLog
from srs.optimize import optimize_preset
from srs.optimize import scan as scan_module
from srs.optimize.fit import to_fsrs_items
from srs.optimize.history import LogEntry, training_items
from srs.optimize.load import DayCounter
from srs.optimize.memory import stored_memories
from srs.optimize.scan import Row, read_scan, scan_rows, summarize
from srs.optimize.synthetic import simulate_cards, write_collection
from srs.scheduler.answer import stored_memory
from tests.srs.optimize_support import NOW, START, open_store, truth_params

LEARN, REVIEW, RELEARN = (int(k) for k in (ReviewKind.LEARN, ReviewKind.REVIEW, ReviewKind.RELEARN))
FILTERED, MANUAL, RESCHEDULE = (
    int(k) for k in (ReviewKind.FILTERED, ReviewKind.MANUAL, ReviewKind.RESCHEDULE)
)
_MINUTE = 60_000
_DAY = 86_400_000


def _random_log(rng: random.Random, card_id: int, start_ms: int) -> list[Row]:
    """A card's log: mostly the plain shape (learning block, then reviews and relearning),
    often with what Anki's rules filter or cut: cramming, filtered-deck answers, set due
    date, resets, rescheduling rows, unrated rows, a truncated start, a second learning
    block, and answers a few minutes apart (same day) or near midnight and DST changes."""
    rows: list[Row] = []
    at = start_ms + rng.randrange(_DAY)
    shape = rng.random()
    kinds = [LEARN] * rng.randint(0 if shape < 0.15 else 1, 3)
    kinds += [rng.choice((REVIEW, REVIEW, REVIEW, RELEARN)) for _ in range(rng.randint(0, 14))]
    if shape > 0.55:  # sprinkle the edge cases in
        for _ in range(rng.randint(1, 3)):
            position = rng.randint(0, len(kinds))
            kinds.insert(position, rng.choice((FILTERED, MANUAL, RESCHEDULE, LEARN)))
    for kind in kinds:
        at += rng.choice((_MINUTE, 10 * _MINUTE, 6 * 3_600_000, _DAY, 3 * _DAY, 40 * _DAY))
        at += rng.randrange(_MINUTE)
        rating = rng.choice((1, 2, 3, 3, 3, 4))
        factor = rng.choice((2500, 2500, 0, 1300, 700))
        ivl = rng.choice((1, 3, 20, -600, -60, -86_400, -90_000, 0))
        last_ivl = rng.choice((0, 1, 5, 30, -600))
        if kind in (MANUAL, RESCHEDULE) or rng.random() < 0.03:
            rating = 0
        rows.append((card_id, at, rating, kind, factor, ivl, last_ivl))
    return rows


def _reference_entries(rows: list[Row], tz: tzinfo, rollover: int) -> list[LogEntry]:
    return [
        LogEntry(ms, day_number(from_ms(ms), tz, rollover), rating, kind, factor, ivl, last)
        for _, ms, rating, kind, factor, ivl, last in rows
    ]


def _logs(seed: int, cards: int) -> list[list[Row]]:
    rng = random.Random(seed)
    start = to_ms(datetime(2024, 1, 1, tzinfo=UTC))
    return [
        log
        for card_id in range(1, cards + 1)
        if (log := _random_log(rng, card_id * 7, start + rng.randrange(600) * _DAY))
    ]


@pytest.mark.parametrize(
    ("zone", "rollover"),
    [("UTC", 4), ("Europe/Berlin", 4), ("America/New_York", 0), ("Australia/Lord_Howe", 23)],
)
def test_scan_equals_the_reference_rules(
    zone: str, rollover: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    tz = ZoneInfo(zone)
    logs = _logs(seed=len(zone) * 31 + rollover, cards=1500)
    excluded = {log[0][0] for log in logs[::9]}
    reference_path = 0
    summarize_rows = scan_module._summarize_rows

    def counted(*args: Any) -> Any:
        nonlocal reference_path
        reference_path += 1
        return summarize_rows(*args)

    monkeypatch.setattr(scan_module, "_summarize_rows", counted)

    scan = scan_rows((row for log in logs for row in log), DayCounter(tz, rollover), excluded)

    reference = {log[0][0]: _reference_entries(log, tz, rollover) for log in logs}
    expected_cards = {
        card_id: found[0]
        for card_id, entries in reference.items()
        if (found := summarize(entries)) is not None
    }
    assert scan.cards == expected_cards
    items, used = training_items(
        [(card_id, entries) for card_id, entries in reference.items() if card_id not in excluded]
    )
    assert scan.used == used
    assert scan.item_cards == [item.card_id for item in items]
    # fsrs-rs items show their reviews (ratings and elapsed days) only in their repr
    assert [repr(item) for item in scan.items] == [repr(item) for item in to_fsrs_items(items)]
    # the logs really exercised both paths and every outcome: only resets and cramming
    # (manual or filtered rows with factor 0) take the reference path
    plain = [log for log in logs if all(r[2] > 0 and r[3] in (LEARN, REVIEW, RELEARN) for r in log)]
    cut = [log for log in logs if any(r[3] in (MANUAL, FILTERED) and r[4] == 0 for r in log)]
    assert reference_path == len(cut) > 100
    assert len(plain) > 300 and len(logs) - len(plain) - len(cut) > 300
    summaries = list(scan.cards.values())
    assert sum(s.complete for s in summaries) > 300
    assert sum(not s.complete for s in summaries) > 50
    assert len(scan.cards) < len(logs)  # some cards have no usable history
    assert len(items) > 2000


def test_scan_reads_the_preset_log_from_the_store(tmp_path: Path) -> None:
    sims = simulate_cards(truth_params(), cards=150, days=120, start=START, seed=31)
    store = open_store(tmp_path / "c.db", tz=ZoneInfo("Europe/Berlin"))
    write_collection(store, sims, created=START)
    tz = store.clock.tz
    with store.read() as session:
        deck_ids = list(session.scalars(select(Card.deck_id).distinct()))
        scan = read_scan(session, deck_ids, DayCounter(tz, 4))
    reference = [
        (
            sim.card_id,
            [
                LogEntry(
                    to_ms(e.at),
                    day_number(e.at, tz, 4),
                    e.rating,
                    int(e.kind),
                    e.factor,
                    e.interval_after,
                    e.interval_before,
                )
                for e in sim.entries
            ],
        )
        for sim in sims
    ]
    assert scan.cards == {
        card_id: found[0]
        for card_id, entries in reference
        if (found := summarize(entries)) is not None
    }
    items, used = training_items(reference)
    assert (scan.item_cards, scan.used) == ([item.card_id for item in items], used)
    assert [repr(item) for item in scan.items] == [repr(item) for item in to_fsrs_items(items)]


def test_day_counter_days_equals_one_at_a_time() -> None:
    tz = ZoneInfo("Europe/Berlin")
    counter = DayCounter(tz, 4)
    start = to_ms(datetime(2024, 3, 30, tzinfo=UTC))
    instants = [start + k * 1_800_000 + 7 for k in range(24 * 2 * 3)]  # across the change
    assert DayCounter(tz, 4).days(instants) == [counter(ms) for ms in instants]
    assert counter.days(instants) == [day_number(from_ms(ms), tz, 4) for ms in instants]
    assert counter.days([]) == []


@pytest.fixture
def gc_state() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("gc_state")
def test_paused_gc_restores_the_collector_state() -> None:
    gc.enable()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    with paused_gc():
        assert not gc.isenabled()
    assert not gc.isenabled()
    gc.enable()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()


@pytest.mark.usefixtures("gc_state")
def test_optimizing_writes_the_planned_rows(tmp_path: Path) -> None:
    gc.enable()
    sims = simulate_cards(truth_params(), cards=300, days=150, start=START, seed=33)
    store = open_store(tmp_path / "c.db")
    write_collection(store, sims, created=START)

    result = optimize_preset(store)

    assert gc.isenabled()
    assert result.adopted and result.cards_rescheduled > 0
    last_at = {sim.card_id: sim.entries[-1].at for sim in sims}
    with store.read() as session:
        retention = session.scalars(select(Preset.desired_retention)).one()
        cards = {c.id: c for c in session.scalars(select(Card))}
        rows = list(
            session.scalars(select(ReviewLog).where(ReviewLog.kind == ReviewKind.RESCHEDULE))
        )
        assert len(rows) == result.cards_rescheduled
        for row in rows:
            card = cards[row.card_id]
            assert row.reviewed_at == max(NOW, last_at[row.card_id] + timedelta(milliseconds=1))
            assert (row.rating, row.interval_after) == (0, card.interval_days)
            assert (row.stability, row.difficulty) == (card.stability, card.difficulty)
            assert card.difficulty is not None
            assert row.factor == int(((card.difficulty - 1.0) / 9.0 + 0.1) * 1000)
            assert row.duration_ms == 0
        changed = [c for c in cards.values() if c.modified_at == NOW]
        assert len(changed) >= result.cards_updated > 0
        for card in changed:
            assert card.desired_retention == pytest.approx(retention)
            assert card.decay == pytest.approx(result.parameters[20])
            assert card.due is not None and card.due.tzinfo is not None


def test_stored_memories_round_like_stored_memory() -> None:
    rng = random.Random(5)
    states = [
        MemoryState(rng.uniform(0.001, 40_000.0), rng.uniform(1.0, 10.0)) for _ in range(20_000)
    ]
    # values at and next to the rounding halves, where f32 rounding decides the result
    for k in range(1, 2000):
        s, d = k / 10_000.0 + 0.00005, 1.0 + k / 1000.0 + 0.0005
        states += [MemoryState(s, d), MemoryState(s * (1 + 1e-7), d * (1 - 1e-7))]
    assert stored_memories(states) == [stored_memory(state) for state in states]
    assert stored_memories([]) == []


def test_items_answered_at_the_same_instant_keep_card_order() -> None:
    start = to_ms(datetime(2024, 5, 1, 10, tzinfo=UTC))
    times = [start, start + 2 * _DAY, start + 5 * _DAY]
    logs = [
        [(card_id, ms, 3, LEARN if i == 0 else REVIEW, 2500, 1, 0) for i, ms in enumerate(times)]
        for card_id in (5, 9, 2000)
    ]
    scan = scan_rows((row for log in logs for row in log), DayCounter(UTC, 4))
    assert scan.item_cards == [5, 9, 2000, 5, 9, 2000]
    items, _ = training_items([(log[0][0], _reference_entries(log, UTC, 4)) for log in logs])
    assert scan.item_cards == [item.card_id for item in items]
