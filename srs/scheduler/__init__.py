"""Provides the pure FSRS-6 scheduler: Anki 26.9's v3 scheduling with FSRS, as functions.

Nothing here touches the database or reads the clock: time comes in as an aware UTC
datetime plus the user's time zone, fuzz as a seeded ``random.Random``.

Checked answer by answer against the real Anki 26.9 backend (tests/srs/test_scheduler_anki.py).
Known differences from Anki:
- fuzz: Anki seeds it from card id + reps and may move a review to a quieter day inside the
  same range (load balancer, easy days); here it is uniform in the range from the given rng.
- elapsed days are day-number differences; Anki floors (next day start - last review) / 24 h,
  which differs only for a review in the first hour after the rollover across a 25-hour day.
- a non-new card without a memory state is answered as if new (Anki would rebuild it from
  the review log first): callers fill it with ``memory_from_history``/``memory_from_sm2``.
- a graduating learning card keeps its lapse count (Anki resets it to 0).
- filtered decks and the "short-term scheduling with learning steps" option are not modelled.
"""

from __future__ import annotations

from srs.scheduler.answer import (
    Prepared,
    answer_card,
    card_elapsed_days,
    card_retrievability,
    prepare_answer,
    prepared_seconds,
    preview,
    preview_seconds,
    revlog_factor,
    stored_memory,
)
from srs.scheduler.fsrs import (
    DEFAULT_PARAMS,
    ItemState,
    init_memory,
    memory_from_history,
    memory_from_sm2,
    next_memory,
    next_states,
    params_or_default,
    retrievability,
)
from srs.scheduler.fuzz import fuzz_range
from srs.scheduler.states import leech_threshold_met
from srs.scheduler.timespan import format_interval

__all__ = [
    "DEFAULT_PARAMS",
    "ItemState",
    "Prepared",
    "answer_card",
    "card_elapsed_days",
    "card_retrievability",
    "format_interval",
    "fuzz_range",
    "init_memory",
    "leech_threshold_met",
    "memory_from_history",
    "memory_from_sm2",
    "next_memory",
    "next_states",
    "params_or_default",
    "prepare_answer",
    "prepared_seconds",
    "preview",
    "preview_seconds",
    "retrievability",
    "revlog_factor",
    "stored_memory",
]
