"""Provides Anki's interval fuzz: the ranges a review interval may be moved within, and
the few extra minutes a learning step may get.

Anki derives its fuzz factor from the card id and review count; here it comes from a
seeded ``random.Random`` (``None`` = no fuzz). Anki's load balancer, which picks the least
busy day inside the same range, is not applied.
"""

from __future__ import annotations

import math
import random

from srs.scheduler.fsrs import round_half_up

# (start, end, factor): the fuzz grows by ``factor`` for every day of interval in the band.
_FUZZ_BANDS: tuple[tuple[float, float, float], ...] = (
    (2.5, 7.0, 0.15),
    (7.0, 20.0, 0.10),
    (20.0, math.inf, 0.05),
)


def _fuzz_delta(interval: float) -> float:
    if interval < 2.5:
        return 0.0
    delta = 1.0
    for start, end, factor in _FUZZ_BANDS:
        delta += factor * max(min(interval, end) - start, 0.0)
    return delta


def constrained_fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    """The inclusive day range fuzz may pick from, kept inside ``minimum..maximum``."""
    minimum = min(minimum, maximum)
    interval = min(max(interval, float(minimum)), float(maximum))
    delta = _fuzz_delta(interval)
    lower = min(max(round_half_up(interval - delta), minimum), maximum)
    upper = min(max(round_half_up(interval + delta), minimum), maximum)
    if upper == lower and upper > 2 and upper < maximum:
        upper = lower + 1
    return lower, upper


def with_review_fuzz(fuzz_factor: float | None, interval: float, minimum: int, maximum: int) -> int:
    """A review interval in days: fuzzed inside its range, or rounded and clamped.

    Args:
        fuzz_factor: a number in [0, 1) or None for no fuzz.
        interval: the model's interval in days.
        minimum: the smallest allowed result.
        maximum: the largest allowed result.
    """
    if fuzz_factor is None:
        return min(max(round_half_up(interval), min(minimum, maximum)), maximum)
    lower, upper = constrained_fuzz_bounds(interval, minimum, maximum)
    return int(math.floor(lower + fuzz_factor * (1 + upper - lower)))


def minimum_review_fuzz_interval(interval: float, previous_interval: int, maximum: int) -> int:
    """The floor Anki puts under a passing review interval, from the previous interval."""
    rounded = round_half_up(interval)
    _, upper = constrained_fuzz_bounds(interval, 1, maximum)
    if rounded > previous_interval:
        return previous_interval + 1
    if previous_interval <= upper:
        return previous_interval
    return 0


def fuzz_range(interval_days: float, elapsed_days: int, maximum_interval: int) -> tuple[int, int]:
    """The inclusive range of days a passing review interval may be fuzzed to.

    Args:
        interval_days: the model's interval before fuzz.
        elapsed_days: the card's previous interval in days (Anki keeps a grown interval
            above it; for a review answered on time this equals the days elapsed). Pass 0
            for a card leaving learning.
        maximum_interval: the preset's maximum interval.

    Returns:
        ``(lowest, highest)``; both equal when the interval is too short to fuzz (< 2.5 days).
    """
    maximum = max(maximum_interval, 1)
    minimum = max(minimum_review_fuzz_interval(interval_days, elapsed_days, maximum), 1)
    return constrained_fuzz_bounds(interval_days, min(minimum, maximum), maximum)


def learning_fuzz_secs(secs: int, rng: random.Random | None) -> int:
    """A learning delay with Anki's extra: up to 25% more, at most 5 minutes (none without rng)."""
    if rng is None:
        return secs
    upper_exclusive = secs + int(math.floor(min(secs * 0.25, 300.0)))
    if secs >= upper_exclusive:
        return secs
    return rng.randrange(secs, upper_exclusive)
