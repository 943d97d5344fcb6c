"""Provides FSRS memory states computed from cards' review logs, the way Anki computes them
when ``cards.data`` holds none (Anki's ``compute_memory_state``).

The rules, as Anki applies them for memory states (not for training):

* walking back from the latest entry (cramming without rescheduling skipped), history
  starts at the first entry of the last run of graded learning entries; without one, at
  the first graded entry after the last reset ("forget": a manual entry with factor 0);
  a reset with nothing graded after it leaves no history;
* manual, rescheduled and cramming entries are then dropped; elapsed days are whole days
  between the entries' distances to the next day boundary;
* a history that does not start with learning (a truncated log) starts from the SM-2
  state of the card's first graded entry (its interval and ease, with the preset's
  historical retention), and that entry itself is not replayed;
* a card with no usable history but an interval falls back on the SM-2 state of the card.

The replay runs in batches through ``fsrs_rs_python`` (the Rust crate Anki itself uses): a
large collection can have hundreds of thousands of reviews to replay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import fsrs_rs_python

from srs.ankipkg.records import PkgRevlog
from srs.ankipkg.units import from_seconds
from srs.domain import MemoryState, ReviewKind

DAY_SECS = 86_400


@dataclass(frozen=True)
class HistoryMemory:
    """What a card's history tells: its memory state and when it was last reviewed."""

    memory: MemoryState | None
    last_review: datetime | None


class CardFacts(NamedTuple):
    """The card fields the SM-2 fallbacks need."""

    card_type: int
    interval: int
    factor: int
    reps: int


@dataclass
class _Item:
    card_id: int
    reviews: list[tuple[int, int]]  # (rating, elapsed days)
    sm2: tuple[float, float] | None  # (ease, interval) to start from, for truncated logs


def _is_cram(row: PkgRevlog) -> bool:
    return row.type == ReviewKind.FILTERED and row.factor == 0


def history_for_memory(
    rows: Sequence[PkgRevlog], next_day_at: int
) -> tuple[list[tuple[int, int]], bool] | None:
    """The (rating, elapsed days) pairs Anki replays for ``rows`` (one card, time order),
    and whether the history is complete (starts with learning). None: no usable history."""
    first_learn: int | None = None
    first_graded: int | None = None
    for index in range(len(rows) - 1, -1, -1):
        row = rows[index]
        if _is_cram(row):
            continue
        graded = 1 <= row.ease <= 4
        if graded:
            first_graded = index
        if graded and row.type == ReviewKind.LEARN:
            first_learn = index
        elif first_learn is not None:
            break
        elif row.type == ReviewKind.MANUAL and row.factor == 0:
            if first_graded is None:
                return None  # reset, and nothing graded since
            break
    start = first_learn if first_learn is not None else first_graded
    if start is None:
        return None
    kept = [
        r
        for r in rows[start:]
        if not (r.type in (ReviewKind.MANUAL, ReviewKind.RESCHEDULE) or r.ease == 0 or _is_cram(r))
    ]
    if not kept:
        return None
    days = [max(0, (next_day_at - r.anki_id // 1000) // DAY_SECS) for r in kept]
    reviews = [(kept[0].ease, 0)]
    reviews += [(r.ease, days[i] - days[i + 1]) for i, r in enumerate(kept[1:])]
    return reviews, first_learn is not None


def _item(rows: Sequence[PkgRevlog], next_day_at: int) -> _Item | None:
    found = history_for_memory(rows, next_day_at)
    if found is None:
        return None
    reviews, complete = found
    if complete:
        return _Item(rows[0].card_anki_id, reviews, None)
    first = next((r for r in rows if r.ease > 0), None)
    if first is None or len(reviews) < 2:
        return None  # Anki falls back on the card's own SM-2 state
    ease = (first.factor or 2500) / 1000
    return _Item(rows[0].card_anki_id, reviews[1:], (ease, float(max(first.ivl, 1))))


def _fsrs(params: Sequence[float]) -> Any:
    try:
        return fsrs_rs_python.FSRS(fsrs_rs_python.check_and_fill_parameters(list(params)))
    except ValueError:  # parameters Anki would also reject: use the defaults
        return fsrs_rs_python.FSRS(list(fsrs_rs_python.DEFAULT_PARAMETERS))


def _sm2_state(model: Any, ease: float, interval: float, retention: float) -> Any:
    state = model.memory_state_from_sm2(ease, interval, retention)
    if ease <= 1.1:  # the "ease" was written by FSRS: it encodes the difficulty
        state = fsrs_rs_python.MemoryState(state.stability, (ease - 0.1) * 9.0 + 1.0)
    return state


def _replay(
    items: list[_Item], params: Sequence[float], retention: float
) -> dict[int, MemoryState]:
    model = _fsrs(params)
    starts: list[Any] = []
    for item in items:
        try:
            starts.append(
                None if item.sm2 is None else _sm2_state(model, item.sm2[0], item.sm2[1], retention)
            )
        except ValueError:  # an SM-2 state FSRS cannot express: replay from scratch
            starts.append(None)
    batch = [
        fsrs_rs_python.FSRSItem([fsrs_rs_python.FSRSReview(r, d) for r, d in item.reviews])
        for item in items
    ]
    states = model.memory_state_batch(batch, starts)
    return {
        item.card_id: MemoryState(float(state.stability), float(state.difficulty))
        for item, state in zip(items, states, strict=True)
    }


def memories_for(
    batches: Iterable[list[PkgRevlog]],
    cards: dict[int, CardFacts],
    settings: Callable[[int], tuple[Sequence[float], float]],
    next_day_at: int,
) -> dict[int, HistoryMemory]:
    """Memory states of ``cards`` from a review log streamed by card, then time.

    Args:
        batches: the review log of (at least) these cards, ordered by card then time.
        cards: the cards to compute, with the fields the SM-2 fallback needs.
        settings: a card's preset FSRS parameters and historical (SM-2) retention.
        next_day_at: epoch seconds of the next day boundary after now.
    """
    groups: dict[tuple[tuple[float, ...], float], list[_Item]] = {}
    last_review: dict[int, datetime] = {}
    current: list[PkgRevlog] = []

    def flush() -> None:
        if not current:
            return
        graded = [r for r in current if r.ease > 0]
        if graded:
            last_review[current[0].card_anki_id] = from_seconds(graded[-1].anki_id / 1000)
        item = _item(current, next_day_at)
        if item is not None:
            groups.setdefault(tuple_key(settings(item.card_id)), []).append(item)

    for batch in batches:
        for row in batch:
            if row.card_anki_id not in cards:
                continue
            if current and current[0].card_anki_id != row.card_anki_id:
                flush()
                current = []
            current.append(row)
    flush()
    memory: dict[int, MemoryState] = {}
    for (params, retention), items in groups.items():
        memory.update(_replay(items, params, retention))
    for cid, facts in cards.items():
        if cid in memory or facts.card_type == 0 or facts.interval <= 0 or facts.reps == 0:
            continue
        card_params, card_retention = settings(cid)
        try:
            state = _sm2_state(
                _fsrs(card_params),
                (facts.factor or 2500) / 1000,
                float(facts.interval),
                card_retention,
            )
        except ValueError:
            continue
        memory[cid] = MemoryState(float(state.stability), float(state.difficulty))
    return {
        cid: HistoryMemory(memory.get(cid), last_review.get(cid))
        for cid in set(memory) | set(last_review)
    }


def tuple_key(setting: tuple[Sequence[float], float]) -> tuple[tuple[float, ...], float]:
    """A hashable form of (parameters, retention)."""
    return tuple(setting[0]), setting[1]
