"""Provides the statistics read from the review log: today, true retention, the review
calendar, reviews per day and answer buttons, each computed as Anki's stats do.

One grouping pass (``sum_by_key``) over the log of the past year (or all time), on a packed
key of local day, kind, rating and interval class, feeds today, retention, calendar, reviews
and buttons. The hours come with the calibration (``srs.stats.calibration``), from that
module's single pass over the period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from srs.domain import ReviewKind
from srs.stats.days import DayScale
from srs.stats.scope import Scope
from srs.stats.sqlfuncs import sum_by_key
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

MATURE_DAYS = 21
CALENDAR_DAYS = 365
_NOT_STUDY = (int(ReviewKind.MANUAL), int(ReviewKind.RESCHEDULE))


@dataclass(frozen=True)
class Group:
    """One row of the review-log aggregate."""

    day: int
    kind: int
    rating: int
    mature: bool
    eligible: bool
    cram: bool
    count: int
    time_ms: int


def log_bounds(session: Session) -> tuple[int, int] | None:
    """Earliest and latest ``reviewed_at`` (epoch ms) in the log, or None when empty."""
    # two subqueries: SQLite answers each from the time index, but min and max together scan
    row = session.execute(
        text("SELECT (SELECT min(reviewed_at) FROM revlog), (SELECT max(reviewed_at) FROM revlog)")
    ).one()
    return None if row[0] is None else (int(row[0]), int(row[1]))


def load_groups(
    session: Session, scope: Scope, scale: DayScale, lo_ms: int, bounds: tuple[int, int]
) -> list[Group]:
    """The review log from ``lo_ms`` on, grouped by everything the day-based figures need.

    The group key is packed into one integer: day, kind, rating, factor = 0 (cramming when
    the kind is filtered) and the previous interval's class (0 under a day, 2 a day or
    more, 3 mature; a mature interval is also a day or more). One integer key groups
    fastest (``sum_by_key``), and the fewer operations per row the better: the key is
    most of the cost. ``+reviewed_at`` keeps SQLite on a table scan, which beats the time
    index when the window holds more than a small share of the log.
    """
    day = scale.sql_day("reviewed_at", max(bounds[0], lo_ms), bounds[1])
    sql = f"""
        SELECT {day} * 512 + kind * 64 + rating * 8 + (factor = 0) * 4
               + CASE WHEN interval_before >= {MATURE_DAYS} THEN 3
                      WHEN interval_before >= 1 OR interval_before <= -86400 THEN 2
                      ELSE 0 END,
               duration_ms
        FROM revlog WHERE +reviewed_at >= :lo AND kind BETWEEN 0 AND 7
             AND rating BETWEEN 0 AND 7 AND {scope.revlog_filter()}"""
    groups = []
    for k, n, ms in sum_by_key(session, sql, 1, {"lo": lo_ms}):
        kind, cls = (k >> 6) & 7, k & 3
        groups.append(
            Group(
                day=k >> 9,
                kind=kind,
                rating=(k >> 3) & 7,
                mature=cls == 3,
                eligible=kind == ReviewKind.REVIEW or cls >= 2,
                cram=kind == ReviewKind.FILTERED and bool(k & 4),
                count=int(n),
                time_ms=int(ms),
            )
        )
    return groups


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
    groups: list[Group],
    today: int,
    all_time_from: int | None = None,
) -> dict[str, Retention]:
    """Anki's true-retention table: passed / (passed + failed) of rated, non-cramming
    reviews of cards whose previous interval was at least a day, young vs mature.

    As in Anki, every row covers only the reviews the statistics loaded: everything for
    the period "all", else from day ``all_time_from`` on (Anki loads its range's days plus
    today), so in a one-month view "year" and "all time" are that month."""
    first = all_time_from if all_time_from is not None else -(2**62)
    spans = {
        "today": (today, today),
        "yesterday": (today - 1, today - 1),
        "week": (today - 6, today),
        "month": (today - 29, today),
        "year": (today - 364, today),
        "all_time": (first, today),
    }
    spans = {name: (max(lo, first), hi) for name, (lo, hi) in spans.items()}
    by_day: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for g in groups:
        if g.rating <= 0 or g.cram or not g.eligible:
            continue
        by_day[g.day][(2 if g.mature else 0) + (1 if g.rating == 1 else 0)] += g.count
    cells: dict[str, list[int]] = {name: [0, 0, 0, 0] for name in RETENTION_PERIODS}
    for day, day_cells in by_day.items():
        for name, (lo, hi) in spans.items():
            if lo <= day <= hi:
                acc = cells[name]
                for i in range(4):
                    acc[i] += day_cells[i]
    return {name: retention_of(*cells[name]) for name in RETENTION_PERIODS}


def today_stats(groups: list[Group], scale: DayScale, cards: int) -> Today:
    """Anki's "Today" figures, plus the true retention of today's reviews."""
    t: defaultdict[str, int] = defaultdict(int)
    todays = [g for g in groups if g.day == scale.today]
    for g in todays:
        if g.kind in _NOT_STUDY:
            continue
        t["answered"] += g.count
        t["time_ms"] += g.time_ms
        t["correct" if g.rating > 1 else "again" if g.rating == 1 else "unrated"] += g.count
        if g.mature:
            t["mature"] += g.count
            if g.rating > 1:
                t["mature_correct"] += g.count
        t[("learn", "review", "relearn", "filtered")[g.kind]] += g.count
    return Today(
        date=scale.date_of(scale.today).isoformat(),
        answered=t["answered"],
        cards=cards,
        time_ms=t["time_ms"],
        average_ms=t["time_ms"] / t["answered"] if t["answered"] else None,
        again=t["again"],
        correct=t["correct"],
        learn=t["learn"],
        review=t["review"],
        relearn=t["relearn"],
        filtered=t["filtered"],
        mature=t["mature"],
        mature_correct=t["mature_correct"],
        true_retention=true_retention(todays, scale.today)["today"],
    )


def cards_studied_today(session: Session, scope: Scope, scale: DayScale) -> int:
    """Distinct cards answered today."""
    sql = f"""SELECT count(DISTINCT card_id) FROM revlog
              WHERE reviewed_at >= :lo AND kind NOT IN {_NOT_STUDY} AND {scope.revlog_probe()}"""
    return int(session.execute(text(sql), {"lo": scale.start_ms(scale.today)}).scalar_one())


def _studied_before(session: Session, scope: Scope, scale: DayScale, day: int) -> int:
    """Consecutive days studied ending on ``day`` (by the time index; for streaks that
    outrun the loaded window)."""
    n = 0
    sql = f"""SELECT 1 FROM revlog WHERE reviewed_at >= ? AND reviewed_at < ?
              AND kind NOT IN {_NOT_STUDY} AND {scope.revlog_probe()} LIMIT 1"""
    cur = raw_connection(session).cursor()  # up to one query per day: a plain cursor is cheap
    while cur.execute(sql, (scale.start_ms(day - n), scale.start_ms(day - n + 1))).fetchone():
        n += 1
    cur.close()
    return n


def calendar(
    groups: list[Group], scale: DayScale, session: Session, scope: Scope, first_loaded: int | None
) -> Calendar:
    """Reviews per day over the past year, days studied, and study streaks (the longest
    within the loaded days: the past year, or all time for the period "all")."""
    per_day: dict[int, int] = defaultdict(int)
    for g in groups:
        if g.kind not in _NOT_STUDY:
            per_day[g.day] += g.count
    first = scale.today - CALENDAR_DAYS + 1
    counts = [per_day.get(d, 0) for d in range(first, scale.today + 1)]
    studied = sum(1 for c in counts if c)
    days = sorted(d for d, c in per_day.items() if c and d <= scale.today)
    longest = run = 0
    prev: int | None = None
    for d in days:
        run = run + 1 if prev is not None and d == prev + 1 else 1
        longest = max(longest, run)
        prev = d
    studied_set = set(days)
    streak = 0
    d = scale.today if scale.today in studied_set else scale.today - 1
    while d in studied_set:
        streak += 1
        d -= 1
    if first_loaded is not None and d < first_loaded:
        streak += _studied_before(session, scope, scale, d)
        longest = max(longest, streak)
    total = sum(counts)
    return Calendar(
        first_day=scale.date_of(first).isoformat(),
        last_day=scale.date_of(scale.today).isoformat(),
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


def reviews_per_day(groups: list[Group], scale: DayScale, period: str) -> Reviews:
    """Reviews per day by kind (young/mature split as in Anki's Reviews graph) with time."""
    start = period_start(scale, period)
    days: dict[int, ReviewDay] = {}
    for g in groups:
        if g.kind in _NOT_STUDY or (start is not None and g.day < start):
            continue
        rel = g.day - scale.today
        row = days.setdefault(
            rel, ReviewDay(day=rel, learn=0, young=0, mature=0, relearn=0, filtered=0, time_ms=0)
        )
        if g.kind == ReviewKind.REVIEW:
            row["mature" if g.mature else "young"] += g.count
        elif g.kind == ReviewKind.LEARN:
            row["learn"] += g.count
        elif g.kind == ReviewKind.RELEARN:
            row["relearn"] += g.count
        else:
            row["filtered"] += g.count
        row["time_ms"] += g.time_ms
    ordered = [days[k] for k in sorted(days)]
    total = sum(
        r["learn"] + r["young"] + r["mature"] + r["relearn"] + r["filtered"] for r in ordered
    )
    time_ms = sum(r["time_ms"] for r in ordered)
    return Reviews(
        period=period,
        days=ordered,
        total=total,
        time_ms=time_ms,
        average_ms=time_ms / total if total else None,
    )


def buttons(groups: list[Group], scale: DayScale, period: str) -> Buttons:
    """Answer-button counts for learning (incl. relearning, filtered), young and mature cards."""
    start = period_start(scale, period)
    out = Buttons(period=period, learning=[0] * 4, young=[0] * 4, mature=[0] * 4)
    for g in groups:
        if g.kind in _NOT_STUDY or not 1 <= g.rating <= 4:
            continue
        if start is not None and g.day < start:
            continue
        key = ("mature" if g.mature else "young") if g.kind == ReviewKind.REVIEW else "learning"
        out[key][g.rating - 1] += g.count  # type: ignore[literal-required]
    return out
