"""Provides the memory state and review interval of a card recomputed from its history under
new parameters, the way Anki updates cards after an optimisation (rslib
``scheduler/fsrs/memory_state.rs``), without fuzz.

Memory states come from fsrs-rs in batches of similar length, as Anki computes them, rather
than from ``srs.scheduler.memory_from_history`` (pure Python, one card at a time): the
tests check both the states and the rounding against Anki itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import fsrs_rs_python as fsrs_rs

from srs.domain import MemoryState, ReviewKind
from srs.optimize.history import CardHistory, LogEntry
from srs.scheduler.fuzz import minimum_review_fuzz_interval, with_review_fuzz

_FILTERED = int(ReviewKind.FILTERED)
_MANUAL = int(ReviewKind.MANUAL)
#: Anki's default "historical retention", used to turn an SM-2 first review into a state.
HISTORICAL_RETENTION = 0.9
_BATCH = 1000


@dataclass(frozen=True)
class MemoryInput:
    """What fsrs-rs needs for one card: reviews after an optional starting state."""

    reviews: tuple[tuple[int, int], ...]
    starting: MemoryState | None


def memory_input(history: CardHistory | None, model: fsrs_rs.FSRS) -> MemoryInput | None:
    """The memory-state input of a card's history (``card_history(training=False)``), or
    None when it has no usable history.

    A truncated history (no learning block) starts from the SM-2 state of its first
    interday answer, which is then dropped from the reviews (Anki's rule).
    """
    if history is None:
        return None
    if history.complete:
        return MemoryInput(history.reviews, None)
    first = history.entries[0]
    ease = (first.factor if first.factor != 0 else 2500) / 1000.0
    start = model.memory_state_from_sm2(
        ease, float(max(first.interval_after, 1)), HISTORICAL_RETENTION
    )
    difficulty = float(start.difficulty)
    if ease <= 1.1:  # the factor was written by FSRS: it encodes the difficulty
        difficulty = (ease - 0.1) * 9.0 + 1.0
    return MemoryInput(history.reviews[1:], MemoryState(float(start.stability), difficulty))


def memory_states(params: Sequence[float], inputs: Sequence[MemoryInput]) -> list[MemoryState]:
    """Memory states after each input's reviews, computed in batches of similar length."""
    model = fsrs_rs.FSRS(list(params))
    order = sorted(range(len(inputs)), key=lambda i: len(inputs[i].reviews))
    out: list[MemoryState | None] = [None] * len(inputs)
    batch: list[int] = []

    def flush() -> None:
        items = [
            fsrs_rs.FSRSItem([fsrs_rs.FSRSReview(r, d) for r, d in inputs[i].reviews])
            for i in batch
        ]
        starts = [_rs_state(inputs[i].starting) for i in batch]
        for i, state in zip(batch, model.memory_state_batch(items, starts), strict=True):
            out[i] = MemoryState(float(state.stability), float(state.difficulty))
        batch.clear()

    for i in order:
        item = inputs[i]
        if not item.reviews:
            assert item.starting is not None
            out[i] = item.starting
            continue
        batch.append(i)
        if len(batch) >= _BATCH:
            flush()
    if batch:
        flush()
    return [state for state in out if state is not None]


def _rs_state(state: MemoryState | None) -> fsrs_rs.MemoryState | None:
    return None if state is None else fsrs_rs.MemoryState(state.stability, state.difficulty)


@dataclass(frozen=True)
class LastReview:
    """The day of a card's last answer that counts, and the interval it was shown before."""

    day: int
    previous_interval: int | None


def last_review(entries: Sequence[LogEntry]) -> LastReview | None:
    """Anki's last-review info: the latest rated, non-cramming answer after any reset."""
    # scanned backwards: the answer wanted is the latest one not followed by a reset
    for index in range(len(entries) - 1, -1, -1):
        entry = entries[index]
        kind, rating = entry.kind, entry.rating
        if rating > 0 and not (kind == _FILTERED and entry.factor == 0):
            previous = entry.interval_before if entry.interval_before >= 0 and rating > 1 else None
            return LastReview(entry.day, previous)
        if rating <= 0 and kind == _MANUAL and entry.factor == 0:
            return None
    return None


def review_interval(
    model: fsrs_rs.FSRS,
    stability: float,
    desired_retention: float,
    maximum_interval: int,
    previous_interval: int | None,
) -> int:
    """The unfuzzed interval Anki gives a rescheduled review card: never below the interval
    shown before its last answer unless the new one shrank beyond that interval's fuzz range
    (Anki's ``minimum_review_fuzz_interval``, via ``srs.scheduler.fuzz``)."""
    raw = float(model.next_interval(stability, desired_retention, 0))
    minimum = max(minimum_review_fuzz_interval(raw, previous_interval or 0, maximum_interval), 1)
    return with_review_fuzz(None, raw, minimum, maximum_interval)
