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

# The fuzz grows by 0.15 a day of interval from 2.5 to 7 days, by 0.10 from 7 to 20 and by
# 0.05 beyond, on top of 1 day. The sums up to each band's start, in the same float
# operations as adding the bands one by one:
_AT_7 = 1.0 + 0.15 * (7.0 - 2.5)
_AT_20 = _AT_7 + 0.10 * (20.0 - 7.0)


def _fuzz_delta(interval: float) -> float:
    if interval < 2.5:
        return 0.0
    if interval < 7.0:
        return 1.0 + 0.15 * (interval - 2.5)
    if interval < 20.0:
        return _AT_7 + 0.10 * (interval - 7.0)
    return _AT_20 + 0.05 * (interval - 20.0)


def constrained_fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    """The inclusive day range fuzz may pick from, kept inside ``minimum..maximum``."""
    if minimum > maximum:
        minimum = maximum
    if interval < minimum:
        interval = float(minimum)
    if interval > maximum:
        interval = float(maximum)
    delta = _fuzz_delta(interval)
    lower = round_half_up(interval - delta)
    lower = maximum if lower > maximum else minimum if lower < minimum else lower
    upper = round_half_up(interval + delta)
    upper = maximum if upper > maximum else minimum if upper < minimum else upper
    if upper == lower and 2 < upper < maximum:
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
    if round_half_up(interval) > previous_interval:
        return previous_interval + 1
    _, upper = constrained_fuzz_bounds(interval, 1, maximum)
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
