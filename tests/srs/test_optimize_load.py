"""Bulk day numbers agree with ``srs.clock.day_number``, across daylight-saving changes."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from srs.clock import day_number, from_ms
from srs.optimize.load import DayCounter


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
)
@pytest.mark.parametrize("rollover", [0, 4, 23])
def test_day_counter_matches_day_number(zone: str, rollover: int) -> None:
    tz = ZoneInfo(zone)
    counter = DayCounter(tz, rollover)
    rng = random.Random(zone)
    start = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)
    span = 2 * 365 * 86_400_000
    instants = [start + rng.randrange(span) for _ in range(3000)]
    # every quarter hour around the 2024 changes, where the offset moves within a day
    for day in (
        datetime(2024, 3, 10, tzinfo=UTC),
        datetime(2024, 3, 31, tzinfo=UTC),
        datetime(2024, 4, 7, tzinfo=UTC),
        datetime(2024, 10, 6, tzinfo=UTC),
        datetime(2024, 10, 27, tzinfo=UTC),
        datetime(2024, 11, 3, tzinfo=UTC),
    ):
        base = int(day.timestamp() * 1000) - 86_400_000
        instants += [base + k * 900_000 + 1 for k in range(3 * 96)]
    for ms in instants:
        assert counter(ms) == day_number(from_ms(ms), tz, rollover), from_ms(ms)
