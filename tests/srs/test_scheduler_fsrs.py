"""The FSRS model in srs.scheduler against fsrs-rs (fsrs_rs_python wraps the crate Anki uses)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import fsrs_rs_python as fsrs_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.domain import MemoryState, Rating
from srs.errors import UsageError
from srs.scheduler import (
    DEFAULT_PARAMS,
    init_memory,
    memory_from_history,
    memory_from_sm2,
    next_memory,
    next_states,
    params_or_default,
    retrievability,
)

REL = 1e-4

ratings = st.sampled_from(list(Rating))
stabilities = st.floats(min_value=0.01, max_value=3000.0)
difficulties = st.floats(min_value=1.0, max_value=10.0)
retentions = st.floats(min_value=0.7, max_value=0.97)
days = st.integers(min_value=0, max_value=400)
histories = st.lists(st.tuples(ratings, days), min_size=1, max_size=30)

# FSRS-4.5 (17) and FSRS-5 (19) parameter sets, as presets upgraded from older Anki carry.
FSRS45 = (
    0.4872, 1.4003, 3.7145, 13.8206, 5.1618, 1.2298, 0.8975, 0.031, 1.6474, 0.1367,
    1.0461, 2.1072, 0.0793, 0.3246, 1.587, 0.2272, 2.8755,
)  # fmt: skip
FSRS5 = (
    0.40255, 1.18385, 3.173, 15.69105, 7.1949, 0.5345, 1.4604, 0.0046, 1.54575, 0.1192,
    1.01925, 1.9395, 0.11, 0.29605, 2.2698, 0.2315, 2.9898, 0.51655, 0.6621,
)  # fmt: skip
TRAINED6 = (
    0.1, 2.0, 4.5, 20.0, 6.0, 0.6, 2.5, 0.01, 1.7, 0.2, 0.9, 1.6, 0.08, 0.3, 1.5,
    0.5, 2.2, 0.4, 0.2, 0.1, 0.3,
)  # fmt: skip
PARAM_SETS = [(), DEFAULT_PARAMS, FSRS45, FSRS5, TRAINED6]


def _rs(params: Sequence[float]) -> fsrs_rs.FSRS:
    return fsrs_rs.FSRS(list(params))


def _close(mine: MemoryState, theirs: fsrs_rs.MemoryState) -> None:
    assert mine.stability == pytest.approx(theirs.stability, rel=REL)
    assert mine.difficulty == pytest.approx(theirs.difficulty, rel=REL)


def test_default_params_are_the_crate_defaults() -> None:
    assert DEFAULT_PARAMS == tuple(fsrs_rs.DEFAULT_PARAMETERS)
    assert len(DEFAULT_PARAMS) == 21
    assert params_or_default([]) == DEFAULT_PARAMS


@pytest.mark.parametrize("params", [FSRS45, FSRS5])
def test_older_parameter_sets_are_converted_like_fsrs_rs(params: tuple[float, ...]) -> None:
    converted = params_or_default(params)
    assert len(converted) == 21
    # The converted 21 parameters must make fsrs-rs behave as the original set does.
    rs_old, rs_new = _rs(params), _rs(converted)
    for memory, elapsed in (
        (None, 0),
        (fsrs_rs.MemoryState(5.0, 6.0), 0),
        (fsrs_rs.MemoryState(5.0, 6.0), 3),
    ):
        old = rs_old.next_states(memory, 0.9, elapsed)
        new = rs_new.next_states(memory, 0.9, elapsed)
        for x, y in (
            (old.again, new.again),
            (old.hard, new.hard),
            (old.good, new.good),
            (old.easy, new.easy),
        ):
            assert x.memory.stability == pytest.approx(y.memory.stability, rel=1e-5)
            assert x.memory.difficulty == pytest.approx(y.memory.difficulty, rel=1e-5)
            assert x.interval == pytest.approx(y.interval, rel=1e-5)


@pytest.mark.parametrize("length", [1, 16, 18, 20, 22])
def test_bad_parameter_counts_are_refused(length: int) -> None:
    with pytest.raises(UsageError, match="expected 17, 19 or 21"):
        params_or_default([0.5] * length)


def test_non_finite_parameters_are_refused() -> None:
    bad = list(DEFAULT_PARAMS)
    bad[3] = math.nan
    with pytest.raises(UsageError, match="finite"):
        params_or_default(bad)


@pytest.mark.parametrize("params", PARAM_SETS)
def test_init_memory_matches_fsrs_rs(params: tuple[float, ...]) -> None:
    states = _rs(params).next_states(None, 0.9, 0)
    for rating, item in zip(
        Rating, (states.again, states.hard, states.good, states.easy), strict=True
    ):
        _close(init_memory(params, rating), item.memory)
        _close(next_memory(params, None, 5, rating), item.memory)


@settings(max_examples=300, deadline=None)
@given(
    params=st.sampled_from(PARAM_SETS),
    s=stabilities,
    d=difficulties,
    elapsed=days,
    dr=retentions,
)
def test_next_states_match_fsrs_rs(
    params: tuple[float, ...], s: float, d: float, elapsed: int, dr: float
) -> None:
    theirs = _rs(params).next_states(fsrs_rs.MemoryState(s, d), dr, elapsed)
    for rating, item in zip(
        Rating, (theirs.again, theirs.hard, theirs.good, theirs.easy), strict=True
    ):
        mine = next_memory(params, MemoryState(s, d), elapsed, rating)
        _close(mine, item.memory)
        states = next_states(params, MemoryState(s, d), dr, elapsed)
        assert states[rating].interval == pytest.approx(item.interval, rel=REL)


@settings(max_examples=200, deadline=None)
@given(params=st.sampled_from(PARAM_SETS), history=histories)
def test_memory_from_history_matches_fsrs_rs(
    params: tuple[float, ...], history: list[tuple[Rating, int]]
) -> None:
    item = fsrs_rs.FSRSItem([fsrs_rs.FSRSReview(int(r), d) for r, d in history])
    theirs = _rs(params).memory_state(item)
    mine = memory_from_history(params, history)
    assert mine is not None
    _close(mine, theirs)


@settings(max_examples=100, deadline=None)
@given(history=histories, s=stabilities, d=difficulties)
def test_memory_from_history_with_a_starting_state(
    history: list[tuple[Rating, int]], s: float, d: float
) -> None:
    item = fsrs_rs.FSRSItem([fsrs_rs.FSRSReview(int(r), d) for r, d in history])
    theirs = _rs(DEFAULT_PARAMS).memory_state(item, fsrs_rs.MemoryState(s, d))
    mine = memory_from_history(DEFAULT_PARAMS, history, MemoryState(s, d))
    assert mine is not None
    _close(mine, theirs)


def test_memory_from_empty_history() -> None:
    assert memory_from_history(DEFAULT_PARAMS, []) is None
    start = MemoryState(3.0, 4.0)
    assert memory_from_history(DEFAULT_PARAMS, [], start) == start


@settings(max_examples=200, deadline=None)
@given(
    params=st.sampled_from(PARAM_SETS),
    ease=st.floats(min_value=1.3, max_value=5.0),
    interval=st.floats(min_value=0.0, max_value=3650.0),
    retention=st.floats(min_value=0.75, max_value=0.95),
)
def test_memory_from_sm2_matches_fsrs_rs(
    params: tuple[float, ...], ease: float, interval: float, retention: float
) -> None:
    theirs = _rs(params).memory_state_from_sm2(ease, interval, retention)
    _close(memory_from_sm2(params, ease, interval, retention), theirs)


@settings(max_examples=200, deadline=None)
@given(params=st.sampled_from(PARAM_SETS), s=stabilities, dr=retentions)
def test_retrievability_at_the_interval_is_the_desired_retention(
    params: tuple[float, ...], s: float, dr: float
) -> None:
    interval = _rs(params).next_interval(s, dr, 3)
    assert retrievability(params, s, interval) == pytest.approx(dr, rel=1e-4)
    assert retrievability(params, s, 0.0) == 1.0
    assert retrievability(params, s, interval * 2) < dr


def test_retrievability_matches_py_fsrs() -> None:
    from datetime import UTC, datetime, timedelta

    import fsrs as py_fsrs

    scheduler = py_fsrs.Scheduler(parameters=DEFAULT_PARAMS)
    reviewed = datetime(2026, 1, 1, tzinfo=UTC)
    card = py_fsrs.Card(stability=7.5, difficulty=5.0, last_review=reviewed)
    for days_later in (1, 7, 30, 365):  # py-fsrs counts whole days
        theirs = scheduler.get_card_retrievability(card, reviewed + timedelta(days=days_later))
        assert retrievability(DEFAULT_PARAMS, 7.5, days_later) == pytest.approx(theirs, rel=1e-6)
