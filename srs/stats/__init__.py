"""Provides retention statistics over cards and the review log, defined as Anki's stats screen
defines them: ``compute_stats(session, now=..., tz=..., deck=..., period=...) -> Stats``.

Modules: ``compute`` (the entry point), ``log`` (the review log read as numpy columns),
``daytable`` (the log counted by day and kind), ``reviews`` (today, true retention,
calendar, reviews per day, buttons), ``calibration`` (with the hours), ``cards`` (counts,
forecast, intervals, added, from the cards read as numpy columns), ``memory`` (stability,
difficulty, retrievability, knowledge), ``columns`` (whole SQL columns as numpy arrays),
``scope`` (deck tree, rollover hour, decay), ``days`` (local days and hours), ``types`` (the
JSON shapes).

Where srs knowingly differs from Anki 26.9:
- Days are true local days (DST-aware, via ``srs.clock``); Anki steps back in fixed
  86,400 s from the next rollover, so across a DST change its day edges move by an hour.
  Hours of the day likewise use each review's own UTC offset, Anki today's offset.
- Anki's Reviews graph puts an answer given in the very first second of a day on the day
  before (it truncates ``t - next_day_start``); srs puts it on its own day.
- Anki loads only the chosen range of the log (one year by default), so its "all time"
  retention row covers that range; srs's covers all time.
- An intraday-learning card due after the next rollover but within 24 h counts as due
  today in Anki's forecast, on its local day in srs's.
- The longest streak is measured within the days loaded (the past year, or all time for
  the period "all"); the current streak is followed back as far as it goes.
"""

from __future__ import annotations

from srs.stats.compute import compute_stats
from srs.stats.types import Period, Stats

__all__ = ["Period", "Stats", "compute_stats"]
