"""Provides the state machine of Anki's v3 scheduler with FSRS on: what each rating does to a
new, learning, review or relearning card.

Mirrors rslib/src/scheduler/states (learning.rs, review.rs, relearning.rs) for decks that
are not filtered, with FSRS enabled and "short-term with steps" off (Anki's default).
"""

from __future__ import annotations

from typing import NamedTuple

from srs.domain import CardState, MemoryState, Rating
from srs.scheduler.fsrs import ItemState, round_half_up
from srs.scheduler.fuzz import minimum_review_fuzz_interval, with_review_fuzz
from srs.scheduler.steps import DAY_SECS, Steps

_RATINGS = tuple(Rating)  # iterating the enum itself is slower


class Context(NamedTuple):
    """What the transitions need besides the card: model outcomes, steps, limits, fuzz.
    (A named tuple, as ``Next``: several are made for every card shown.)"""

    states: dict[Rating, ItemState]
    learn_steps: Steps
    relearn_steps: Steps
    maximum_interval: int
    allow_short_term: bool
    fuzz_factor: float | None
    leech_threshold: int

    @property
    def maximum(self) -> int:
        return max(self.maximum_interval, 1)

    def fuzz(self, interval: float, minimum: int) -> int:
        """Anki's ``with_review_fuzz`` with ``min_and_max_review_intervals(minimum)``."""
        maximum = self.maximum
        return with_review_fuzz(self.fuzz_factor, interval, min(max(minimum, 1), maximum), maximum)


class Next(NamedTuple):
    """The state a rating leads to.

    ``secs`` is the learning delay (LEARNING/RELEARNING); ``days`` the card's interval
    (Anki's ``ivl``: the review interval, kept while relearning).
    """

    state: CardState
    memory: MemoryState
    step: int = 0
    secs: int = 0
    days: int = 0
    lapses: int = 0
    leeched: bool = False


def _short_term(ctx: Context, steps: Steps, interval: float) -> bool:
    return ctx.allow_short_term and steps.is_empty() and interval < 0.5


def _to_secs(interval_days: float) -> int:
    return max(int(interval_days * DAY_SECS), 0)


def _learning(ctx: Context, step: int, rating: Rating, interval_days: int) -> Next:
    """A new or learning card (learning.rs)."""
    steps = ctx.learn_steps
    item = ctx.states[rating]
    mem = item.memory
    if rating == Rating.EASY:
        good = ctx.fuzz(ctx.states[Rating.GOOD].interval, 1)
        easy = max(round_half_up(item.interval), 1)
        return Next(CardState.REVIEW, mem, days=ctx.fuzz(easy, good + 1))
    if rating == Rating.AGAIN:
        delay, next_step = steps.again_delay(), 0
    elif rating == Rating.HARD:
        delay, next_step = steps.hard_delay(step), step
    else:
        delay, next_step = steps.good_delay(step), step
        if delay is not None:
            next_step = steps.step_after_good(step)
    if delay is not None:
        return Next(CardState.LEARNING, mem, step=next_step, secs=delay, days=interval_days)
    if _short_term(ctx, steps, item.interval):
        return Next(
            CardState.LEARNING,
            mem,
            step=next_step,
            secs=_to_secs(item.interval),
            days=interval_days,
        )
    days = ctx.fuzz(max(round_half_up(item.interval), 1), 1)
    return Next(CardState.REVIEW, mem, days=days)


def leech_threshold_met(lapses: int, threshold: int) -> bool:
    """Whether a lapse count makes a leech: at the threshold, then every half threshold."""
    if threshold <= 0:
        return False
    half = max(-(-threshold // 2), 1)
    return lapses >= threshold and (lapses - threshold) % half == 0


def _review(ctx: Context, interval_days: int, lapses: int, rating: Rating) -> Next:
    """A review card (review.rs, FSRS branch)."""
    if rating == Rating.AGAIN:
        return _review_again(ctx, interval_days, lapses)
    return _review_passed(ctx, interval_days, lapses)[int(rating) - 2]


def _review_again(ctx: Context, interval_days: int, lapses: int) -> Next:
    item = ctx.states[Rating.AGAIN]
    new_lapses = lapses + 1
    leeched = leech_threshold_met(new_lapses, ctx.leech_threshold)
    days = max(round_half_up(item.interval), 1)
    steps = ctx.relearn_steps
    delay = steps.again_delay()
    if delay is None and _short_term(ctx, steps, item.interval):
        delay = _to_secs(item.interval)
    if delay is not None:
        return Next(
            CardState.RELEARNING,
            item.memory,
            step=0,
            secs=delay,
            days=days,
            lapses=new_lapses,
            leeched=leeched,
        )
    return Next(CardState.REVIEW, item.memory, days=days, lapses=new_lapses, leeched=leeched)


def _review_passed(ctx: Context, interval_days: int, lapses: int) -> tuple[Next, Next, Next]:
    """Hard, Good and Easy on a review card: each interval is kept above the one before, so
    the three are computed together."""
    hard = ctx.states[Rating.HARD]
    good = ctx.states[Rating.GOOD]
    easy = ctx.states[Rating.EASY]
    maximum = ctx.maximum
    hard_days = ctx.fuzz(
        hard.interval, max(minimum_review_fuzz_interval(hard.interval, interval_days, maximum), 1)
    )
    good_days = ctx.fuzz(
        good.interval,
        max(minimum_review_fuzz_interval(good.interval, interval_days, maximum), hard_days + 1),
    )
    easy_days = ctx.fuzz(
        easy.interval,
        max(minimum_review_fuzz_interval(easy.interval, interval_days, maximum), good_days + 1),
    )
    return (
        Next(CardState.REVIEW, hard.memory, days=hard_days, lapses=lapses),
        Next(CardState.REVIEW, good.memory, days=good_days, lapses=lapses),
        Next(CardState.REVIEW, easy.memory, days=easy_days, lapses=lapses),
    )


def _relearning(ctx: Context, step: int, interval_days: int, lapses: int, rating: Rating) -> Next:
    """A relearning card (relearning.rs, FSRS branch)."""
    steps = ctx.relearn_steps
    item = ctx.states[rating]
    mem = item.memory
    if rating == Rating.EASY:
        good = ctx.fuzz(ctx.states[Rating.GOOD].interval, 1)
        easy = max(round_half_up(item.interval), 1)
        return Next(CardState.REVIEW, mem, days=ctx.fuzz(easy, good + 1), lapses=lapses)
    if rating == Rating.AGAIN:
        delay = steps.again_delay()
        if delay is not None:
            days = max(round_half_up(item.interval), 1)
            return Next(CardState.RELEARNING, mem, step=0, secs=delay, days=days, lapses=lapses)
        next_step = 0
    elif rating == Rating.HARD:
        delay, next_step = steps.hard_delay(step), step
    else:
        delay, next_step = steps.good_delay(step), step
        if delay is not None or steps.is_empty():
            next_step = steps.step_after_good(step) if not steps.is_empty() else 0
    if delay is not None:
        return Next(
            CardState.RELEARNING,
            mem,
            step=next_step,
            secs=delay,
            days=interval_days,
            lapses=lapses,
        )
    days = ctx.fuzz(max(round_half_up(item.interval), 1), 1)
    if _short_term(ctx, steps, item.interval):
        return Next(
            CardState.RELEARNING,
            mem,
            step=next_step,
            secs=_to_secs(item.interval),
            days=days,
            lapses=lapses,
        )
    return Next(CardState.REVIEW, mem, days=days, lapses=lapses)


def transition(
    ctx: Context,
    state: CardState,
    step: int,
    interval_days: int,
    lapses: int,
    rating: Rating,
) -> Next:
    """The state ``rating`` leads to from ``state``."""
    if state in (CardState.NEW, CardState.LEARNING):
        step = 0 if state == CardState.NEW else step
        nxt = _learning(ctx, step, rating, interval_days)
        # Anki resets lapses to 0 when a learning card graduates; a learning card normally
        # has none, and we keep a count that a reset card may carry.
        return Next(
            nxt.state, nxt.memory, step=nxt.step, secs=nxt.secs, days=nxt.days, lapses=lapses
        )
    if state == CardState.REVIEW:
        return _review(ctx, interval_days, lapses, rating)
    return _relearning(ctx, step, interval_days, lapses, rating)


def transitions(
    ctx: Context, state: CardState, step: int, interval_days: int, lapses: int
) -> dict[Rating, Next]:
    """``transition`` for every rating (the answer buttons' previews)."""
    if state == CardState.REVIEW:
        return dict(
            zip(
                _RATINGS,
                (_review_again(ctx, interval_days, lapses),
                 *_review_passed(ctx, interval_days, lapses)),
                strict=True,
            )
        )  # fmt: skip
    return {r: transition(ctx, state, step, interval_days, lapses, r) for r in _RATINGS}
