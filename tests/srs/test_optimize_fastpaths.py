"""The optimiser's shortcuts give what the general rules give: day numbers of a sorted log,
the review-interval floor, the scan's code path, the dry run's counts-only plan."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import fsrs_rs_python as fsrs_rs
import pytest

from srs.clock import day_number, from_ms, to_ms
from srs.domain import ReviewKind
from srs.optimize import optimize_preset
from srs.optimize import scan as scan_module
from srs.optimize.history import LogEntry
from srs.optimize.load import DayCounter
from srs.optimize.memory import review_interval
from srs.optimize.scan import Row, scan_rows, summarize
from srs.optimize.synthetic import simulate_cards, write_collection
from srs.scheduler.fuzz import minimum_review_fuzz_interval, with_review_fuzz
from tests.srs.optimize_support import START, open_store, truth_params

_DAY = 86_400_000
LEARN, REVIEW = int(ReviewKind.LEARN), int(ReviewKind.REVIEW)


@pytest.mark.parametrize(
    ("zone", "rollover"),
    [("UTC", 4), ("Europe/Berlin", 4), ("America/New_York", 0), ("Australia/Lord_Howe", 23)],
)
def test_sorted_days_equal_day_numbers(zone: str, rollover: int) -> None:
    tz = ZoneInfo(zone)
    rng = random.Random(zone)
    counter = DayCounter(tz, rollover)
    start = to_ms(datetime(2023, 6, 1, tzinfo=UTC))
    for _ in range(400):
        # a card's log: a few answers within a week, or spread over months (across changes)
        first = start + rng.randrange(900) * _DAY + rng.randrange(_DAY)
        span = rng.choice((_DAY, 7 * _DAY, 200 * _DAY))
        instants = sorted(first + rng.randrange(span) for _ in range(rng.randint(1, 12)))
        expected = [day_number(from_ms(ms), tz, rollover) for ms in instants]
        assert counter.sorted_days(instants) == expected
    # around the changes themselves, every quarter hour
    for day in (datetime(2024, 3, 10), datetime(2024, 3, 31), datetime(2024, 10, 27)):
        base = to_ms(day.replace(tzinfo=UTC)) - _DAY
        instants = [base + k * 900_000 + 1 for k in range(3 * 96)]
        assert counter.sorted_days(instants) == counter.days(instants)
        assert counter.sorted_days(instants[100:140]) == counter.days(instants[100:140])
    # a bogus instant centuries away is not walked to, and still counted right
    far = [start, to_ms(datetime(2400, 1, 1, tzinfo=UTC))]
    assert counter.sorted_days(far) == [day_number(from_ms(ms), tz, rollover) for ms in far]
    assert counter.sorted_days([]) == []


def _reference_interval(
    model: fsrs_rs.FSRS, stability: float, retention: float, maximum: int, previous: int | None
) -> int:
    raw = float(model.next_interval(stability, retention, 0))
    minimum = max(minimum_review_fuzz_interval(raw, previous or 0, maximum), 1)
    return with_review_fuzz(None, raw, minimum, maximum)


def test_review_interval_floor_shortcut_follows_the_fuzz_rules() -> None:
    model = fsrs_rs.FSRS(truth_params())
    rng = random.Random(7)
    shortcut = 0
    for _ in range(20_000):
        stability = rng.choice((rng.uniform(0.01, 5.0), rng.uniform(1.0, 400.0)))
        retention = rng.choice((0.7, 0.85, 0.9, 0.95, 0.97))
        maximum = rng.choice((36_500, 180, 30, 7))
        previous = rng.choice((None, 0, 1, 2, 5, 20, 60, 200, rng.randint(1, 1000)))
        ours = review_interval(model, stability, retention, maximum, previous)
        assert ours == _reference_interval(model, stability, retention, maximum, previous)
        shortcut += round(float(model.next_interval(stability, retention, 0))) > (previous or 0)
    assert 2_000 < shortcut < 18_000  # both branches were taken often


def test_scan_code_path_and_reference_path_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    # the same logs, once as they are (code path) and once with an out-of-range rating on a
    # row no rule keeps (which sends the card down the reference path)
    start = to_ms(datetime(2024, 5, 1, 10, tzinfo=UTC))
    rng = random.Random(3)
    logs: list[list[Row]] = []
    for card_id in range(1, 200):
        at = start + rng.randrange(30) * _DAY
        log: list[Row] = [(card_id, at, 3, LEARN, 2500, 0, 0)]
        for _ in range(rng.randint(1, 9)):
            at += rng.choice((600_000, _DAY, 4 * _DAY, 30 * _DAY))
            log.append((card_id, at, rng.choice((1, 2, 3, 4)), REVIEW, 2500, 3, 1))
        logs.append(log)
    day_of = DayCounter(ZoneInfo("Europe/Berlin"), 4)
    plain = scan_rows((row for log in logs for row in log), day_of)
    odd = [
        [(log[0][0], log[0][1] - 3_600_000, 9, REVIEW, 2500, 1, 0), *log] for log in logs
    ]  # rated 9, before the learning block: cut off by the rules
    reference_path: list[int] = []
    summarize_rows = scan_module._summarize_rows

    def counted(*args: Any) -> Any:
        reference_path.append(1)
        return summarize_rows(*args)

    monkeypatch.setattr(scan_module, "_summarize_rows", counted)
    reference = scan_rows((row for log in odd for row in log), day_of)
    assert len(reference_path) == len(odd)
    assert plain.cards == reference.cards
    assert (plain.item_cards, plain.used) == (reference.item_cards, reference.used)
    assert [repr(i) for i in plain.items] == [repr(i) for i in reference.items]
    for log in odd[:20]:
        found = summarize(
            [
                LogEntry(ms, day_of(ms), rating, kind, factor, ivl, last)
                for _, ms, rating, kind, factor, ivl, last in log
            ]
        )
        assert found is not None and reference.cards[log[0][0]] == found[0]


def test_dry_run_counts_the_changes_the_real_run_makes(tmp_path: Path) -> None:
    cards = simulate_cards(truth_params(), cards=500, days=160, start=START, seed=17)
    store = open_store(tmp_path / "c.db", tz=ZoneInfo("America/New_York"))
    write_collection(store, cards, created=START)
    dry = optimize_preset(store, dry_run=True)
    again = optimize_preset(store, dry_run=True)
    full = optimize_preset(store)
    assert dry.adopted and full.adopted
    assert dry.parameters == again.parameters == full.parameters
    assert (dry.cards_rescheduled, dry.cards_updated) == (
        full.cards_rescheduled,
        full.cards_updated,
    )
    assert dry.cards_rescheduled > 0 and dry.cards_updated > 0
    # the run wrote what it counted: a dry run after it finds nothing left to change
    after = optimize_preset(store, dry_run=True)
    assert (after.cards_rescheduled, after.cards_updated) == (0, 0)
