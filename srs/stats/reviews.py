"""Provides the statistics read from the review log by day: today, true retention, the review
calendar, reviews per day and answer buttons, each computed as Anki's stats do, from the
log's ``DayTable`` (``srs.stats.daytable``). The hours come with the calibration
(``srs.stats.calibration``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from srs.domain import ReviewKind
from srs.revlog_codes import OTHER, STUDY
from srs.stats.columns import Ints
from srs.stats.days import DayScale
from srs.stats.daytable import DayTable
from srs.stats.log import Log
from srs.stats.scope import Scope
from srs.stats.types import (
    PERIOD_DAYS,
    RETENTION_PERIODS,
    Buttons,
    Calendar,
    Retention,
    ReviewDay,
    Reviews,
    Today,
)
from srs.store import raw_connection

CALENDAR_DAYS = 365
_NOT_STUDY = (int(ReviewKind.MANUAL), int(ReviewKind.RESCHEDULE))


def _rate(passed: int, failed: int) -> float | None:
    return passed / (passed + failed) if passed + failed else None


def retention_of(yp: int, yf: int, mp: int, mf: int) -> Retention:
    """A ``Retention`` record from young/mature passed/failed counts."""
    return Retention(
        young_passed=yp,
        young_failed=yf,
        mature_passed=mp,
        mature_failed=mf,
        young=_rate(yp, yf),
        mature=_rate(mp, mf),
        total=_rate(yp + mp, yf + mf),
        count=yp + yf + mp + mf,
    )


def true_retention(
    table: DayTable, today: int, all_time_from: int | None = None
) -> dict[str, Retention]:
    """Anki's true-retention table: passed / (passed + failed) of rated, non-cramming
    reviews of cards whose previous interval was at least a day, young vs mature.

    As in Anki, every row covers only the reviews the statistics loaded: everything for
    the period "all", else from day ``all_time_from`` on (Anki loads its range's days plus
    today), so in a one-month view "year" and "all time" are that month."""
    spans = {
        "today": (today, today),
        "yesterday": (today - 1, today - 1),
        "week": (today - 6, today),
        "month": (today - 29, today),
        "year": (today - 364, today),
        "all_time": (all_time_from, today),
    }
    rating = table.rating
    counted = (rating > 0) & ~table.cram & table.eligible
    # cells: young passed, young failed, mature passed, mature failed
    cell = 2 * table.mature + (rating == 1)
    by_day = np.stack([table.per_day(counted & (cell == i)) for i in range(4)], axis=1)
    out = {}
    for name in RETENTION_PERIODS:
        lo, hi = spans[name]
        if all_time_from is not None and lo is not None:
            lo = max(lo, all_time_from)
        cells = by_day[table.rows(lo, hi)].sum(axis=0).tolist() if by_day.size else [0] * 4
        out[name] = retention_of(*cells)
    return out


def today_stats(table: DayTable, scale: DayScale, cards: int, retention: Retention) -> Today:
    """Anki's "Today" figures, plus the true retention of today's reviews (``retention``)."""
    rows = table.rows(scale.today, scale.today)
    study = table.study
    counts = table.counts[rows].sum(axis=0) * study  # per column; 0 off study
    time_ms = int(table.times[rows].sum(axis=0)[study].sum())
    kind, rating, mature = table.kind, table.rating, table.mature

    def total(columns: NDArray[Any] | bool) -> int:
        return int((counts * columns).sum())

    answered = total(True)
    return Today(
        date=scale.date_of(scale.today).isoformat(),
        answered=answered,
        cards=cards,
        time_ms=time_ms,
        average_ms=time_ms / answered if answered else None,
        again=total(rating == 1),
        correct=total(rating > 1),
        learn=total(kind == ReviewKind.LEARN),
        review=total(kind == ReviewKind.REVIEW),
        relearn=total(kind == ReviewKind.RELEARN),
        filtered=total(kind >= ReviewKind.FILTERED),  # kinds 6, 7 too (not manual: masked)
        mature=total(mature),
        mature_correct=total(mature & (rating > 1)),
        true_retention=retention,
    )


def cards_studied_today(log: Log, scale: DayScale) -> int:
    """Distinct cards answered (not manually or by rescheduling) from today's start on."""
    since = log.since(scale.start_ms(scale.today))
    code = since.code
    kind = (code >> 6) & 7
    studied = np.where(
        code < OTHER, (kind != ReviewKind.MANUAL) & (kind != ReviewKind.RESCHEDULE), code & STUDY
    )
    return int(np.unique(since.card[studied.astype(bool)]).size)


_PROBES = 32  # days looked up per query


def _studied_before(session: Session, scope: Scope, scale: DayScale, day: int) -> int:
    """Consecutive days studied ending on ``day`` (by the time index; for streaks that
    outrun the loaded window): each day is one indexed lookup of a study review in it,
    ``_PROBES`` days (going back) per query."""
    probe = f"""(SELECT 1 FROM revlog WHERE reviewed_at >= ? AND reviewed_at < ?
                 AND kind NOT IN {_NOT_STUDY} AND {scope.revlog_probe()} LIMIT 1)"""
    sql = f"SELECT {', '.join([probe] * _PROBES)}"
    n = 0
    cur = raw_connection(session).cursor()
    try:
        edges = [scale.start_ms(day + 1)]
        while True:
            edges += [scale.start_ms(day - n - i) for i in range(_PROBES)]
            bounds = [x for i in range(_PROBES) for x in (edges[i + 1], edges[i])]
            found = cur.execute(sql, bounds).fetchone()
            for hit in found:
                if hit is None:
                    return n
                n += 1
            edges = edges[-1:]
    finally:
        cur.close()


def _longest_run(days: Ints) -> int:
    """The longest run of consecutive day numbers in a sorted array of distinct days."""
    if not days.size:
        return 0
    breaks = np.flatnonzero(np.diff(days) != 1)
    edges = np.concatenate(([-1], breaks, [days.size - 1]))
    return int(np.diff(edges).max())


def calendar(
    table: DayTable, scale: DayScale, session: Session, scope: Scope, first_loaded: int | None
) -> Calendar:
    """Reviews per day over the past year, days studied, and study streaks (the longest
    within the loaded days: the past year from ``first_loaded``, or all time when None)."""
    today = scale.today
    rows = table.rows(first_loaded, None)
    per_day = table.per_day(table.study)[rows]
    days = table.days[rows]
    first = today - CALENDAR_DAYS + 1
    shown = (days >= first) & (days <= today)
    by_day = np.zeros(CALENDAR_DAYS, dtype=np.int64)
    by_day[days[shown] - first] = per_day[shown]
    counts = by_day.tolist()
    studied = sum(1 for c in counts if c)
    days = days[(per_day > 0) & (days <= today)]
    longest = _longest_run(days)
    studied_set = set(days.tolist())
    streak = 0
    d = today if today in studied_set else today - 1
    while d in studied_set:
        streak += 1
        d -= 1
    if first_loaded is not None and d < first_loaded:
        streak += _studied_before(session, scope, scale, d)
        longest = max(longest, streak)
    total = sum(counts)
    return Calendar(
        first_day=scale.date_of(first).isoformat(),
        last_day=scale.date_of(today).isoformat(),
        counts=counts,
        days_studied=studied,
        days_in_range=CALENDAR_DAYS,
        total=total,
        average_per_studied_day=total / studied if studied else None,
        streak=streak,
        longest_streak=longest,
    )


def period_start(scale: DayScale, period: str) -> int | None:
    """First day of a period ending today (None: all time)."""
    n = PERIOD_DAYS[period]
    return None if n is None else scale.today - n + 1


def reviews_per_day(table: DayTable, scale: DayScale, period: str) -> Reviews:
    """Reviews per day by kind (young/mature split as in Anki's Reviews graph) with time."""
    rows = table.rows(period_start(scale, period), None)
    study, kind, mature = table.study, table.kind, table.mature
    review = kind == ReviewKind.REVIEW
    parts = {
        "learn": kind == ReviewKind.LEARN,
        "young": review & ~mature,
        "mature": review & mature,
        "relearn": kind == ReviewKind.RELEARN,
        "filtered": study & (kind >= ReviewKind.FILTERED),
    }
    columns = {name: table.counts[rows][:, mask].sum(axis=1) for name, mask in parts.items()}
    time_ms = table.times[rows][:, study].sum(axis=1)
    studied = table.counts[rows][:, study].sum(axis=1)
    rel = (table.days[rows] - scale.today).tolist()
    days = []
    for i in np.flatnonzero(studied).tolist():
        days.append(
            ReviewDay(
                day=rel[i],
                learn=int(columns["learn"][i]),
                young=int(columns["young"][i]),
                mature=int(columns["mature"][i]),
                relearn=int(columns["relearn"][i]),
                filtered=int(columns["filtered"][i]),
                time_ms=int(time_ms[i]),
            )
        )
    total = int(studied.sum())
    time_total = int(time_ms.sum())
    return Reviews(
        period=period,
        days=days,
        total=total,
        time_ms=time_total,
        average_ms=time_total / total if total else None,
    )


def buttons(table: DayTable, scale: DayScale, period: str) -> Buttons:
    """Answer-button counts for learning (incl. relearning, filtered), young and mature cards."""
    out = Buttons(period=period, learning=[0] * 4, young=[0] * 4, mature=[0] * 4)
    counts = table.counts[table.rows(period_start(scale, period), None)].sum(axis=0)
    rating, kind, mature = table.rating.tolist(), table.kind.tolist(), table.mature.tolist()
    for i, n in enumerate(counts.tolist()):
        if kind[i] in _NOT_STUDY or not 1 <= rating[i] <= 4:
            continue
        key = ("mature" if mature[i] else "young") if kind[i] == ReviewKind.REVIEW else "learning"
        out[key][rating[i] - 1] += n  # type: ignore[literal-required]
    return out
