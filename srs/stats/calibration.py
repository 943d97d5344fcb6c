"""Provides the calibration table (for reviews made a day or more after the previous one, the
recall probability FSRS predicted at that moment against the share actually passed) and the
reviews by hour of the day, both from the period's log (``srs.stats.log``).

The prediction uses the memory state the log recorded after the card's previous review
(``revlog.stability``) and the days elapsed by local day boundaries, as the scheduler counts
them. Reviews whose previous row has no memory state (imported Anki history, resets) are
left out, and so is each card's first review in the period when its previous review falls
before the period. Each review finds its previous one once the rows are sorted by card and
time: a log imported from Anki usually comes that way already, one written as reviews
happen comes by time and takes one sort of (card, row number) keys.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from srs.stats.columns import Floats, Ints, find_sorted
from srs.stats.days import DayScale
from srs.stats.log import CALIBRATED, CODE_FLAGS, HOURLY, PASSES, Log
from srs.stats.types import Calibration, CalibrationBin, Hour, Hours

BINS = 10

Decays = tuple[Ints, Floats, Floats] | float
"""One decay for every card, or card ids (sorted) with each card's decay and the factor
``0.9 ** (-1 / decay) - 1`` that goes with it."""


def _by_card_then_time(card: Ints, at: Ints) -> tuple[Ints, Ints] | None:
    """An order that sorts rows by card, then time, with the cards in that order; None when
    the rows already are."""
    if card.size < 2:
        return None
    later = card[1:] > card[:-1]
    if (later | ((card[1:] == card[:-1]) & (at[1:] > at[:-1]))).all():
        return None
    lo, hi = int(card.min()), int(card.max())
    bits = int(card.size - 1).bit_length()
    if (at[1:] >= at[:-1]).all() and (hi - lo) < 2 ** (62 - bits):
        # sorted by time: sorting (card, row number) keys sorts by card, then time; a plain
        # sort of one int64 array beats an argsort or a stable sort by card
        keys = np.sort(((card - lo) << bits) | np.arange(card.size, dtype=np.int64))
        order: Ints = keys & ((1 << bits) - 1)
        sorted_cards: Ints = (keys >> bits) + lo
        return order, sorted_cards
    order = np.lexsort((at, card))
    return order, card[order]


def _hours(log: Log, flags: NDArray[np.uint8], scale: DayScale) -> NDArray[np.int64]:
    """Reviews and passes per local hour: slot 2h counts the reviews at hour h that did not
    pass, 2h + 1 those that did."""
    hourly = (flags & HOURLY) != 0
    slots = scale.hours_of(log.at[hourly]) * 2 + (flags[hourly] & PASSES) // PASSES
    found: NDArray[np.int64] = np.bincount(slots, minlength=48)
    return found


def _predictions(
    log: Log, flags: NDArray[np.uint8], decays: Decays
) -> tuple[Floats, NDArray[np.bool_]]:
    """Each counted review's predicted recall, and whether it passed."""
    card, day, stability = log.card, log.day, log.stability
    sort = _by_card_then_time(card, log.at)
    if sort is not None:
        order, card = sort
        day, stability, flags = day[order], stability[order], flags[order]
    # row i + 1 follows row i of the same card
    days = day[1:] - day[:-1]
    prev_s = stability[:-1]
    has = (card[1:] == card[:-1]) & ((flags[1:] & CALIBRATED) != 0) & (prev_s > 0) & (days > 0)
    nxt = np.flatnonzero(has) + 1
    elapsed = days[nxt - 1].astype(np.float64)
    s = prev_s[nxt - 1]
    passed = (flags[nxt] & PASSES) != 0
    if isinstance(decays, float):
        decay: Floats | float = decays
        factor: Floats | float = math.pow(0.9, -1.0 / decays) - 1.0
    else:
        ids, per_card, factors = decays
        at, known = find_sorted(ids, card[nxt])
        if not known.all():  # a review of a card that no longer exists
            at, elapsed, s, passed = at[known], elapsed[known], s[known], passed[known]
        decay, factor = per_card[at], factors[at]
    with np.errstate(all="ignore"):  # corrupt decays: SQL gave NULL or inf, numpy warns
        pred: Floats = np.power(1.0 + factor * elapsed / s, -decay)
    known = ~np.isnan(pred)  # an unusable decay predicts nothing (SQL's pow gave NULL)
    if not known.all():
        pred, passed = pred[known], passed[known]
    return pred, passed


def calibration_and_hours(
    log: Log, scale: DayScale, period: str, decays: Decays
) -> tuple[Calibration, Hours]:
    """Predicted vs measured recall in ten bins of predicted probability, and the reviews
    (not filtered, manual or rescheduled) and passes by local hour of the day.

    Args:
        log: the period's log (each row's previous review counts only when in it).
        scale: the local days and hours.
        period: the period's name, for the hours table.
        decays: the FSRS decay of the cards in scope (``srs.stats.scope.card_decays``).
    """
    flags = CODE_FLAGS[log.code]
    pred, passed = _predictions(log, flags, decays)
    bins = np.minimum((pred * BINS).astype(np.int64), BINS - 1)
    counts = np.bincount(bins, minlength=BINS).tolist()
    sums = np.bincount(bins, weights=pred, minlength=BINS).tolist()
    correct = np.bincount(bins[passed], minlength=BINS).tolist()
    by_hour = _hours(log, flags, scale).tolist()
    hours = []
    for h in range(24):
        failed, passed_n = by_hour[2 * h], by_hour[2 * h + 1]
        total = failed + passed_n
        retention = passed_n / total if total else None
        hours.append(Hour(hour=h, total=total, correct=passed_n, retention=retention))
    cal = [
        CalibrationBin(
            low=b / BINS,
            high=(b + 1) / BINS,
            count=counts[b],
            predicted=sums[b] / counts[b] if counts[b] else 0.0,
            measured=correct[b] / counts[b] if counts[b] else 0.0,
        )
        for b in range(BINS)
    ]
    n = int(pred.size)
    return (
        Calibration(
            bins=cal,
            count=n,
            predicted=sum(sums[b] for b in range(BINS) if counts[b]) / n if n else None,
            measured=sum(correct) / n if n else None,
        ),
        Hours(period=period, hours=hours),
    )
