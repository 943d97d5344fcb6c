"""Provides answering a card: from (card, rating, time) to the new card state and its log row.

Pure: nothing is mutated and nothing is stored. Days are local scheduling days that start
at ``config.rollover_hour`` in ``tz``.

Due times, and how they relate to Anki's:
- intraday (re)learning: ``now`` + the step delay (+ learning fuzz). Anki stores the same
  instant in epoch seconds (queue 1).
- review and interday learning: the start of the local day ``today + interval``
  (``srs.clock.day_start``). Anki stores the day number (queue 2/3); "is due" is
  ``day_number(now) >= day_number(due)``, which equals ``now >= due``.
- a learning delay that would end after the next day boundary becomes an interday one,
  as in Anki (``IntervalKind::maybe_as_days``): 10 minutes at 03:55 is due at 04:00 the
  next scheduling day.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from typing import NamedTuple

from srs.clock import day_number, day_start, elapsed_days, next_day_start, utc
from srs.domain import (
    AnswerOutcome,
    CardSched,
    CardState,
    MemoryState,
    Rating,
    ReviewKind,
    ReviewRecord,
    SchedulingConfig,
)
from srs.scheduler.fsrs import (
    allows_short_term,
    as_f32,
    next_states,
    params_or_default,
    retrievability,
    round_half_up,
)
from srs.scheduler.fuzz import learning_fuzz_secs
from srs.scheduler.states import Context, Next, transition, transitions
from srs.scheduler.steps import DAY_SECS, Steps

_KIND = {
    CardState.NEW: ReviewKind.LEARN,
    CardState.LEARNING: ReviewKind.LEARN,
    CardState.REVIEW: ReviewKind.REVIEW,
    CardState.RELEARNING: ReviewKind.RELEARN,
}


def revlog_factor(memory: MemoryState | None) -> int:
    """Anki's ``revlog.factor`` under FSRS: difficulty 1..10 mapped to 100..1100 (0 if none)."""
    if memory is None:
        return 0
    return int(math.floor(((memory.difficulty - 1.0) / 9.0 + 0.1) * 1000.0 + 0.5))


def stored_memory(memory: MemoryState) -> MemoryState:
    """The memory state as Anki stores it in ``cards.data``: S to 4 places, D to 3.

    Anki computes the next answer from the stored values, so the scheduler returns them.
    """
    return MemoryState(
        _round_places_f32(memory.stability, 4), _round_places_f32(memory.difficulty, 3)
    )


def _round_places_f32(value: float, places: int) -> float:
    # Anki rounds in f32: (v * 10^places).round() / 10^places; keep the shortest decimal.
    factor = 10.0**places
    scaled = as_f32(as_f32(value) * factor)
    return round_half_up(scaled) / factor


def _as_revlog_interval(secs: int | None, days: int, secs_until_rollover: int) -> int:
    """Anki's ``maybe_as_days`` then ``as_revlog_interval``: days if > 0, else -seconds."""
    if secs is None:
        return days
    if secs >= secs_until_rollover:
        return (secs - secs_until_rollover) // DAY_SECS + 1
    return -secs


def card_elapsed_days(card: CardSched, now: datetime, tz: tzinfo, rollover_hour: int) -> int:
    """Whole days since the card's last review, by day boundaries (0 for the same day).

    Without ``last_review``, a review card's last review day is taken as ``due - interval``
    (what Anki assumes when a card has no review time); otherwise 0.
    """
    if card.last_review is not None:
        return elapsed_days(card.last_review, now, tz, rollover_hour)
    if card.state == CardState.REVIEW and card.due is not None:
        reviewed = day_number(card.due, tz, rollover_hour) - card.interval_days
        return max(0, day_number(now, tz, rollover_hour) - reviewed)
    return 0


def _context(
    card: CardSched,
    now: datetime,
    config: SchedulingConfig,
    tz: tzinfo,
    fuzz: float | None,
    days: int | None = None,
) -> Context:
    params = params_or_default(config.fsrs_params)
    if days is None:
        days = card_elapsed_days(card, now, tz, config.rollover_hour)
    memory = None if card.state == CardState.NEW else card.memory
    return Context(
        states=next_states(params, memory, config.desired_retention, days),
        learn_steps=_steps(config.learn_steps_minutes),
        relearn_steps=_steps(config.relearn_steps_minutes),
        maximum_interval=config.maximum_interval_days,
        allow_short_term=allows_short_term(config.fsrs_params),
        fuzz_factor=fuzz,
        leech_threshold=config.leech_threshold,
    )


_steps = lru_cache(maxsize=64)(Steps.from_minutes)


def _current_secs(card: CardSched, config: SchedulingConfig) -> int | None:
    """The delay Anki logs as lastIvl for a card in (re)learning; None for a review card."""
    if card.state == CardState.NEW:
        return 0
    if card.state == CardState.LEARNING:
        return _steps(config.learn_steps_minutes).current_delay(card.step)
    if card.state == CardState.RELEARNING:
        return _steps(config.relearn_steps_minutes).current_delay(card.step)
    return None


def _secs_until_rollover(now: datetime, tz: tzinfo, config: SchedulingConfig) -> int:
    return int((next_day_start(now, tz, config.rollover_hour) - now).total_seconds())


def _next_secs(nxt: Next) -> int | None:
    return None if nxt.state == CardState.REVIEW else nxt.secs


class Prepared(NamedTuple):
    """What ``answer_card`` computes before it looks at the exact time (where each rating
    leads: memory states, fuzzed intervals, steps), done ahead while the card is on screen.
    It holds the fuzz source part-drawn, so it serves one answer; ``answer_card`` uses it only
    for the same card, preset and zone on the same number of elapsed days, and otherwise
    starts afresh."""

    card: CardSched
    config: SchedulingConfig
    tz: tzinfo
    days: int
    rng: random.Random | None
    nexts: dict[Rating, Next]


def prepare_answer(
    card: CardSched,
    now: datetime,
    config: SchedulingConfig,
    tz: tzinfo,
    rng: random.Random | None = None,
) -> Prepared:
    """``answer_card``'s preparation for ``card`` as of ``now`` (see ``Prepared``); ``rng``
    must be the fresh source ``answer_card`` would be given."""
    fuzz_rng = rng if config.fuzz else None
    fuzz_factor = fuzz_rng.random() if fuzz_rng is not None else None
    days = card_elapsed_days(card, utc(now), tz, config.rollover_hour)
    ctx = _context(card, now, config, tz, fuzz_factor, days)
    nexts = transitions(ctx, card.state, card.step, card.interval_days, card.lapses)
    return Prepared(card, config, tz, days, fuzz_rng, nexts)


def answer_card(
    card: CardSched,
    rating: Rating,
    now: datetime,
    config: SchedulingConfig,
    tz: tzinfo,
    rng: random.Random | None = None,
    duration_ms: int = 0,
    prepared: Prepared | None = None,
) -> AnswerOutcome:
    """Answer a card the way Anki's v3 scheduler does with FSRS on.

    Args:
        card: the card's scheduling state before the answer (not modified).
        rating: the button pressed.
        now: the answer time, timezone-aware.
        config: the card's preset.
        tz: the user's time zone (day boundaries are local).
        rng: a seeded source for fuzz; None gives no fuzz (nor does ``config.fuzz=False``).
        duration_ms: time taken to answer, stored in the log row.

        prepared: ``prepare_answer``'s work for this card, used when it still applies
            (then ``rng`` is not drawn from).

    Returns:
        The new card state, the review-log row and whether the card just became a leech.
    """
    now = utc(now)
    if (
        prepared is not None
        and prepared.tz is tz
        and (prepared.config is config or prepared.config == config)
        and (prepared.card is card or prepared.card == card)
        and prepared.days == card_elapsed_days(card, now, tz, config.rollover_hour)
    ):
        fuzz_rng, nxt = prepared.rng, prepared.nexts[rating]
    else:
        fuzz_rng = rng if config.fuzz else None
        fuzz_factor = fuzz_rng.random() if fuzz_rng is not None else None
        ctx = _context(card, now, config, tz, fuzz_factor)
        nxt = transition(ctx, card.state, card.step, card.interval_days, card.lapses, rating)
    return _answer_in(nxt, card, rating, now, config, tz, fuzz_rng, duration_ms)


def _answer_in(
    nxt: Next,
    card: CardSched,
    rating: Rating,
    now: datetime,
    config: SchedulingConfig,
    tz: tzinfo,
    fuzz_rng: random.Random | None,
    duration_ms: int,
) -> AnswerOutcome:

    today = day_number(now, tz, config.rollover_hour)
    until_rollover = _secs_until_rollover(now, tz, config)
    after = _as_revlog_interval(_next_secs(nxt), nxt.days, until_rollover)
    if nxt.state == CardState.REVIEW:
        due = day_start(today + nxt.days, tz, config.rollover_hour)
    elif after > 0:
        due = day_start(today + after, tz, config.rollover_hour)
    else:
        due = now + timedelta(seconds=learning_fuzz_secs(nxt.secs, fuzz_rng))

    memory = stored_memory(nxt.memory)
    before_secs = _current_secs(card, config)
    before = _as_revlog_interval(before_secs, card.interval_days, until_rollover)
    new_card = CardSched(  # every field: faster than dataclasses.replace
        state=nxt.state,
        step=nxt.step if nxt.state != CardState.REVIEW else 0,
        due=due,
        memory=memory,
        last_review=now,
        interval_days=nxt.days,
        reps=card.reps + 1,
        lapses=nxt.lapses,
    )
    review = ReviewRecord(
        reviewed_at=now,
        rating=int(rating),
        kind=_KIND[card.state],
        interval_before=before,
        interval_after=after,
        factor=revlog_factor(nxt.memory),
        stability=memory.stability,
        difficulty=memory.difficulty,
        duration_ms=duration_ms,
    )
    return AnswerOutcome(card=new_card, review=review, became_leech=nxt.leeched)


def preview(
    card: CardSched, now: datetime, config: SchedulingConfig, tz: tzinfo
) -> dict[Rating, CardSched]:
    """The four states the answer buttons lead to, without fuzz.

    Args:
        card: the card being shown.
        now: the current time.
        config: the card's preset.
        tz: the user's time zone.

    Returns:
        The new card state for each rating.
    """
    now = utc(now)
    ctx = _context(card, now, config, tz, None)
    every = transitions(ctx, card.state, card.step, card.interval_days, card.lapses)
    return {r: _answer_in(every[r], card, r, now, config, tz, None, 0).card for r in Rating}


def preview_seconds(
    card: CardSched, now: datetime, config: SchedulingConfig, tz: tzinfo
) -> dict[Rating, int]:
    """The delay each button leads to in seconds, without fuzz, as Anki's button labels
    count it (a delay reaching past the next day boundary counts whole days)."""
    now = utc(now)
    ctx = _context(card, now, config, tz, None)  # the four memory states, computed once
    every = transitions(ctx, card.state, card.step, card.interval_days, card.lapses)
    return _label_seconds(every, now, tz, config)


def prepared_seconds(prepared: Prepared, now: datetime) -> dict[Rating, int]:
    """``preview_seconds`` for the answer ``prepared`` will give: with its fuzz, so each
    label is the interval that button then schedules, as in Anki (whose buttons show the
    fuzzed intervals of the states the answer uses)."""
    return _label_seconds(prepared.nexts, utc(now), prepared.tz, prepared.config)


def _label_seconds(
    every: dict[Rating, Next], now: datetime, tz: tzinfo, config: SchedulingConfig
) -> dict[Rating, int]:
    until_rollover = _secs_until_rollover(now, tz, config)
    out: dict[Rating, int] = {}
    for r, nxt in every.items():
        # The log's interval_after of answering with r, as answer_card computes it.
        after = _as_revlog_interval(_next_secs(nxt), nxt.days, until_rollover)
        out[r] = after * DAY_SECS if after > 0 else -after
    return out


def card_retrievability(
    card: CardSched,
    at: datetime,
    params: Sequence[float],
    tz: tzinfo,
    rollover_hour: int,
) -> float | None:
    """The card's current probability of recall, as Anki's browser and card info show it.

    Elapsed time is counted in seconds since the last review (fractional days); a card
    without ``last_review`` uses whole days since ``due - interval``.

    Args:
        card: the card.
        at: the instant to evaluate at.
        params: the preset's FSRS parameters (any supported length).
        tz: the user's time zone.
        rollover_hour: the hour local days start.

    Returns:
        Retrievability in 0..1, or None for new cards and cards without a memory state.
    """
    if card.state == CardState.NEW or card.memory is None:
        return None
    if card.last_review is not None:
        days = max((utc(at) - card.last_review).total_seconds(), 0.0) / DAY_SECS
    else:
        days = float(card_elapsed_days(card, utc(at), tz, rollover_hour))
    return retrievability(params, card.memory.stability, days)
