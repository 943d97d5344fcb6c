"""The clock and Anki's day boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from srs.clock import (
    FixedClock,
    clock_from_env,
    day_number,
    day_start,
    elapsed_days,
    next_day_start,
)
from srs.errors import UsageError

CET = timezone(timedelta(hours=1))


def test_day_starts_at_the_rollover_hour_local_time() -> None:
    before = datetime(2026, 11, 27, 3, 59, tzinfo=CET)
    after = datetime(2026, 11, 27, 4, 1, tzinfo=CET)
    assert day_number(after, CET) == day_number(before, CET) + 1
    assert day_start(day_number(after, CET), CET) == datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def test_elapsed_days_count_boundaries_not_24h_periods() -> None:
    evening = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)
    morning = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    assert elapsed_days(evening, morning, UTC) == 1
    assert elapsed_days(morning, morning + timedelta(hours=22), UTC) == 0
    assert elapsed_days(morning, evening, UTC) == 0


def test_next_day_start() -> None:
    at = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert next_day_start(at, UTC) == datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    assert next_day_start(at, UTC, rollover_hour=0) == datetime(2026, 11, 28, 0, 0, tzinfo=UTC)


def test_srs_now_fixes_the_clock_and_the_zone() -> None:
    clock = clock_from_env({"SRS_NOW": "2026-11-27T09:30:00+01:00"})
    assert clock.now() == datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    assert clock.now().tzinfo == UTC
    assert clock.tz.utcoffset(None) == timedelta(hours=1)


@pytest.mark.parametrize("bad", ["yesterday", "2026-11-27T09:30:00"])
def test_srs_now_must_be_iso_with_offset(bad: str) -> None:
    with pytest.raises(UsageError, match="SRS_NOW"):
        clock_from_env({"SRS_NOW": bad})


def test_fixed_clock_refuses_naive_times() -> None:
    with pytest.raises(UsageError):
        FixedClock(datetime(2026, 1, 1))
