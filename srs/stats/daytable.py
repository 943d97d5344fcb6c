"""Provides ``DayTable``: the review log counted by local day and row code (kind, rating,
cramming, previous-interval class; see ``srs.stats.log``), the one aggregate that today, true
retention, the calendar, reviews per day and the answer buttons read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from srs.domain import ReviewKind
from srs.revlog_codes import CRAM, DAY_PLUS, MATURE, OTHER
from srs.stats.columns import Ints
from srs.stats.log import Log

Mask = NDArray[np.bool_]
_EXACT = 2**53  # integers add up exactly in float64 below this


def sum_by(keys: Ints, values: Ints, size: int) -> Ints:
    """Exact integer sums of ``values`` per key (``0 <= key < size``)."""
    bound = int(np.abs(values).max(initial=0)) * values.size
    if bound < _EXACT:  # bincount adds in float64, exactly while every partial sum fits
        return np.bincount(keys, weights=values, minlength=size).astype(np.int64)
    sums = np.zeros(size, dtype=np.int64)
    np.add.at(sums, keys, values)
    return sums


@dataclass(frozen=True)
class DayTable:
    """Reviews and their time per local day (rows: the days with reviews) and code (columns).

    Attributes:
        days: the day number of each row, ascending.
        codes: the codes present (all below ``OTHER``), one per column.
        counts: reviews per day and code.
        times: the sum of ``duration_ms`` per day and code.
    """

    days: Ints
    codes: Ints
    counts: Ints
    times: Ints

    @property
    def kind(self) -> Ints:
        """Each column's review kind."""
        kinds: Ints = (self.codes >> 6) & 7
        return kinds

    @property
    def rating(self) -> Ints:
        """Each column's rating."""
        ratings: Ints = (self.codes >> 3) & 7
        return ratings

    @property
    def mature(self) -> Mask:
        """Columns whose previous interval was 21 days or more."""
        mature: Mask = (self.codes & 3) == MATURE
        return mature

    @property
    def study(self) -> Mask:
        """Columns of reviews that count as study (not manual or rescheduled)."""
        kind = self.kind
        study: Mask = (kind != ReviewKind.MANUAL) & (kind != ReviewKind.RESCHEDULE)
        return study

    @property
    def cram(self) -> Mask:
        """Columns of cramming (filtered-deck reviews that do not reschedule)."""
        cram: Mask = (self.kind == ReviewKind.FILTERED) & ((self.codes & CRAM) != 0)
        return cram

    @property
    def eligible(self) -> Mask:
        """Columns that true retention can count: reviews, or a previous interval of a day or
        more."""
        eligible: Mask = (self.kind == ReviewKind.REVIEW) | ((self.codes & 3) >= DAY_PLUS)
        return eligible

    def rows(self, lo: int | None = None, hi: int | None = None) -> slice:
        """The rows of days ``lo`` to ``hi`` (inclusive; None: unbounded)."""
        a = 0 if lo is None else int(np.searchsorted(self.days, lo, side="left"))
        b = self.days.size if hi is None else int(np.searchsorted(self.days, hi, side="right"))
        return slice(a, max(a, b))

    def per_day(self, columns: Mask) -> Ints:
        """Reviews per day in the chosen columns."""
        total: Ints = self.counts[:, columns].sum(axis=1)
        return total


_DENSE_CELLS = 1 << 23  # a day-by-code grid this large is counted directly


def day_table(log: Log) -> DayTable:
    """Count the log's rows (those with an ordinary code) by day and code."""
    day, code, duration = log.day, log.code, log.duration_ms
    ordinary = code < OTHER
    if not ordinary.all():
        day, code, duration = day[ordinary], code[ordinary], duration[ordinary]
    if not day.size:
        none = np.zeros(0, dtype=np.int64)
        empty = np.zeros((0, 0), dtype=np.int64)
        return DayTable(none, none, empty, empty)
    present = np.bincount(code, minlength=OTHER) > 0
    codes = np.flatnonzero(present).astype(np.int64)
    column = (np.cumsum(present) - 1)[code]
    first = int(day.min())
    span = int(day.max()) - first + 1
    dense = span * codes.size <= _DENSE_CELLS
    if dense:  # a grid of every day, then the days with reviews
        row = day - first
    else:  # days far apart (a clock gone wrong): number the distinct days
        days, row = np.unique(day, return_inverse=True)
        span = days.size
    keys = row * codes.size + column
    size = span * codes.size
    shape = (span, codes.size)
    counts = np.bincount(keys, minlength=size).astype(np.int64).reshape(shape)
    times = sum_by(keys, duration, size).reshape(shape)
    if dense:
        kept = np.flatnonzero(counts.sum(axis=1))
        days, counts, times = kept + first, counts[kept], times[kept]
    return DayTable(days.astype(np.int64), codes, counts, times)
