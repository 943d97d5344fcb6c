"""Provides the clock and the local day boundary, the only places srs learns what time it is.

Everything stored is UTC. Whatever is shown to the user, and the "day" that Anki's
scheduler counts in, is local: a day starts at the preset's rollover hour (04:00 by
default) in the clock's time zone. ``day_number`` is the single place that computes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Protocol

from srs.errors import UsageError

DEFAULT_ROLLOVER_HOUR = 4
_EPOCH_DATE = date(1970, 1, 1)


class Clock(Protocol):
    """Tells the current time (aware, UTC) and the user's local time zone."""

    @property
    def tz(self) -> tzinfo: ...

    def now(self) -> datetime: ...


def _local_tz() -> tzinfo:
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz


@dataclass(frozen=True)
class SystemClock:
    """The real clock, in the machine's local time zone."""

    tz: tzinfo = field(default_factory=_local_tz)

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to; for tests and ``SRS_NOW``."""

    current: datetime
    tz: tzinfo = UTC

    def __post_init__(self) -> None:
        if self.current.tzinfo is None:
            raise UsageError("FixedClock needs a timezone-aware datetime")
        self.current = self.current.astimezone(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (or back, with a negative delta)."""
        self.current = self.current + delta

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (timezone-aware)."""
        if when.tzinfo is None:
            raise UsageError("FixedClock needs a timezone-aware datetime")
        self.current = when.astimezone(UTC)


def parse_instant(text: str, *, what: str = "time") -> datetime:
    """Parse an ISO 8601 instant that carries a UTC offset (``Z`` allowed)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"{what} {text!r} is not an ISO 8601 date-time") from exc
    if value.tzinfo is None:
        raise UsageError(f"{what} {text!r} has no UTC offset (e.g. 2026-11-27T09:00:00+01:00)")
    return value


def clock_from_env(environ: dict[str, str] | None = None) -> Clock:
    """The clock for this process: fixed at ``SRS_NOW`` (whose offset is the local zone)."""
    env = os.environ if environ is None else environ
    raw = env.get("SRS_NOW")
    if not raw:
        return SystemClock()
    value = parse_instant(raw, what="SRS_NOW")
    assert value.tzinfo is not None
    return FixedClock(value, tz=value.tzinfo)


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; naive values are refused."""
    return _aware(value).astimezone(UTC)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise UsageError("naive datetime where a UTC instant was expected")
    return value


# Both are pure, and an answer asks each about the same few instants and days several
# times (elapsed days, due day, next day boundary, button labels): recent results are kept.
@lru_cache(maxsize=256)
def day_number(at: datetime, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> int:
    """The local scheduling day ``at`` falls on: days since 1970-01-01, days starting at
    ``rollover_hour`` local time (Anki's "next day starts at")."""
    local = at.astimezone(tz) - timedelta(hours=rollover_hour)
    return (local.date() - _EPOCH_DATE).days


@lru_cache(maxsize=256)
def day_start(day: int, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> datetime:
    """The UTC instant at which local scheduling day ``day`` begins."""
    local_date = _EPOCH_DATE + timedelta(days=day)
    naive = datetime(local_date.year, local_date.month, local_date.day, rollover_hour)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def next_day_start(
    at: datetime, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR
) -> datetime:
    """The UTC instant at which the scheduling day after the one containing ``at`` begins."""
    return day_start(day_number(at, tz, rollover_hour) + 1, tz, rollover_hour)


def elapsed_days(
    earlier: datetime, later: datetime, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR
) -> int:
    """Days between two instants counted by day boundaries, as Anki counts them (same day = 0)."""
    return max(0, day_number(later, tz, rollover_hour) - day_number(earlier, tz, rollover_hour))


@lru_cache(maxsize=256)  # pure; an answer converts the same few instants several times
def to_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime (naive values are refused)."""
    return round(_aware(value).timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """Aware UTC datetime from epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, UTC)
