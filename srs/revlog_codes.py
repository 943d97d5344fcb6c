"""Provides the packed forms in which the statistics read a review-log row, as SQL: its code
(kind, rating, cramming and previous-interval class) and its stability as an integer.

``srs.models`` stores both in generated columns of ``revlog`` (``stats_code``,
``stats_stability``), which SQLite computes once as a row is written: reading a million
rows then costs a plain column each, where evaluating the expressions on every read cost a
third of the scan. ``srs.stats.log`` decodes them.
"""

from __future__ import annotations

MATURE_DAYS = 21

# The code of a row: kind * 64 + rating * 8 + CRAM + the previous interval's class (0 under
# a day, DAY_PLUS a day or more, MATURE 21 days or more) when kind and rating both lie in
# 0..7; else OTHER + STUDY (not manual or rescheduled) + BY_HOUR (not filtered either) +
# PASSED (rating > 1), what "cards studied today" and the hours need of such a row (the day
# figures and calibration leave it out). (kind | rating) lies in 0..7 when both do.
CRAM = 4
DAY_PLUS = 2
MATURE = 3
OTHER = 512
STUDY = 4
BY_HOUR = 2
PASSED = 1
CODE_BITS = 10
CODE_SQL = f"""CASE WHEN (kind | rating) BETWEEN 0 AND 7
    THEN kind * 64 + rating * 8 + CASE WHEN kind = 3 AND factor = 0 THEN {CRAM} ELSE 0 END
         + CASE WHEN interval_before >= {MATURE_DAYS} THEN {MATURE}
                WHEN interval_before >= 1 OR interval_before <= -86400 THEN {DAY_PLUS}
                ELSE 0 END
    ELSE {OTHER} + (kind NOT IN (4, 5)) * {STUDY} + (kind NOT IN (3, 4, 5)) * {BY_HOUR}
         + (rating > 1) * {PASSED} END"""

# Stability travels as an integer: under 2**17 days (FSRS keeps it under 36,500) the value
# times 2**46, truncated, which keeps every bit from 64 days up and is off by less than
# 2**-46 days below (1.4e-14 of a one-day stability: float rounding, for the figures made
# from it); from 2**17 days on, minus the value times 2**30 (off by 2**-47 of it at most);
# 0 for no memory state (NULL or not positive: no prediction). From 2**33 days on the CAST
# saturates: the statistics read those rows (if any) again as floats.
SMALL_SCALE = 2.0**46
LARGE_SCALE = 2.0**30
LARGE = 2.0**17
STABILITY_SQL = f"""CASE
    WHEN stability >= {LARGE!r} THEN -CAST(stability * {LARGE_SCALE!r} AS INTEGER)
    WHEN stability > 0 THEN CAST(stability * {SMALL_SCALE!r} AS INTEGER) ELSE 0 END"""
