"""Provides the statistics read from the cards' scheduling columns: counts by state, the due
forecast, current intervals and cards added, from one columnar read of the cards in scope
(``load_cards``)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from srs.revlog_codes import MATURE_DAYS
from srs.stats.columns import Floats, Ints, columns_and_totals
from srs.stats.days import DayScale
from srs.stats.reviews import period_start
from srs.stats.scope import DECAY_TOTALS, Scope, single_decay_of
from srs.stats.types import PERIOD_DAYS, Added, Counts, Forecast, Histogram

# A card's flags: interval_days * 128 + IN_HISTOGRAM (a review or relearning card) + (state & 3)
# * 16 + SUSPENDED + BURIED (and not yet unburied) + FORECAST (in the forecast: not new, not
# suspended, with a due time).
IN_HISTOGRAM = 64
SUSPENDED = 8
BURIED = 4
FORECAST = 2
_FLAGS = f"""interval_days * 128 + (state IN (2, 3)) * {IN_HISTOGRAM} + (state & 3) * 16
    + (suspended != 0) * {SUSPENDED}
    + CASE WHEN buried != 0 AND (buried_until IS NULL OR buried_until > :now)
           THEN {BURIED} ELSE 0 END
    + CASE WHEN state != 0 AND NOT suspended AND due IS NOT NULL THEN {FORECAST} ELSE 0 END"""


@dataclass(frozen=True)
class Cards:
    """The cards in scope, one array each, in one order.

    Attributes:
        flags: interval, state and flags, packed (see ``IN_HISTOGRAM``).
        due: the due time (epoch ms; 0 when none).
        created: ``created_at`` (epoch ms).
        note: the note id.
        single_decay: the decay every card uses, or None (``srs.stats.scope.single_decay_of``).
    """

    flags: Ints
    due: Ints
    created: Ints
    note: Ints
    single_decay: float | None


def load_cards(session: Session, scope: Scope, now_ms: int) -> Cards:
    """Read the cards in scope (and their ``single_decay_of``) in one pass."""
    (flags, due, created, note), totals = columns_and_totals(
        session,
        [_FLAGS, "coalesce(due, 0)", "created_at", "note_id"],
        DECAY_TOTALS,
        f"FROM cards WHERE {scope.card_filter()}",
        {"now": now_ms},
    )
    return Cards(flags, due, created, note, single_decay_of(scope, *totals))


def distinct_counts(values: Ints) -> tuple[Ints, Ints]:
    """The distinct values (sorted) and how often each occurs."""
    if not values.size:
        return values, values
    lo, hi = int(values.min()), int(values.max())
    if hi - lo <= 4 * values.size + 1024:  # a compact range: count without sorting
        found = np.bincount(values - lo)
        keys = np.flatnonzero(found)
        return keys + lo, found[keys]
    keys, counts = np.unique(values, return_counts=True)
    return keys, counts


def value_counts(values: Ints) -> Counter[int]:
    """How often each value occurs."""
    keys, counts = distinct_counts(values)
    return Counter(dict(zip(keys.tolist(), counts.tolist(), strict=True)))


def percent_counts(values: Floats) -> tuple[Ints, Ints]:
    """Anki's 1% bins of percentages (``distinct_counts`` of the bins): 100 goes into the 99
    bin, below 0 into 0 (truncation, as ``int``, is a floor from 0 up)."""
    return distinct_counts(np.clip(values.astype(np.int64), 0, 99))


def percent_bins(values: Iterable[float] | Floats) -> Counter[int]:
    """``percent_counts`` as a Counter."""
    keys, counts = percent_counts(np.asarray(values, dtype=np.float64))
    return Counter(dict(zip(keys.tolist(), counts.tolist(), strict=True)))


# The name the tests know it by.
_percent_bins = percent_bins


def counts_and_intervals(cards: Cards) -> tuple[Counts, Histogram]:
    """Cards by state as Anki's Card Counts (inactive separated), and the current intervals
    (days) of review and relearning cards.

    Suspended and buried cards are counted only as such; review cards with an interval of
    21 days or more are mature.
    """
    flags = cards.flags
    interval = flags >> 7
    suspended = (flags & SUSPENDED) != 0
    buried = ~suspended & ((flags & BURIED) != 0)
    active = ~suspended & ~buried
    state = (flags >> 4) & 3
    review = active & (state == 2)
    mature = int((review & (interval >= MATURE_DAYS)).sum())
    counts = Counts(
        new=int((active & (state == 0)).sum()),
        learning=int((active & (state == 1)).sum()),
        relearning=int((active & (state == 3)).sum()),
        young=int(review.sum()) - mature,
        mature=mature,
        suspended=int(suspended.sum()),
        buried=int(buried.sum()),
        total=int(flags.size),
    )
    return counts, histogram(*distinct_counts(interval[(flags & IN_HISTOGRAM) != 0]))


def forecast(cards: Cards, scale: DayScale, period: str) -> Forecast:
    """Cards due per day from today (overdue folded into today), as Anki's Future Due: new
    and suspended cards are left out, buried cards too when due today or earlier."""
    shown = (cards.flags & FORECAST) != 0
    flags = cards.flags[shown]
    rel = scale.days_of(cards.due[shown]) - scale.today
    load = math.fsum((1.0 / np.maximum(flags >> 7, 1)).tolist())
    kept = rel[((flags & BURIED) == 0) | (rel > 0)]
    overdue = int((kept < 0).sum())
    by_day = value_counts(kept[kept >= 0])
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


def histogram(keys: Ints, counts: Ints) -> Histogram:
    """A ``Histogram`` from distinct values and their counts (``distinct_counts``); mean and
    median over the underlying values."""
    count = int(counts.sum())
    if not count:
        return Histogram(bins=[], count=0, mean=None, median=None)
    values, times = keys.tolist(), counts.tolist()
    if int(np.abs(keys).max()) * count < 2**62:  # the sum fits in int64
        total = int((keys * counts).sum())
    else:
        total = sum(k * n for k, n in zip(values, times, strict=True))
    seen = np.cumsum(counts)

    def nth(i: int) -> int:
        return int(values[int(np.searchsorted(seen, i, side="right"))])

    mid = count // 2
    return Histogram(
        bins=[[k, n] for k, n in zip(values, times, strict=True)],
        count=count,
        mean=total / count,
        median=float(nth(mid)) if count % 2 else (nth(mid - 1) + nth(mid)) / 2,
    )


def added(cards: Cards, scale: DayScale, period: str) -> Added:
    """Cards added per day (relative to today) over the period."""
    start = period_start(scale, period)
    created = cards.created
    created = created[created >= (0 if start is None else scale.start_ms(start))]
    by_day = value_counts(scale.days_of(created) - scale.today)
    days = [[k, n] for k, n in sorted(by_day.items())]
    return Added(period=period, days=days, total=sum(n for _, n in days))
