"""Unit conversions between Anki's numbers and srs's instants."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.ankipkg.units import (
    _load_json,
    bury_kind,
    convert_due,
    creation_day,
    from_seconds,
    parse_card_data,
    step_index,
)
from srs.clock import day_number, day_start
from srs.domain import BuryKind, CardState

BERLIN = ZoneInfo("Europe/Berlin")


def anki_crt(day: datetime, tz: ZoneInfo | timezone, rollover: int = 4) -> int:
    """Anki's ``col.crt``: the creation day's rollover hour in Anki's zone, in seconds."""
    local = datetime(day.year, day.month, day.day, rollover, tzinfo=tz)
    return int(local.timestamp())


@pytest.mark.parametrize("offset_hours", [-11, -5, 0, 3, 11])
def test_creation_day_survives_a_different_zone(offset_hours: int) -> None:
    crt = anki_crt(datetime(2025, 3, 10), BERLIN)
    ours = timezone(timedelta(hours=offset_hours))
    expected = (datetime(2025, 3, 10).date() - datetime(1970, 1, 1).date()).days
    assert creation_day(crt, ours, 4) == expected


def test_review_due_is_the_start_of_that_local_day() -> None:
    crt = anki_crt(datetime(2025, 1, 1), BERLIN)
    crt_day = creation_day(crt, BERLIN, 4)
    info = convert_due(2, 100, crt_day=crt_day, tz=BERLIN, rollover_hour=4, position=7)
    assert info.state == CardState.REVIEW
    assert info.due == datetime(2025, 4, 11, 4, tzinfo=BERLIN).astimezone(UTC)  # DST-aware
    assert info.new_position == 7
    assert day_number(info.due, BERLIN, 4) == crt_day + 100


def test_learning_due_in_seconds_and_interday_in_days() -> None:
    crt_day = creation_day(anki_crt(datetime(2025, 1, 1), BERLIN), BERLIN, 4)
    intraday = convert_due(
        1, 1_750_000_000, crt_day=crt_day, tz=BERLIN, rollover_hour=4, position=None
    )
    assert intraday.due == from_seconds(1_750_000_000)
    interday = convert_due(1, 3, crt_day=crt_day, tz=BERLIN, rollover_hour=4, position=None)
    assert interday.due == day_start(crt_day + 3, BERLIN, 4)
    relearn = convert_due(
        3, 1_750_000_000, crt_day=crt_day, tz=BERLIN, rollover_hour=4, position=None
    )
    assert relearn.state == CardState.RELEARNING and relearn.due == from_seconds(1_750_000_000)


def test_new_card_keeps_its_position() -> None:
    info = convert_due(0, 42, crt_day=0, tz=UTC, rollover_hour=4, position=None)
    assert (info.state, info.due, info.new_position) == (CardState.NEW, None, 42)


@pytest.mark.parametrize(
    ("left", "steps", "index"),
    [(2, 2, 0), (1, 2, 1), (1002, 2, 0), (2001, 2, 1), (3, 2, 0), (0, 1, 1)],
)
def test_step_index_from_left(left: int, steps: int, index: int) -> None:
    assert step_index(left, steps) == index


def test_queues_to_bury_kinds() -> None:
    assert bury_kind(-2) == BuryKind.SIBLING
    assert bury_kind(-3) == BuryKind.MANUAL
    assert bury_kind(-1) == BuryKind.NONE
    assert bury_kind(2) == BuryKind.NONE


def test_card_data_parsing() -> None:
    data = parse_card_data(
        '{"pos":3,"s":2.5,"d":6.1,"dr":0.85,"decay":0.1542,"lrt":1700000000,"cd":{"x":1}}'
    )
    assert (data.stability, data.difficulty, data.desired_retention, data.decay) == (
        2.5,
        6.1,
        0.85,
        0.1542,
    )
    assert data.last_review == from_seconds(1_700_000_000)
    assert data.position == 3 and data.raw is not None and data.raw["cd"] == {"x": 1}
    assert parse_card_data("") == parse_card_data("not json") == parse_card_data("[1]")
    assert parse_card_data("").stability is None


_JSON_CASES = [
    '{"s":2.5,"d":6.1,"dr":0.9,"decay":0.1542,"lrt":1700000000}',
    ' {"s":1} ',
    '{"s":1}\n',
    '{"s":1} trailing',
    '{"s":1}{"d":2}',
    '{"s":1,"s":2}',
    '{"s":NaN,"d":Infinity}',
    '{"s":01}',
    '{"s":1e400}',
    '{"a":"\\u00e9\\n"}',
    '{"s":',
    "{",
    "[1]",
    "1",
    "-",
    "true",
    "null",
    '"text"',
    "",
]


def _outcome(load: object, text: str) -> str:
    try:
        return "ok " + repr(load(text))  # type: ignore[operator]
    except ValueError:
        return "error"


@pytest.mark.parametrize("text", _JSON_CASES)
def test_fast_json_reads_exactly_what_json_loads_reads(text: str) -> None:
    assert _outcome(_load_json, text) == _outcome(json.loads, text)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
        ),
        max_leaves=8,
    ),
    st.sampled_from(["", " ", "\n", "x", "}", ",1"]),
    st.sampled_from(["", " ", "\t"]),
)
@settings(max_examples=200, deadline=None)
def test_fast_json_agrees_with_json_on_any_value(value: Any, tail: str, head: str) -> None:
    text = head + json.dumps(value, separators=(",", ":")) + tail
    assert _outcome(_load_json, text) == _outcome(json.loads, text)
