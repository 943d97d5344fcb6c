"""Provides the memory-state statistics of the cards: stability, difficulty and current
retrievability distributions and the estimated knowledge (sums of retrievability by card and
by note), from one columnar read of the cards with an FSRS memory state."""

from __future__ import annotations

import math

import numpy as np
from sqlalchemy.orm import Session

from srs.stats.cards import Cards, distinct_counts, histogram, percent_counts
from srs.stats.columns import Floats, Ints, columns_and_totals, scaled
from srs.stats.days import DAY_MS, DayScale
from srs.stats.scope import Scope
from srs.stats.sqlfuncs import ensure_pow, raw_rows
from srs.stats.types import Histogram, Knowledge, Retrievability

# Difficulty (1..10) and retrievability (0..1) travel as integers: a difficulty in [1, 2048)
# times 2**52, a retrievability in [2**-10, 2) times 2**62, are whole numbers (all their bits
# kept). A retrievability under 2**-10 loses bits below 2**-62, which no figure can show; a
# difficulty outside the range, or a retrievability at 2 or more, is read again as floats.
_D_SCALE = 2.0**52
_R_SCALE = 2.0**62
_NO_R = -1  # SQL's pow gave NULL


def _values(
    session: Session, scope: Scope, scale: DayScale, single: float | None, by_note: bool
) -> tuple[Ints, Floats, Floats, Ints]:
    """Rounded stability, difficulty, retrievability and note id of the cards with a memory
    state (note ids only when ``by_note``), in one order."""
    ensure_pow(session)
    if single is not None:
        decay, factor = repr(single), repr(math.pow(0.9, -1.0 / single) - 1.0)
    else:
        decay = f"coalesce(decay, {scope.decay_sql('coalesce(original_deck_id, deck_id)')})"
        factor = f"(pow(0.9, -1.0 / {decay}) - 1.0)"
    elapsed = f"max(coalesce(:now - last_review, 0), 0) / {float(DAY_MS)}"
    r = f"pow(1.0 + {factor} * {elapsed} / stability, -{decay})"
    source = f"FROM cards WHERE stability > 0 AND difficulty IS NOT NULL AND {scope.card_filter()}"
    note = ["note_id"] if by_note else []
    params = {"now": scale.now_ms}
    (stab, d, rr, *notes), (outside,) = columns_and_totals(
        session,
        [
            "CAST(stability + 0.5 AS INTEGER)",
            f"CAST(difficulty * {_D_SCALE!r} AS INTEGER)",
            f"coalesce(CAST({r} * {_R_SCALE!r} AS INTEGER), {_NO_R})",
            *note,
        ],
        ["sum(difficulty < 1.0 OR difficulty >= 2048.0)"],
        source,
        params,
    )
    if not outside and not ((rr == _NO_R) | (rr == np.iinfo(np.int64).max)).any():
        nid = notes[0] if notes else np.zeros(0, dtype=np.int64)
        return stab, scaled(d, 1.0 / _D_SCALE), scaled(rr, 1.0 / _R_SCALE), nid
    rows = raw_rows(
        session,
        f"SELECT CAST(stability + 0.5 AS INTEGER), difficulty, {r}, note_id {source}",
        params,
    )
    return (
        np.array([row[0] for row in rows], dtype=np.int64),
        np.array([row[1] for row in rows], dtype=np.float64),
        np.array([row[2] for row in rows], dtype=np.float64),
        np.array([row[3] for row in rows], dtype=np.int64),
    )


def memory(
    session: Session, scope: Scope, scale: DayScale, cards: Cards
) -> tuple[Histogram, Histogram, Retrievability, Knowledge]:
    """Stability (rounded days), difficulty (percent of 1..10) and current retrievability
    (percent) of cards with an FSRS memory state, and the sums of retrievability.

    Retrievability uses the time since the last review in fractional days, and the card's
    own decay, else its preset's (w20), as Anki's statistics do. It is computed in SQL per
    card (``pow``), with the decay as a constant when every card uses the same one.
    """
    # sum by note: each note's mean over all its cards (cards without memory count as 0);
    # only notes with several cards in scope need grouping
    note_ids, per_note_cards = distinct_counts(cards.note)
    multi = per_note_cards > 1
    stab, d, r, note = _values(session, scope, scale, cards.single_decay, bool(multi.any()))
    diffs = (d - 1.0) / 9.0 * 100.0
    r_sum = math.fsum(r.tolist())
    if multi.any():  # fsum is exact, so the order of the terms does not matter
        at = np.searchsorted(note_ids, note)
        shared = multi[at]
        groups, where = np.unique(note[shared], return_inverse=True)
        # each note's sum adds its cards' values in row order, as a loop would
        totals = np.bincount(where, weights=r[shared], minlength=groups.size)
        n_cards = per_note_cards[np.searchsorted(note_ids, groups)]
        by_note = math.fsum((r[~shared]).tolist() + (totals / n_cards).tolist())
    else:
        by_note = r_sum
    difficulty = histogram(*percent_counts(diffs))
    difficulty["mean"] = math.fsum(diffs.tolist()) / diffs.size if diffs.size else None
    difficulty["median"] = _median(diffs)
    r_keys, r_counts = percent_counts(100.0 * r)
    retr = Retrievability(
        bins=[[k, n] for k, n in zip(r_keys.tolist(), r_counts.tolist(), strict=True)],
        count=int(r.size),
        average=r_sum * 100.0 / r.size if r.size else None,
        sum_by_card=r_sum,
        sum_by_note=by_note,
    )
    knowledge = Knowledge(cards=r_sum, notes=by_note)
    return histogram(*distinct_counts(stab)), difficulty, retr, knowledge


def _median(values: Floats) -> float | None:
    if not values.size:
        return None
    mid = values.size // 2
    if values.size % 2:
        return float(np.partition(values, mid)[mid])
    low, high = np.partition(values, [mid - 1, mid])[mid - 1 : mid + 1].tolist()
    return float((low + high) / 2)
