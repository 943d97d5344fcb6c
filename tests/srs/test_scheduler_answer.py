"""Golden answer sequences, fuzz off, on a fixed clock: checked against fsrs-rs and Anki's rules."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs_rs_python as fsrs_rs
import pytest

from srs.clock import FixedClock, day_number, day_start
from srs.domain import (
    CardSched,
    CardState,
    MemoryState,
    Rating,
    ReviewKind,
    SchedulingConfig,
)
from srs.scheduler import (
    DEFAULT_PARAMS,
    answer_card,
    card_elapsed_days,
    card_retrievability,
    preview,
    preview_seconds,
    retrievability,
)
from srs.scheduler.steps import Steps

NY = ZoneInfo("America/New_York")
CONFIG = SchedulingConfig()
RS = fsrs_rs.FSRS(list(DEFAULT_PARAMS))


def _rs_state(memory: MemoryState | None, elapsed: int, rating: Rating) -> fsrs_rs.ItemState:
    mem = None if memory is None else fsrs_rs.MemoryState(memory.stability, memory.difficulty)
    states = RS.next_states(mem, 0.9, elapsed)
    return (states.again, states.hard, states.good, states.easy)[int(rating) - 1]


def _same_memory(mine: MemoryState | None, theirs: fsrs_rs.ItemState) -> None:
    assert mine is not None
    # The card keeps the memory as Anki stores it: S to 4 places, D to 3.
    assert mine.stability == pytest.approx(theirs.memory.stability, abs=6e-5)
    assert mine.difficulty == pytest.approx(theirs.memory.difficulty, abs=6e-4)


def _local(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NY).astimezone(UTC)


def test_new_card_through_learning_to_review_in_new_york() -> None:
    clock = FixedClock(_local(2026, 3, 6, 10, 0), tz=NY)
    card = CardSched(state=CardState.NEW)

    out = answer_card(card, Rating.GOOD, clock.now(), CONFIG, NY)
    assert out.card.state == CardState.LEARNING and out.card.step == 1
    assert out.card.due == clock.now() + timedelta(minutes=10)
    assert (out.review.kind, out.review.interval_before, out.review.interval_after) == (
        ReviewKind.LEARN,
        0,
        -600,
    )
    _same_memory(out.card.memory, _rs_state(None, 0, Rating.GOOD))
    assert out.card.reps == 1 and out.card.last_review == clock.now()
    assert card == CardSched(state=CardState.NEW)  # the input is untouched

    clock.advance(timedelta(minutes=10))
    memory = out.card.memory
    out = answer_card(out.card, Rating.GOOD, clock.now(), CONFIG, NY)
    expected = _rs_state(memory, 0, Rating.GOOD)  # same day: short-term formula
    _same_memory(out.card.memory, expected)
    ivl = max(int(expected.interval + 0.5), 1)
    assert out.card.state == CardState.REVIEW and out.card.interval_days == ivl
    today = day_number(clock.now(), NY, 4)
    assert out.card.due == day_start(today + ivl, NY, 4)
    assert out.card.due.astimezone(NY).hour == 4  # 04:00 local even across the DST change
    assert (out.review.interval_before, out.review.interval_after) == (-600, ivl)
    d = out.card.memory.difficulty if out.card.memory else 0.0
    assert out.review.factor == round(((d - 1) / 9 + 0.1) * 1000)

    # Reviewed on the due day, a few days later: elapsed days count day boundaries.
    assert out.card.due is not None
    clock.set(out.card.due + timedelta(hours=6))
    memory, before = out.card.memory, out.card
    out = answer_card(before, Rating.HARD, clock.now(), CONFIG, NY)
    expected = _rs_state(memory, ivl, Rating.HARD)
    _same_memory(out.card.memory, expected)
    assert out.review.kind == ReviewKind.REVIEW
    assert out.review.interval_before == ivl
    assert out.card.interval_days >= ivl  # Anki keeps a passing interval above the previous


def test_review_at_0359_is_the_same_day_and_at_0401_the_next() -> None:
    last = _local(2026, 6, 10, 23, 0)
    card = CardSched(
        state=CardState.REVIEW,
        due=day_start(day_number(last, NY, 4) + 1, NY, 4),
        memory=MemoryState(1.5, 5.0),
        last_review=last,
        interval_days=1,
        reps=3,
    )
    early = answer_card(card, Rating.GOOD, _local(2026, 6, 11, 3, 59), CONFIG, NY)
    late = answer_card(card, Rating.GOOD, _local(2026, 6, 11, 4, 1), CONFIG, NY)
    _same_memory(early.card.memory, _rs_state(card.memory, 0, Rating.GOOD))
    _same_memory(late.card.memory, _rs_state(card.memory, 1, Rating.GOOD))
    assert early.card.memory != late.card.memory
    # The same instants in UTC fall on other sides of a UTC-04:00 boundary.
    utc_config = SchedulingConfig(rollover_hour=4)
    at_utc = answer_card(card, Rating.GOOD, _local(2026, 6, 11, 3, 59), utc_config, UTC)
    _same_memory(at_utc.card.memory, _rs_state(card.memory, 1, Rating.GOOD))


def test_rollover_hour_moves_the_boundary() -> None:
    last = _local(2026, 6, 10, 20, 0)
    card = CardSched(
        state=CardState.REVIEW,
        due=None,
        memory=MemoryState(3.0, 5.0),
        last_review=last,
        interval_days=1,
    )
    at = _local(2026, 6, 11, 1, 0)
    midnight = answer_card(card, Rating.GOOD, at, SchedulingConfig(rollover_hour=0), NY)
    four = answer_card(card, Rating.GOOD, at, SchedulingConfig(rollover_hour=4), NY)
    _same_memory(midnight.card.memory, _rs_state(card.memory, 1, Rating.GOOD))
    _same_memory(four.card.memory, _rs_state(card.memory, 0, Rating.GOOD))


def test_learning_step_past_the_rollover_becomes_a_day() -> None:
    now = _local(2026, 6, 11, 3, 59, 30)
    out = answer_card(CardSched(), Rating.AGAIN, now, CONFIG, NY)
    # 60 s is longer than the 30 s left today: due at the start of the next day, logged as 1 day.
    assert out.review.interval_after == 1
    assert out.card.due == _local(2026, 6, 11, 4, 0)
    assert out.card.state == CardState.LEARNING and out.card.step == 0
    labels = preview_seconds(CardSched(), now, CONFIG, NY)
    assert labels[Rating.AGAIN] == 86400


@pytest.mark.parametrize(
    ("steps", "hard_secs"),
    [
        ((1.0, 10.0), 330),  # average of the first two
        ((10.0,), 900),  # 1.5x a single step
        ((5.0,), 450),
        ((1440.0,), 2 * 86400),  # 1.5 days, rounded to whole days
        ((60.0 * 24 * 3,), 4 * 86400),  # capped at one day more than the step
    ],
)
def test_hard_delay_on_the_first_step(steps: tuple[float, ...], hard_secs: int) -> None:
    assert Steps.from_minutes(steps).hard_delay(0) == hard_secs


def test_hard_on_a_later_step_repeats_it() -> None:
    steps = Steps.from_minutes((1.0, 10.0, 60.0))
    assert steps.hard_delay(1) == 600
    assert steps.hard_delay(2) == 3600
    assert steps.good_delay(2) is None  # Good on the last step graduates


def test_learning_buttons_and_graduation_order() -> None:
    now = _local(2026, 6, 11, 12, 0)
    states = preview(CardSched(), now, CONFIG, NY)
    assert {r: s.state for r, s in states.items()} == {
        Rating.AGAIN: CardState.LEARNING,
        Rating.HARD: CardState.LEARNING,
        Rating.GOOD: CardState.LEARNING,
        Rating.EASY: CardState.REVIEW,
    }
    secs = preview_seconds(CardSched(), now, CONFIG, NY)
    assert (secs[Rating.AGAIN], secs[Rating.HARD], secs[Rating.GOOD]) == (60, 330, 600)
    easy = _rs_state(None, 0, Rating.EASY).interval
    assert states[Rating.EASY].interval_days == int(easy + 0.5)


def test_review_intervals_are_strictly_ordered_and_capped() -> None:
    now = _local(2026, 6, 11, 12, 0)
    for stability in (0.5, 2.0, 10.0, 100.0, 5000.0):
        card = CardSched(
            state=CardState.REVIEW,
            memory=MemoryState(stability, 9.0),
            last_review=now - timedelta(days=3),
            interval_days=3,
        )
        states = preview(card, now, SchedulingConfig(maximum_interval_days=400), NY)
        hard, good, easy = (
            states[r].interval_days for r in (Rating.HARD, Rating.GOOD, Rating.EASY)
        )
        assert 1 <= hard < good < easy <= 400 or easy == 400


def test_lapse_relearning_and_leech() -> None:
    now = _local(2026, 6, 11, 12, 0)
    card = CardSched(
        state=CardState.REVIEW,
        due=now - timedelta(days=1),
        memory=MemoryState(20.0, 7.0),
        last_review=now - timedelta(days=21),
        interval_days=20,
        reps=10,
        lapses=7,
    )
    out = answer_card(card, Rating.AGAIN, now, CONFIG, NY)
    again = _rs_state(card.memory, 21, Rating.AGAIN)
    assert out.card.state == CardState.RELEARNING and out.card.lapses == 8
    assert out.became_leech  # the 8th lapse reaches the default threshold
    assert out.card.interval_days == max(int(again.interval + 0.5), 1)
    assert out.card.due == now + timedelta(minutes=10)
    assert (out.review.kind, out.review.interval_before, out.review.interval_after) == (
        ReviewKind.REVIEW,
        20,
        -600,
    )
    good = answer_card(out.card, Rating.GOOD, now + timedelta(minutes=10), CONFIG, NY)
    assert good.card.state == CardState.REVIEW and good.card.lapses == 8
    assert good.review.kind == ReviewKind.RELEARN and good.review.interval_before == -600
    assert not good.became_leech


@pytest.mark.parametrize(
    ("lapses", "leech"), [(6, False), (7, True), (8, False), (10, False), (11, True), (15, True)]
)
def test_leech_every_half_threshold_after(lapses: int, leech: bool) -> None:
    now = _local(2026, 6, 11, 12, 0)
    card = CardSched(
        state=CardState.REVIEW,
        memory=MemoryState(5.0, 5.0),
        last_review=now - timedelta(days=5),
        interval_days=5,
        lapses=lapses,
    )
    assert answer_card(card, Rating.AGAIN, now, CONFIG, NY).became_leech is leech


def test_review_again_without_relearning_steps_stays_in_review() -> None:
    now = _local(2026, 6, 11, 12, 0)
    config = SchedulingConfig(relearn_steps_minutes=(), fsrs_params=DEFAULT_PARAMS)
    card = CardSched(
        state=CardState.REVIEW,
        memory=MemoryState(40.0, 5.0),
        last_review=now - timedelta(days=40),
        interval_days=40,
    )
    out = answer_card(card, Rating.AGAIN, now, config, NY)
    again = _rs_state(card.memory, 40, Rating.AGAIN)
    assert again.interval >= 0.5
    assert out.card.state == CardState.REVIEW and out.card.lapses == 1
    assert out.card.interval_days == int(again.interval + 0.5)


def test_results_are_frozen() -> None:
    out = answer_card(CardSched(), Rating.GOOD, _local(2026, 6, 11, 12, 0), CONFIG, NY)
    with pytest.raises(FrozenInstanceError):
        out.card.reps = 5  # type: ignore[misc]


def test_card_retrievability() -> None:
    now = _local(2026, 6, 11, 12, 0)
    assert card_retrievability(CardSched(), now, DEFAULT_PARAMS, NY, 4) is None
    card = CardSched(
        state=CardState.REVIEW,
        memory=MemoryState(10.0, 5.0),
        last_review=now - timedelta(days=3, hours=12),
        interval_days=10,
    )
    r = card_retrievability(card, now, DEFAULT_PARAMS, NY, 4)
    assert r == pytest.approx(retrievability(DEFAULT_PARAMS, 10.0, 3.5))
    assert r is not None and 0.9 < r < 1.0
    # Without a last review time: whole days since due - interval, like Anki.
    no_time = CardSched(
        state=CardState.REVIEW,
        memory=MemoryState(10.0, 5.0),
        due=day_start(day_number(now, NY, 4) + 6, NY, 4),
        interval_days=10,
    )
    r4 = card_retrievability(no_time, now, DEFAULT_PARAMS, NY, 4)
    assert r4 == pytest.approx(retrievability(DEFAULT_PARAMS, 10.0, 4.0))


def test_an_answer_prepared_ahead_equals_one_computed_at_once() -> None:
    import random

    from srs.scheduler import prepare_answer

    rng = random.Random(3)
    shown = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # the night the clocks change in Europe
    berlin = ZoneInfo("Europe/Berlin")
    used = 0
    for i in range(400):
        state = rng.choice(list(CardState))
        last = shown - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
        card = CardSched(
            state=state,
            step=rng.randint(0, 2),
            due=None if state == CardState.NEW else last + timedelta(days=rng.randint(1, 30)),
            memory=None
            if state == CardState.NEW
            else MemoryState(rng.uniform(0.5, 90), rng.uniform(1, 10)),
            last_review=None if state == CardState.NEW else last,
            interval_days=0 if state == CardState.NEW else rng.randint(1, 40),
            reps=rng.randint(0, 9),
            lapses=rng.randint(0, 4),
        )
        config = SchedulingConfig(fuzz=rng.random() < 0.8)
        # Answered seconds later, or hours later across a day boundary.
        answered = shown + timedelta(seconds=rng.choice([3, 40, 7 * 3600, 30 * 3600]))
        rating = rng.choice(list(Rating))
        fresh = answer_card(card, rating, answered, config, berlin, rng=random.Random(i))
        prepared = prepare_answer(card, shown, config, berlin, random.Random(i))
        ahead = answer_card(
            card, rating, answered, config, berlin, rng=random.Random(i), prepared=prepared
        )
        assert ahead == fresh
        used += prepared.days == card_elapsed_days(card, answered, berlin, 4)
    assert 100 < used < 400  # both ways were exercised
