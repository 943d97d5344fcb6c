"""Provides the statistics read from the cards: counts by state, the due forecast, interval,
stability, difficulty and retrievability distributions, estimated knowledge, cards added."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import chain
from operator import itemgetter

from sqlalchemy import text
from sqlalchemy.orm import Session

from srs.stats.days import DAY_MS, DayScale
from srs.stats.reviews import MATURE_DAYS, period_start
from srs.stats.scope import Scope
from srs.stats.sqlfuncs import ensure_pow, raw_rows, sum_by_key
from srs.stats.types import (
    PERIOD_DAYS,
    Added,
    Counts,
    Forecast,
    Histogram,
    Knowledge,
    Retrievability,
)


def counts_and_intervals(session: Session, scope: Scope, now_ms: int) -> tuple[Counts, Histogram]:
    """Cards by state as Anki's Card Counts (inactive separated), and the current intervals
    (days) of review and relearning cards, from one pass over the cards.

    Suspended and buried cards are counted only as such; review cards with an interval of
    21 days or more are mature. One packed integer key per card: the interval (review and
    relearning cards only, else 0), whether the card is in the interval histogram, its
    state, suspended, buried and mature.
    """
    sql = f"""SELECT CASE WHEN state IN (2, 3) THEN interval_days * 64 + 32 ELSE 0 END
                     + (state & 3) * 8 + (suspended != 0) * 4
                     + (buried != 0 AND (buried_until IS NULL OR buried_until > :now)) * 2
                     + (interval_days >= {MATURE_DAYS})
              FROM cards WHERE {scope.card_filter()}"""
    c: Counter[str] = Counter()
    ivl: Counter[int] = Counter()
    for k, n in sum_by_key(session, sql, 0, {"now": now_ms}):
        state, suspended, buried, mature = (k >> 3) & 3, k & 4, k & 2, k & 1
        if k & 32:
            ivl[k >> 6] += n
        if suspended:
            c["suspended"] += n
        elif buried:
            c["buried"] += n
        else:
            c[("new", "learning", "young", "relearning")[state]] += n
            if state == 2 and mature:
                c["young"] -= n
                c["mature"] += n
    counts = Counts(
        new=c["new"],
        learning=c["learning"],
        relearning=c["relearning"],
        young=c["young"],
        mature=c["mature"],
        suspended=c["suspended"],
        buried=c["buried"],
        total=sum(c.values()),
    )
    return counts, histogram(ivl)


def forecast(session: Session, scope: Scope, scale: DayScale, period: str) -> Forecast:
    """Cards due per day from today (overdue folded into today), as Anki's Future Due: new
    and suspended cards are left out, buried cards too when due today or earlier."""
    bounds = session.execute(
        text(f"SELECT min(due), max(due) FROM cards WHERE state != 0 AND {scope.card_filter()}")
    ).one()
    by_day: dict[int, int] = defaultdict(int)
    load = 0.0
    overdue = 0
    if bounds[0] is not None:
        day = scale.sql_day("due", int(bounds[0]), int(bounds[1]))
        sql = f"""SELECT ({day} - {scale.today}) * 2
                         + (buried != 0 AND (buried_until IS NULL OR buried_until > :now)),
                         1.0 / max(interval_days, 1)
                  FROM cards WHERE state != 0 AND NOT suspended AND due IS NOT NULL
                       AND {scope.card_filter()}"""
        for k, n, inv in sum_by_key(session, sql, 1, {"now": scale.now_ms}):
            rel, buried = k >> 1, k & 1
            load += inv
            if buried and rel <= 0:
                continue
            if rel < 0:
                overdue += n
            else:
                by_day[int(rel)] += n
    n_days = PERIOD_DAYS[period] or max([k + 1 for k in by_day] + [PERIOD_DAYS["1y"] or 365])
    days = [by_day.get(i, 0) for i in range(n_days)]
    days[0] += overdue
    total = sum(days)
    return Forecast(
        horizon_days=n_days,
        days=days,
        overdue=overdue,
        total=total,
        due_tomorrow=days[1] if n_days > 1 else 0,
        average_per_day=total / n_days,
        daily_load=int(load),
    )


def histogram(values: Counter[int]) -> Histogram:
    """A ``Histogram`` from value counts; mean and median over the underlying values."""
    keys = sorted(values)
    count = sum(values.values())
    if not count:
        return Histogram(bins=[], count=0, mean=None, median=None)
    mean = sum(k * values[k] for k in keys) / count
    return Histogram(
        bins=[[k, values[k]] for k in keys],
        count=count,
        mean=mean,
        median=_median_of_counts(keys, values, count),
    )


def _median_of_counts(keys: list[int], values: Counter[int], count: int) -> float:
    def nth(i: int) -> int:
        seen = 0
        for k in keys:
            seen += values[k]
            if i < seen:
                return k
        return keys[-1]

    mid = count // 2
    return float(nth(mid)) if count % 2 else (nth(mid - 1) + nth(mid)) / 2


def _percent_bins(values: Iterable[float]) -> Counter[int]:
    """Anki's 1% bins of percentages: 100 goes into the 99 bin, below 0 into 0 (``int``
    truncates, which is a floor from 0 up; counted at C speed, then the ends folded)."""
    bins = Counter(map(int, values))
    for k in [k for k in bins if k > 99 or k < 0]:
        bins[99 if k > 99 else 0] += bins.pop(k)
    return bins


def memory(
    session: Session, scope: Scope, scale: DayScale, single: float | None
) -> tuple[Histogram, Histogram, Retrievability, Knowledge]:
    """Stability (rounded days), difficulty (percent of 1..10) and current retrievability
    (percent) of cards with an FSRS memory state, and the sums of retrievability.

    Retrievability uses the time since the last review in fractional days, and the card's
    own decay, else its preset's (w20), as Anki's statistics do. SQL computes the values per
    card, Python bins them (hashing beats SQLite's sort-based GROUP BY here). ``single`` is
    ``single_decay``'s answer: a constant decay spares SQL two lookups per card.
    """
    ensure_pow(session)
    has = "stability > 0 AND difficulty IS NOT NULL"
    if single is not None:
        decay, factor = repr(single), repr(math.pow(0.9, -1.0 / single) - 1.0)
    else:
        decay = f"coalesce(decay, {scope.decay_sql('coalesce(original_deck_id, deck_id)')})"
        factor = f"(pow(0.9, -1.0 / {decay}) - 1.0)"
    elapsed = f"max(coalesce(:now - last_review, 0), 0) / {float(DAY_MS)}"
    r = f"pow(1.0 + {factor} * {elapsed} / stability, -{decay})"
    # sum by note: each note's mean over all its cards (cards without memory count as 0);
    # only notes with several cards in scope need grouping, and their cards' note ids
    multi = dict(
        raw_rows(
            session,
            f"""SELECT note_id, count(*) FROM cards WHERE {scope.card_filter()}
                GROUP BY note_id HAVING count(*) > 1""",
        )
    )
    note = ", note_id" if multi else ""
    rows = raw_rows(
        session,
        f"""
        SELECT CAST(stability + 0.5 AS INTEGER), (difficulty - 1.0) / 9.0 * 100.0, {r} {note}
        FROM cards WHERE {has} AND {scope.card_filter()}""",
        {"now": scale.now_ms},
    )
    # each figure is counted from one column at a time, at C speed
    stab = Counter(map(itemgetter(0), rows))
    diffs = sorted(map(itemgetter(1), rows))
    diff_bins = _percent_bins(diffs)
    r_bins = _percent_bins(map((100.0).__mul__, map(itemgetter(2), rows)))
    r_sum = math.fsum(map(itemgetter(2), rows))
    if multi:  # fsum is exact, so the order of the terms does not matter
        per_note: dict[int, float] = defaultdict(float)
        singles = []
        for _, _, ret, nid in rows:
            if nid in multi:
                per_note[nid] += ret
            else:
                singles.append(ret)
        by_note = math.fsum(chain(singles, (total / multi[nid] for nid, total in per_note.items())))
    else:
        by_note = r_sum
    difficulty = histogram(diff_bins)
    difficulty["mean"] = math.fsum(diffs) / len(diffs) if diffs else None
    difficulty["median"] = _median_sorted(diffs)
    r_count = len(rows)
    retr = Retrievability(
        bins=[[k, r_bins[k]] for k in sorted(r_bins)],
        count=r_count,
        average=r_sum * 100.0 / r_count if r_count else None,
        sum_by_card=r_sum,
        sum_by_note=by_note,
    )
    return histogram(stab), difficulty, retr, Knowledge(cards=r_sum, notes=by_note)


def _median_sorted(values: list[float]) -> float | None:
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def added(session: Session, scope: Scope, scale: DayScale, period: str) -> Added:
    """Cards added per day (relative to today) over the period."""
    start = period_start(scale, period)
    lo = 0 if start is None else scale.start_ms(start)
    bounds = session.execute(
        text(f"SELECT min(created_at), max(created_at) FROM cards WHERE {scope.card_filter()}")
    ).one()
    if bounds[0] is None:
        return Added(period=period, days=[], total=0)
    day = scale.sql_day("created_at", max(int(bounds[0]), lo), int(bounds[1]))
    sql = f"""SELECT {day} - {scale.today} FROM cards
              WHERE created_at >= :lo AND {scope.card_filter()}"""
    days = [[int(k), int(n)] for k, n in sum_by_key(session, sql, 0, {"lo": lo})]
    return Added(period=period, days=days, total=sum(n for _, n in days))
