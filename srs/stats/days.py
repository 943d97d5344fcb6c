"""Provides ``DayScale``: local scheduling days (rollover hour, time zone, DST) as Python values
and as SQL expressions over epoch-millisecond columns, so aggregation can run in SQLite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from srs.clock import day_number, day_start, to_ms

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
_STEP_MS = DAY_MS  # offset changes (DST) are found by stepping a day at a time, then bisecting
_EPOCH = date(1970, 1, 1)


def _offset_ms(tz: tzinfo, ms: int) -> int:
    offset = datetime.fromtimestamp(ms / 1000, UTC).astimezone(tz).utcoffset()
    return 0 if offset is None else int(offset.total_seconds() * 1000)


@lru_cache(maxsize=64)
def _segments(tz: tzinfo, lo_ms: int, hi_ms: int) -> list[tuple[int, int]]:
    pieces = [(lo_ms, _offset_ms(tz, lo_ms))]
    if isinstance(tz, timezone) or hi_ms <= lo_ms:
        return pieces
    t = lo_ms
    while t < hi_ms:
        nxt = min(t + _STEP_MS, hi_ms)
        off = _offset_ms(tz, nxt)
        if off != pieces[-1][1]:
            a, b = t, nxt  # offset(a) is the previous one, offset(b) the new one
            while b - a > 1:  # to the millisecond: the result must not depend on lo_ms
                mid = (a + b) // 2
                if _offset_ms(tz, mid) == off:
                    b = mid
                else:
                    a = mid
            pieces.append((b, off))
        t = nxt
    return pieces


@dataclass(frozen=True)
class DayScale:
    """Day numbers (days since 1970-01-01, each starting at ``rollover_hour`` local time).

    Attributes:
        tz: the local time zone.
        rollover_hour: the hour a new day starts (Anki's "next day starts at").
        today: the day number of ``now``.
        now_ms: the present instant in epoch milliseconds.
    """

    tz: tzinfo
    rollover_hour: int
    today: int
    now_ms: int

    @classmethod
    def at(cls, now: datetime, tz: tzinfo, rollover_hour: int) -> DayScale:
        """The scale for a clock reading ``now`` in zone ``tz``."""
        return cls(tz, rollover_hour, day_number(now, tz, rollover_hour), to_ms(now))

    def start_ms(self, day: int) -> int:
        """Epoch ms at which ``day`` begins."""
        return to_ms(day_start(day, self.tz, self.rollover_hour))

    def day_of_ms(self, ms: int) -> int:
        """The day number of the instant ``ms``."""
        return (ms + _offset_ms(self.tz, ms) - self.rollover_hour * HOUR_MS) // DAY_MS

    def date_of(self, day: int) -> date:
        """The calendar date a day number is named after."""
        return _EPOCH + timedelta(days=day)

    def segments(self, lo_ms: int, hi_ms: int) -> list[tuple[int, int]]:
        """``(start_ms, utc_offset_ms)`` pieces covering ``[lo_ms, hi_ms]``, one per offset."""
        return _segments(self.tz, lo_ms, hi_ms)

    def _by_offset(self, column: str, lo_ms: int, hi_ms: int, shift_ms: int, unit_ms: int) -> str:
        pieces = self.segments(lo_ms, hi_ms)
        if len(pieces) == 1:
            return f"(({column} + {pieces[0][1] + shift_ms}) / {unit_ms})"
        cases = " ".join(
            f"WHEN {column} < {start} THEN (({column} + {prev_off + shift_ms}) / {unit_ms})"
            for (start, _), (_, prev_off) in zip(pieces[1:], pieces[:-1], strict=True)
        )
        return f"(CASE {cases} ELSE (({column} + {pieces[-1][1] + shift_ms}) / {unit_ms}) END)"

    def sql_day(self, column: str, lo_ms: int, hi_ms: int) -> str:
        """SQL giving the day number of epoch-ms ``column`` for values in ``[lo_ms, hi_ms]``.

        Values are post-1970 epoch ms, so SQLite's truncating integer division is a floor.
        """
        return self._by_offset(column, lo_ms, hi_ms, -self.rollover_hour * HOUR_MS, DAY_MS)

    def sql_hour(self, column: str, lo_ms: int, hi_ms: int) -> str:
        """SQL giving the local hour of the day (0..23) of epoch-ms ``column``."""
        return f"({self._by_offset(column, lo_ms, hi_ms, 0, HOUR_MS)} % 24)"
