"""Provides ``DayScale``: local scheduling days (rollover hour, time zone, DST) as Python values,
as numpy arrays of day numbers and hours, and as SQL expressions over epoch-ms columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

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

    def _offsets(self, ms: NDArray[np.int64]) -> NDArray[np.int64] | int:
        """The UTC offset (ms) in force at each instant: one number when it never changes."""
        if ms.size == 0:
            return 0
        pieces = self.segments(int(ms.min()), int(ms.max()))
        if len(pieces) == 1:
            return pieces[0][1]
        starts = np.array([start for start, _ in pieces[1:]], dtype=np.int64)
        offsets = np.array([off for _, off in pieces], dtype=np.int64)
        # each piece's offset holds from its start on: count the starts at or before ms
        found: NDArray[np.int64] = offsets[np.searchsorted(starts, ms, side="right")]
        return found

    def days_of(self, ms: NDArray[np.int64]) -> NDArray[np.int64]:
        """The day number of each instant (epoch ms), as ``day_of_ms`` counts it."""
        days: NDArray[np.int64] = (ms + self._offsets(ms) - self.rollover_hour * HOUR_MS) // DAY_MS
        return days

    def hours_of(self, ms: NDArray[np.int64]) -> NDArray[np.int64]:
        """The local hour of the day (0..23) of each instant (epoch ms)."""
        hours: NDArray[np.int64] = (ms + self._offsets(ms)) // HOUR_MS % 24
        return hours
