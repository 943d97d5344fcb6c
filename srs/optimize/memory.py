"""Provides the memory state and review interval of a card recomputed from its history under
new parameters, the way Anki updates cards after an optimisation (rslib
``scheduler/fsrs/memory_state.rs``), without fuzz.

Memory states come from fsrs-rs in batches of similar length, as Anki computes them, rather
than from ``srs.scheduler.memory_from_history`` (pure Python, one card at a time): the
tests check both the states and the rounding against Anki itself.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import NamedTuple

import fsrs_rs_python as fsrs_rs

from srs.domain import MemoryState, ReviewKind
from srs.optimize.history import LogEntry
from srs.scheduler.fsrs import round_half_up
from srs.scheduler.fuzz import minimum_review_fuzz_interval, with_review_fuzz

_FILTERED = int(ReviewKind.FILTERED)
_MANUAL = int(ReviewKind.MANUAL)
#: Anki's default "historical retention", used to turn an SM-2 first review into a state.
HISTORICAL_RETENTION = 0.9
_BATCH = 1000


class MemoryInput(NamedTuple):
    """What fsrs-rs needs for one card: reviews after an optional starting state."""

    reviews: tuple[fsrs_rs.FSRSReview, ...]
    starting: MemoryState | None


class LastReview(NamedTuple):
    """The day of a card's last answer that counts, and the interval it was shown before."""

    day: int
    previous_interval: int | None


class CardSummary(NamedTuple):
    """What optimising needs of one card's log (a named tuple: one is made per card).

    ``reviews`` are the kept (rating, elapsed days) pairs of ``card_history(training=False)``;
    ``complete`` says whether they start with a learning block; ``first_factor`` and
    ``first_interval`` are the factor and interval of the first kept entry (an incomplete
    history starts from their SM-2 state); ``last`` is ``last_review`` of the log;
    ``last_order`` the time (epoch ms) of the card's latest log row of any kind.
    """

    reviews: tuple[tuple[int, int], ...]
    complete: bool
    first_factor: int
    first_interval: int
    last: LastReview | None
    last_order: int


def memory_input(
    card: CardSummary, model: fsrs_rs.FSRS, reviews: tuple[fsrs_rs.FSRSReview, ...]
) -> MemoryInput:
    """The memory-state input of a card with usable history.

    A truncated history (no learning block) starts from the SM-2 state of its first
    interday answer, which is then dropped from the reviews (Anki's rule).

    Args:
        card: the card's summary.
        model: fsrs-rs with the parameters the states are for.
        reviews: ``card.reviews`` as fsrs-rs reviews (``scan.Scan.reviews``).
    """
    if card.complete:
        return MemoryInput(reviews, None)
    ease = (card.first_factor if card.first_factor != 0 else 2500) / 1000.0
    start = model.memory_state_from_sm2(
        ease, float(max(card.first_interval, 1)), HISTORICAL_RETENTION
    )
    difficulty = float(start.difficulty)
    if ease <= 1.1:  # the factor was written by FSRS: it encodes the difficulty
        difficulty = (ease - 0.1) * 9.0 + 1.0
    return MemoryInput(reviews[1:], MemoryState(float(start.stability), difficulty))


def memory_states(params: Sequence[float], inputs: Sequence[MemoryInput]) -> list[MemoryState]:
    """Memory states after each input's reviews, computed in batches of similar length."""
    model = fsrs_rs.FSRS(list(params))
    lengths = [len(item.reviews) for item in inputs]
    order = sorted(range(len(inputs)), key=lengths.__getitem__)
    out: list[MemoryState | None] = [None] * len(inputs)
    batch: list[int] = []
    make_item = fsrs_rs.FSRSItem

    def flush() -> None:
        items = [make_item(inputs[i].reviews) for i in batch]
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


def stored_memories(states: Sequence[MemoryState]) -> list[MemoryState]:
    """``srs.scheduler.answer.stored_memory`` of many states (S to 4 places, D to 3, rounded
    in f32 as Anki does), with the f32 roundings done by ``array`` rather than one by one."""
    stability = array("f", [state.stability for state in states])
    difficulty = array("f", [state.difficulty for state in states])
    scaled_s = array("f", [value * 10_000.0 for value in stability])
    scaled_d = array("f", [value * 1000.0 for value in difficulty])
    return [
        MemoryState(round_half_up(s) / 10_000.0, round_half_up(d) / 1000.0)
        for s, d in zip(scaled_s, scaled_d, strict=True)
    ]


def _rs_state(state: MemoryState | None) -> fsrs_rs.MemoryState | None:
    return None if state is None else fsrs_rs.MemoryState(state.stability, state.difficulty)


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
    previous = previous_interval or 0
    if round_half_up(raw) > previous:
        # the floor is then the previous interval + 1, whatever the fuzz range (the first
        # rule of ``minimum_review_fuzz_interval``, without working out the range)
        minimum = max(previous + 1, 1)
    else:
        minimum = max(minimum_review_fuzz_interval(raw, previous, maximum_interval), 1)
    return with_review_fuzz(None, raw, minimum, maximum_interval)
