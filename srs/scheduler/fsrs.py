"""Provides the FSRS-6 memory model as the Rust ``fsrs`` crate (6.6.x, used by Anki 26.9) runs it.

Pure functions on floats: initial and next memory states, the forgetting curve, intervals,
conversion of SM-2 state and replay of a review history. Memory steps and their intervals
come from the crate itself (``fsrs_rs_python``): it computes in 32-bit floats, and any
emulation of its operations in Python drifts by an ulp now and then, which Anki's rounding (4
places for S, whole days for intervals) can turn into a visible difference. The compiled
step is also about forty times faster than the emulation was.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import fsrs_rs_python as fsrs_rs

from srs.domain import MemoryState, Rating
from srs.errors import UsageError

S_MIN = 0.001
S_MAX = 36500.0
D_MIN = 1.0
D_MAX = 10.0
_INIT_S_MAX = 100.0
FSRS5_DEFAULT_DECAY = 0.5


_F32 = struct.Struct("<f")


def as_f32(value: float) -> float:
    """``value`` rounded to the nearest 32-bit float (the crate computes in f32)."""
    try:
        return float(_F32.unpack(_F32.pack(value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


_DEFAULT_DECIMALS = (
    0.212,
    1.2931,
    2.3065,
    8.2956,
    6.4133,
    0.8334,
    3.0194,
    0.001,
    1.8722,
    0.1666,
    0.796,
    1.4835,
    0.0614,
    0.2629,
    1.6483,
    0.6014,
    1.8729,
    0.5425,
    0.0912,
    0.0658,
    0.1542,
)
DEFAULT_PARAMS: tuple[float, ...] = tuple(as_f32(w) for w in _DEFAULT_DECIMALS)
_S_MIN32 = as_f32(S_MIN)

# The crate's clamps (clip_parameters with one relearning step, short-term training off).
_CLAMPS: tuple[tuple[float, float], ...] = (
    (S_MIN, _INIT_S_MAX),
    (S_MIN, _INIT_S_MAX),
    (S_MIN, _INIT_S_MAX),
    (S_MIN, _INIT_S_MAX),
    (D_MIN, D_MAX),
    (0.001, 4.0),
    (0.001, 4.0),
    (0.001, 0.75),
    (0.0, 4.5),
    (0.0, 0.8),
    (0.001, 3.5),
    (0.001, 5.0),
    (0.001, 0.25),
    (0.001, 0.9),
    (0.0, 4.0),
    (0.0, 1.0),
    (1.0, 6.0),
    (0.0, 2.0),
    (0.0, 2.0),
    (0.0, 0.8),
    (0.1, 0.8),
)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _fill_params(params: Sequence[float]) -> list[float]:
    """Convert a parameter set of any supported length to 21 values, as fsrs-rs does."""
    values = [float(w) for w in params]
    if len(values) == 0:
        return list(DEFAULT_PARAMS)
    if len(values) == 17:
        # FSRS-4.5 -> FSRS-5: the initial difficulty became exponential in the rating.
        values[4] = values[5] * 2.0 + values[4]
        values[5] = math.log(values[5] * 3.0 + 1.0) / 3.0
        values[6] += 0.5
        return values + [0.0, 0.0, 0.0, FSRS5_DEFAULT_DECAY]
    if len(values) == 19:
        return values + [0.0, FSRS5_DEFAULT_DECAY]
    if len(values) == 21:
        return values
    raise UsageError(f"FSRS parameters: expected 17, 19 or 21 values (or none), got {len(values)}")


def params_or_default(params: Sequence[float]) -> tuple[float, ...]:
    """Return the 21 FSRS-6 parameters the scheduler runs with.

    Args:
        params: 21 (FSRS-6), 19 (FSRS-5) or 17 (FSRS-4.5) parameters, or none for the
            defaults. Older sets are converted and all values clamped as fsrs-rs does.

    Returns:
        The 21 parameters.

    Raises:
        UsageError: for any other length or a non-finite value.
    """
    return _checked_params(tuple(params))


@lru_cache(maxsize=64)
def _checked_params(params: tuple[float, ...]) -> tuple[float, ...]:
    values = _fill_params(params)
    if not all(math.isfinite(w) for w in values):
        raise UsageError("FSRS parameters: every value must be a finite number")
    return tuple(
        as_f32(_clamp(w, as_f32(low), as_f32(high)))
        for w, (low, high) in zip(values, _CLAMPS, strict=True)
    )


def allows_short_term(params: Sequence[float]) -> bool:
    """Whether Anki lets FSRS schedule intraday intervals with these (unconverted) parameters."""
    if len(params) >= 19:
        return params[17] > 0.0 and params[18] > 0.0
    return len(params) == 0


def _curve_factor(decay: float) -> float:
    return math.exp(math.log(0.9) / decay) - 1.0


def retrievability(params: Sequence[float], stability: float, elapsed_days: float) -> float:
    """The probability of recall after ``elapsed_days`` for a memory of ``stability`` days.

    Args:
        params: FSRS parameters (any supported length; w20 is the decay).
        stability: memory stability in days.
        elapsed_days: time since the last review, in days (may be fractional).

    Returns:
        Retrievability between 0 and 1.
    """
    w = params_or_default(params)
    decay = -w[20]
    factor = _curve_factor(decay)
    return float((max(elapsed_days, 0.0) / stability * factor + 1.0) ** decay)


def round_half_up(value: float) -> int:
    """Round like Rust's ``f32::round`` (halves away from zero)."""
    # int() truncates toward zero, which is floor for the non-negative sums here.
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


@lru_cache(maxsize=16)
def _model(w: tuple[float, ...]) -> fsrs_rs.FSRS:
    return fsrs_rs.FSRS(list(w))


def _rs_state(memory: MemoryState | None) -> fsrs_rs.MemoryState | None:
    # The crate's own clamps on a stored state, applied before it sees the state.
    if memory is None:
        return None
    return fsrs_rs.MemoryState(
        _clamp(as_f32(memory.stability), _S_MIN32, S_MAX),
        _clamp(as_f32(memory.difficulty), D_MIN, D_MAX),
    )


def _items(
    w: tuple[float, ...], memory: MemoryState | None, desired_retention: float, elapsed_days: int
) -> tuple[fsrs_rs.ItemState, ...]:
    states = _model(w).next_states(_rs_state(memory), desired_retention, max(elapsed_days, 0))
    return (states.again, states.hard, states.good, states.easy)


def _memory(item: fsrs_rs.ItemState) -> MemoryState:
    return MemoryState(item.memory.stability, item.memory.difficulty)


def init_memory(params: Sequence[float], rating: Rating) -> MemoryState:
    """The memory state after the first rating of a new card.

    Args:
        params: FSRS parameters.
        rating: the first answer.

    Returns:
        Initial stability and difficulty, clamped as fsrs-rs does.
    """
    return next_memory(params, None, 0, rating)


def next_memory(
    params: Sequence[float], memory: MemoryState | None, elapsed_days: int, rating: Rating
) -> MemoryState:
    """The memory state after a rating (fsrs-rs ``next_states``).

    Args:
        params: FSRS parameters.
        memory: the state before the answer; None for a new card.
        elapsed_days: whole days since the last review, counted by day boundaries
            (0 = same day, which uses the short-term formula).
        rating: the answer.

    Returns:
        The new stability and difficulty.
    """
    w = params_or_default(params)
    return _memory(_items(w, memory, 0.9, elapsed_days)[int(rating) - 1])


class ItemState(NamedTuple):
    """One answer button's outcome in the model: the memory and the unrounded interval."""

    memory: MemoryState
    interval: float


def next_states(
    params: Sequence[float],
    memory: MemoryState | None,
    desired_retention: float,
    elapsed_days: int,
) -> dict[Rating, ItemState]:
    """The four possible next memory states with their raw intervals (fsrs-rs ``next_states``).

    Pure, so recent results are kept: the review screen previews a card's four buttons and
    then answers it, which asks the same question twice.
    """
    return dict(_next_states(params_or_default(params), memory, desired_retention, elapsed_days))


@lru_cache(maxsize=256)
def _next_states(
    w: tuple[float, ...], memory: MemoryState | None, desired_retention: float, elapsed_days: int
) -> tuple[tuple[Rating, ItemState], ...]:
    items = _items(w, memory, desired_retention, elapsed_days)
    return tuple(
        (rating, ItemState(_memory(item), item.interval))
        for rating, item in zip(Rating, items, strict=True)
    )


def memory_from_sm2(
    params: Sequence[float], ease_factor: float, interval_days: float, sm2_retention: float
) -> MemoryState:
    """Approximate a memory state from SM-2 ease and interval (fsrs-rs ``memory_state_from_sm2``).

    Args:
        params: FSRS parameters.
        ease_factor: SM-2 ease as a multiplier (2.5, not 2500).
        interval_days: the current interval in days.
        sm2_retention: the retention the SM-2 schedule is assumed to achieve.

    Returns:
        The estimated memory state.

    Raises:
        UsageError: if the inputs give a non-finite state.
    """
    w = params_or_default(params)
    decay = -w[20]
    factor = 0.9 ** (1.0 / decay) - 1.0
    try:
        stability = max(interval_days, S_MIN) * factor / (sm2_retention ** (1.0 / decay) - 1.0)
        difficulty = 11.0 - (ease_factor - 1.0) / (
            math.exp(w[8]) * stability ** (-w[9]) * math.expm1((1.0 - sm2_retention) * w[10])
        )
    except (ZeroDivisionError, OverflowError, ValueError) as exc:
        raise UsageError(
            f"cannot convert SM-2 state (ease {ease_factor}, interval {interval_days}, "
            f"retention {sm2_retention}) to FSRS"
        ) from exc
    if not (math.isfinite(stability) and math.isfinite(difficulty)):
        raise UsageError(
            f"cannot convert SM-2 state (ease {ease_factor}, interval {interval_days}, "
            f"retention {sm2_retention}) to FSRS"
        )
    return MemoryState(stability, _clamp(difficulty, D_MIN, D_MAX))


def memory_from_history(
    params: Sequence[float],
    reviews: Sequence[tuple[Rating, int]],
    starting: MemoryState | None = None,
) -> MemoryState | None:
    """Replay a review history (fsrs-rs ``memory_state``).

    Args:
        params: FSRS parameters.
        reviews: ``(rating, elapsed_days)`` pairs in time order; the first pair's days are
            ignored unless ``starting`` is given.
        starting: a state to start from (e.g. ``memory_from_sm2``) instead of a new card.

    Returns:
        The memory state after the last review; ``starting`` if there are no reviews.
    """
    w = params_or_default(params)
    state = starting
    rest = list(reviews)
    if state is None and rest and int(rest[0][0]) == 0:
        state, rest = MemoryState(S_MIN, D_MIN), rest[1:]  # a manual first entry
    rated = [fsrs_rs.FSRSReview(int(r), max(d, 0)) for r, d in rest if int(r) != 0]
    if not rated:
        return state
    # One call into the crate for the whole history, as Anki computes memory from its log.
    found = _model(w).memory_state(fsrs_rs.FSRSItem(rated), _rs_state(state))
    return MemoryState(found.stability, found.difficulty)
