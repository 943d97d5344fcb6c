"""Provides conversions between Anki's units and srs's: due numbers, queues, steps, memory.

Anki stores a card's due as a position (new), epoch seconds (intraday learning) or a day
number counted from the collection's creation day ``crt`` (review, interday learning); a
day begins at the rollover hour. srs stores absolute UTC instants, the start of the local
scheduling day for day-based dues (``srs.clock.day_start``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, NamedTuple

from srs.clock import day_number, day_start
from srs.domain import BuryKind, CardState

# A due above this is epoch seconds, below it a day number (Anki uses the same cut-off).
EPOCH_SECONDS_CUTOFF = 1_000_000_000
QUEUE_SUSPENDED = -1
QUEUE_SIBLING_BURIED = -2
QUEUE_MANUALLY_BURIED = -3
_STATES = tuple(CardState)  # indexed by cards.type, without calling the enum per card


def from_seconds(secs: int | float) -> datetime:
    """Aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(secs, UTC)


def creation_day(crt: int, tz: tzinfo, rollover_hour: int) -> int:
    """The srs day number of the collection's creation day.

    ``crt`` is the start of Anki's creation day (its rollover hour, in Anki's zone). Half a
    day is added before taking the day so that a zone differing from Anki's by less than
    twelve hours still lands on the same calendar day.
    """
    return day_number(from_seconds(crt) + timedelta(hours=12), tz, rollover_hour)


@lru_cache(maxsize=8192)
def day_due(anki_day: int, crt_day: int, tz: tzinfo, rollover_hour: int) -> datetime:
    """The instant a day-numbered due (days since the creation day) starts."""
    return day_start(crt_day + anki_day, tz, rollover_hour)


@lru_cache(maxsize=8192)
def day_due_ms(anki_day: int, crt_day: int, tz: tzinfo, rollover_hour: int) -> int:
    """``day_due`` as epoch milliseconds."""
    return int(day_due(anki_day, crt_day, tz, rollover_hour).timestamp()) * 1000


def bury_kind(queue: int) -> BuryKind:
    """Anki's queue as srs's bury kind."""
    if queue == QUEUE_SIBLING_BURIED:
        return BuryKind.SIBLING
    if queue == QUEUE_MANUALLY_BURIED:
        return BuryKind.MANUAL
    return BuryKind.NONE


def step_index(left: int, steps_count: int) -> int:
    """Steps already passed, from Anki's ``left`` (steps remaining in its last 3 digits)."""
    remaining = left % 1000
    return max(0, steps_count - remaining)


class CardData(NamedTuple):
    """The parsed ``cards.data`` JSON: FSRS memory state and friends (``lrt`` in seconds)."""

    stability: float | None = None
    difficulty: float | None = None
    desired_retention: float | None = None
    decay: float | None = None
    lrt: int | None = None
    position: int | None = None
    raw: dict[str, Any] | None = None

    @property
    def last_review(self) -> datetime | None:
        return from_seconds(self.lrt) if self.lrt else None


_EMPTY_DATA = CardData()


_NUMBERS = (int, float)


def _num(value: Any) -> float | None:
    return float(value) if value.__class__ in _NUMBERS else None


# json's C scanner, called directly: ``json.loads`` costs twice as much per call in Python
# wrappers, and a package has one ``cards.data`` per card
_scan_json: Any = getattr(json.JSONDecoder(), "scan_once")  # noqa: B009 - untyped attribute


def _load_json(text: str) -> Any:
    """``json.loads(text)``, faster for text that is exactly one JSON value."""
    try:
        value, end = _scan_json(text, 0)
    except (StopIteration, ValueError):
        end = -1
    if end == len(text):
        return value
    return json.loads(text)  # surrounding blanks, or invalid: json.loads decides


def parse_card_data(text: str) -> CardData:
    """Parse ``cards.data``; unreadable or empty data gives an empty ``CardData``."""
    if not text:
        return _EMPTY_DATA
    try:
        raw = _load_json(text)
    except ValueError:
        return _EMPTY_DATA
    if raw.__class__ is not dict:
        return _EMPTY_DATA
    get = raw.get
    lrt = get("lrt")
    pos = get("pos")
    return CardData(
        _num(get("s")),
        _num(get("d")),
        _num(get("dr")),
        _num(get("decay")),
        lrt if isinstance(lrt, int) and lrt > 0 else None,
        pos if isinstance(pos, int) else None,
        raw,
    )


class DueInfo(NamedTuple):
    """A card's due in srs terms."""

    state: CardState
    due: datetime | None
    new_position: int


def convert_due(
    card_type: int, due: int, *, crt_day: int, tz: tzinfo, rollover_hour: int, position: int | None
) -> DueInfo:
    """Convert an Anki card's (home) due to srs's.

    Args:
        card_type: ``cards.type`` (0 new, 1 learning, 2 review, 3 relearning).
        due: the home due (``odue`` if the card sits in a filtered deck).
        crt_day: ``creation_day`` of the collection.
        tz: the local zone days are counted in.
        rollover_hour: the hour a day starts.
        position: the original new position from ``cards.data`` (``pos``), if any.
    """
    state = _STATES[card_type] if 0 <= card_type <= 3 else CardState.NEW
    if state == CardState.NEW:
        return DueInfo(state, None, due)
    if state in (CardState.LEARNING, CardState.RELEARNING) and due > EPOCH_SECONDS_CUTOFF:
        when = from_seconds(due)
    else:
        when = day_due(due, crt_day, tz, rollover_hour)
    return DueInfo(state, when, position or 0)
