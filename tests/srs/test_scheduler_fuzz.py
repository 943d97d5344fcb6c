"""Fuzz ranges (Anki's own test vectors), learning fuzz, and reproducibility with a seed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.domain import CardSched, CardState, MemoryState, Rating, SchedulingConfig
from srs.scheduler import answer_card, fuzz_range, next_states
from srs.scheduler.fuzz import (
    learning_fuzz_secs,
    minimum_review_fuzz_interval,
    with_review_fuzz,
)

NOW = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)


# (interval, minimum, maximum, at factor 0.0, at 0.5, at 0.99): rslib states/fuzz.rs tests.
ANKI_VECTORS = [
    (1.0, 1, 1000, 1, 1, 1),
    (2.49, 1, 1000, 2, 2, 2),
    (2.5, 1, 1000, 2, 3, 4),
    (7.0, 1, 1000, 5, 7, 9),
    (17.0, 1, 1000, 14, 17, 20),
    (37.0, 1, 1000, 33, 37, 41),
    (2.0, 2, 1000, 2, 2, 2),
    (2.0, 3, 1000, 3, 4, 4),
    (2.0, 3, 3, 3, 3, 3),
    (6.9, 3, 1000, 5, 7, 9),
    (7.0, 3, 1000, 5, 7, 9),
    (7.1, 3, 1000, 5, 7, 9),
    (19.9, 3, 1000, 17, 20, 23),
    (20.0, 3, 1000, 17, 20, 23),
    (20.1, 3, 1000, 17, 20, 23),
    (100.0, 101, 1000, 101, 105, 108),
    (100.0, 1, 99, 92, 96, 99),
    (100.0, 97, 103, 97, 100, 103),
]


@pytest.mark.parametrize(("interval", "lo", "hi", "low", "middle", "high"), ANKI_VECTORS)
def test_review_fuzz_matches_anki_vectors(
    interval: float, lo: int, hi: int, low: int, middle: int, high: int
) -> None:
    assert with_review_fuzz(0.0, interval, lo, hi) == low
    assert with_review_fuzz(0.5, interval, lo, hi) == middle
    assert with_review_fuzz(0.99, interval, lo, hi) == high


def test_no_fuzz_rounds_half_up_and_clamps() -> None:
    assert with_review_fuzz(None, 1.5, 1, 100) == 2
    assert with_review_fuzz(None, 0.1, 1, 100) == 1
    assert with_review_fuzz(None, 101.0, 1, 100) == 100


def test_minimum_review_fuzz_interval_matches_anki_vectors() -> None:
    assert minimum_review_fuzz_interval(2.7269483, 4, 36500) == 4
    assert minimum_review_fuzz_interval(2.7269483, 5, 36500) == 0
    assert minimum_review_fuzz_interval(4.591988, 4, 36500) == 5


@settings(max_examples=300, deadline=None)
@given(
    interval=st.floats(min_value=0.0, max_value=40000.0),
    previous=st.integers(min_value=0, max_value=40000),
    maximum=st.integers(min_value=1, max_value=36500),
)
def test_fuzz_range_is_ordered_and_bounded(interval: float, previous: int, maximum: int) -> None:
    low, high = fuzz_range(interval, previous, maximum)
    assert 1 <= low <= high <= maximum
    if interval < 2.5 and previous < maximum:
        assert high - low <= 1  # no fuzz under 2.5 days (but a floor may add one)
    if round(interval) > previous and previous + 1 <= maximum:
        assert low >= previous + 1  # a grown interval stays above the previous one


@pytest.mark.parametrize("interval", [3.0, 5.0, 7.0, 15.0, 20.0, 100.0, 1000.0])
def test_fuzz_range_widths_follow_the_bands(interval: float) -> None:
    # ANKI_FACTS: 1 day at 2.5 days, +15% of each day up to 7, +10% up to 20, +5% beyond.
    delta = (
        1.0
        + 0.15 * (min(interval, 7.0) - 2.5)
        + 0.10 * max(min(interval, 20.0) - 7.0, 0.0)
        + 0.05 * max(interval - 20.0, 0.0)
    )
    low, high = fuzz_range(interval, 0, 36500)
    assert (low, high) == (int(interval - delta + 0.5), int(interval + delta + 0.5))


@settings(max_examples=200, deadline=None)
@given(secs=st.integers(min_value=0, max_value=5 * 86400), seed=st.integers(0, 2**32))
def test_learning_fuzz_adds_at_most_a_quarter_and_five_minutes(secs: int, seed: int) -> None:
    fuzzed = learning_fuzz_secs(secs, random.Random(seed))
    assert secs <= fuzzed <= secs + min(secs // 4, 300)
    assert learning_fuzz_secs(secs, None) == secs


def _review_card(interval: int, stability: float) -> CardSched:
    last = NOW - timedelta(days=interval)
    return CardSched(
        state=CardState.REVIEW,
        due=NOW - timedelta(hours=1),
        memory=MemoryState(stability, 5.0),
        last_review=last,
        interval_days=interval,
        reps=5,
    )


def test_seeded_fuzz_is_reproducible_and_stays_in_range() -> None:
    config = SchedulingConfig()
    card = _review_card(30, 30.0)
    good = next_states(config.fsrs_params, card.memory, 0.9, 30)[Rating.GOOD].interval
    low, high = fuzz_range(good, 30, config.maximum_interval_days)
    seen = set()
    for seed in range(200):
        a = answer_card(card, Rating.GOOD, NOW, config, UTC, random.Random(seed))
        b = answer_card(card, Rating.GOOD, NOW, config, UTC, random.Random(seed))
        assert a == b
        assert low <= a.card.interval_days <= high
        seen.add(a.card.interval_days)
    assert seen == set(range(low, high + 1))  # every day in the range is reachable
    plain = answer_card(card, Rating.GOOD, NOW, config, UTC)
    assert plain.card.interval_days == round(good)


def test_fuzz_off_in_the_preset_ignores_the_rng() -> None:
    config = SchedulingConfig(fuzz=False)
    card = _review_card(30, 30.0)
    plain = answer_card(card, Rating.GOOD, NOW, config, UTC)
    for seed in range(20):
        assert answer_card(card, Rating.GOOD, NOW, config, UTC, random.Random(seed)) == plain


def test_learning_steps_get_learning_fuzz_only_with_an_rng() -> None:
    config = SchedulingConfig(learn_steps_minutes=(10.0, 60.0))
    new = CardSched()
    plain = answer_card(new, Rating.GOOD, NOW, config, UTC)
    assert plain.card.due == NOW + timedelta(hours=1)
    delays = set()
    for seed in range(100):
        out = answer_card(new, Rating.GOOD, NOW, config, UTC, random.Random(seed))
        assert out.card.due is not None
        delay = (out.card.due - NOW).total_seconds()
        assert 3600 <= delay < 3600 + 300
        assert out.review.interval_after == -3600  # the log keeps the unfuzzed delay
        delays.add(delay)
    assert len(delays) > 50


def test_an_answers_fuzz_source_is_reproducible_and_evenly_spread() -> None:
    from srs.study_answer import fuzz_rng

    assert [fuzz_rng(42, 3).random() for _ in range(2)] == [fuzz_rng(42, 3).random()] * 2
    assert fuzz_rng(42, 3).random() != fuzz_rng(42, 4).random()
    # card ids are epoch ms, close together: neighbouring seeds must not give near draws
    draws = [fuzz_rng(1_764_000_000_000 + i, 0).random() for i in range(20_000)]
    assert all(0.0 <= d < 1.0 for d in draws)
    deciles = [0] * 10
    for d in draws:
        deciles[int(d * 10)] += 1
    assert all(1_800 <= n <= 2_200 for n in deciles), deciles
    neighbours = sum(abs(a - b) < 0.01 for a, b in zip(draws, draws[1:], strict=False))
    assert 300 < neighbours < 500  # about 400 (2%) for independent draws
    source = fuzz_rng(7, 1)
    picks = {source.randrange(600, 750) for _ in range(2_000)}
    assert min(picks) == 600 and max(picks) == 749
    source.seed(7 * 100_003 + 1)  # seeding again starts the same sequence
    assert source.random() == fuzz_rng(7, 1).random()
    with pytest.raises(TypeError, match="int"):
        source.seed("text")
