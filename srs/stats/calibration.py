"""Provides the calibration table: for reviews made a day or more after the previous one, the
recall probability FSRS predicted at that moment against the share actually passed.

The prediction uses the memory state the log recorded after the card's previous review
(``revlog.stability``) and the days elapsed by local day boundaries, as the scheduler counts
them. Reviews whose previous row has no memory state (imported Anki history, resets) are
left out, and so is each card's first review in the period when its previous review falls
before the period (pairing it would mean sorting the whole log by card). Computed in SQL
(window ``LAG`` and ``pow``) so a million rows never reach Python.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from srs.stats.days import DayScale
from srs.stats.reviews import period_start
from srs.stats.scope import DEFAULT_DECAY, Scope
from srs.stats.sqlfuncs import ensure_pow
from srs.stats.types import Calibration, CalibrationBin

BINS = 10


def _single_decay(session: Session, scope: Scope) -> float | None:
    """The decay every card in scope uses, when they all use the same one."""
    lo, hi, with_own, n = session.execute(
        text(
            f"SELECT min(decay), max(decay), count(decay), count(*) FROM cards"
            f" WHERE {scope.card_filter()}"
        )
    ).one()
    if with_own == n and n and lo == hi:
        return float(lo)
    if with_own:
        return None
    presets = set(scope.decay_by_deck.values())  # all decks: a card's home may lie outside
    return presets.pop() if len(presets) == 1 else (DEFAULT_DECAY if not presets else None)


def calibration(
    session: Session, scope: Scope, scale: DayScale, bounds: tuple[int, int], period: str
) -> Calibration:
    """Predicted vs measured recall in ten bins of predicted probability."""
    ensure_pow(session)
    start = period_start(scale, period)
    lo = 0 if start is None else scale.start_ms(start)
    day_now = scale.sql_day("r.reviewed_at", *bounds)
    day_prev = scale.sql_day("r.prev_at", *bounds)
    single = _single_decay(session, scope)
    if single is not None:  # one decay for every card: no lookup of the card per review
        decay, join = repr(single), ""
    else:
        deck = "coalesce(c.original_deck_id, c.deck_id)"
        decay = f"coalesce(c.decay, {scope.decay_sql(deck)})"
        join = "JOIN cards c ON c.id = r.card_id"
    sql = f"""
        WITH r AS (
            SELECT card_id, reviewed_at, rating, kind, factor,
                   lag(stability) OVER w AS prev_s, lag(reviewed_at) OVER w AS prev_at
            FROM revlog WHERE +reviewed_at >= :lo AND {scope.revlog_filter()}
            WINDOW w AS (PARTITION BY card_id ORDER BY reviewed_at)
        ), p AS (
            SELECT r.rating > 1 AS passed,
                   pow(1.0 + (pow(0.9, -1.0 / {decay}) - 1.0)
                             * ({day_now} - {day_prev}) / r.prev_s, -{decay}) AS pred
            FROM r {join}
            WHERE r.rating BETWEEN 1 AND 4
              AND r.kind IN (0, 1, 2, 3) AND NOT (r.kind = 3 AND r.factor = 0)
              AND r.prev_s > 0 AND {day_now} > {day_prev}
        )
        SELECT min(CAST(pred * {BINS} AS INTEGER), {BINS - 1}), count(*), total(pred),
               total(passed)
        FROM p GROUP BY 1"""
    found = {
        int(b): (int(n), float(sp), float(sr))
        for b, n, sp, sr in session.execute(text(sql), {"lo": lo})
    }
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
