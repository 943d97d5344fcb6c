"""Provides the calibration table (for reviews made a day or more after the previous one, the
recall probability FSRS predicted at that moment against the share actually passed) and the
reviews by hour of the day, both from one pass over the period's log.

The prediction uses the memory state the log recorded after the card's previous review
(``revlog.stability``) and the days elapsed by local day boundaries, as the scheduler counts
them. Reviews whose previous row has no memory state (imported Anki history, resets) are
left out, and so is each card's first review in the period when its previous review falls
before the period. Computed in SQL (an index seek per review for the previous one, ``pow``)
so a million rows never reach Python.
"""

from __future__ import annotations

import math

from sqlalchemy import text
from sqlalchemy.orm import Session

from srs.stats.days import DayScale
from srs.stats.reviews import period_start
from srs.stats.scope import Scope
from srs.stats.sqlfuncs import ensure_pow, sum_by_key
from srs.stats.types import Calibration, CalibrationBin, Hour, Hours

BINS = 10


def calibration_and_hours(
    session: Session,
    scope: Scope,
    scale: DayScale,
    bounds: tuple[int, int],
    period: str,
    single: float | None,
) -> tuple[Calibration, Hours]:
    """Predicted vs measured recall in ten bins of predicted probability, and the reviews
    (not filtered, manual or rescheduled) and passes by local hour of the day.

    One pass over the period's log, grouped (``sum_by_key``) on a packed key (hour and pass,
    or 48 when the row is not counted by hour; the calibration bin, or 10 when the row is
    not calibrated), serves both tables. ``single`` is ``single_decay``'s answer.
    """
    ensure_pow(session)
    start = period_start(scale, period)
    lo = 0 if start is None else scale.start_ms(start)
    span = (max(bounds[0], lo), bounds[1])  # rows (and their previous rows) from lo on
    day_now = scale.sql_day("revlog.reviewed_at", *span)
    day_prev = scale.sql_day("prev.reviewed_at", *span)
    hour = scale.sql_hour("reviewed_at", *span)
    if single is not None:  # one decay for every card: no lookup of the card per review
        decay, join = repr(single), ""
        factor = repr(math.pow(0.9, -1.0 / single) - 1.0)
    else:
        deck = "coalesce(c.original_deck_id, c.deck_id)"
        decay = f"coalesce(c.decay, {scope.decay_sql(deck)})"
        join = "CROSS JOIN cards c ON c.id = revlog.card_id"
        factor = f"(pow(0.9, -1.0 / {decay}) - 1.0)"
    # Each row that calibration counts finds its card's previous row in the period by one
    # seek in the unique index (card_id, reviewed_at) and computes the prediction from it in
    # that subquery: cheaper than a LAG window, which copies every row through a buffer.
    # h is the hour and pass (48: not counted by hour). "LIMIT -1" keeps p a subquery of its
    # own, so pred (the seek) is computed once per row; pred's constant part is computed
    # here when the decay is known.
    counted = "rating BETWEEN 1 AND 4 AND kind IN (0, 1, 2, 3) AND NOT (kind = 3 AND factor = 0)"
    # A log without memory states in the period (history imported from Anki) predicts
    # nothing: one probe spares a seek per review.
    probe = f"""SELECT EXISTS (SELECT 1 FROM revlog WHERE +reviewed_at >= :lo
                AND stability > 0 AND {scope.revlog_probe()})"""
    if not session.execute(text(probe), {"lo": lo}).scalar_one():
        counted = "0"
    sql = f"""
        WITH p AS (
            SELECT CASE WHEN kind NOT IN (3, 4, 5) THEN {hour} * 2 + (rating > 1) ELSE 48 END AS h,
                   CASE WHEN {counted} THEN (
                       SELECT CASE WHEN e.s > 0 AND e.days > 0
                                   THEN pow(1.0 + {factor} * e.days / e.s, -{decay}) END
                       FROM (SELECT prev.stability AS s, {day_now} - {day_prev} AS days
                             FROM revlog prev
                             WHERE prev.card_id = revlog.card_id
                                   AND prev.reviewed_at < revlog.reviewed_at
                                   AND prev.reviewed_at >= :lo
                             ORDER BY prev.reviewed_at DESC LIMIT 1) AS e) END AS pred,
                   rating > 1 AS passed
            FROM revlog {join}
            WHERE +reviewed_at >= :lo AND {scope.revlog_filter()} LIMIT -1
        )
        SELECT h * {BINS + 1} + coalesce(min(CAST(pred * {BINS} AS INTEGER), {BINS - 1}), {BINS}),
               pred, pred IS NOT NULL AND passed
        FROM p WHERE h < 48 OR pred IS NOT NULL"""
    found: dict[int, tuple[int, float, float]] = {}
    by_hour: dict[int, tuple[int, int]] = {}
    for k, n, sp, sr in sum_by_key(session, sql, 2, {"lo": lo}):
        h, b = divmod(int(k), BINS + 1)
        if b < BINS:
            cn, cp, cr = found.get(b, (0, 0.0, 0.0))
            found[b] = (cn + int(n), cp + float(sp), cr + float(sr))
        if h < 48:
            total, correct = by_hour.get(h >> 1, (0, 0))
            by_hour[h >> 1] = (total + int(n), correct + (int(n) if h & 1 else 0))
    return _calibration(found), _hours(by_hour, period)


def _hours(found: dict[int, tuple[int, int]], period: str) -> Hours:
    rows: list[Hour] = []
    for h in range(24):
        total, correct = found.get(h, (0, 0))
        rows.append(
            Hour(hour=h, total=total, correct=correct, retention=correct / total if total else None)
        )
    return Hours(period=period, hours=rows)


def _calibration(found: dict[int, tuple[int, float, float]]) -> Calibration:
    bins: list[CalibrationBin] = []
    for b in range(BINS):
        n, sp, sr = found.get(b, (0, 0.0, 0.0))
        bins.append(
            CalibrationBin(
                low=b / BINS,
                high=(b + 1) / BINS,
                count=n,
                predicted=sp / n if n else 0.0,
                measured=sr / n if n else 0.0,
            )
        )
    count = sum(v[0] for v in found.values())
    return Calibration(
        bins=bins,
        count=count,
        predicted=sum(v[1] for v in found.values()) / count if count else None,
        measured=sum(v[2] for v in found.values()) / count if count else None,
    )
