"""Provides the conversion of a card's scheduling from srs's terms back to Anki's columns:
type, queue, due (position, epoch seconds or day number from the exported ``crt``), left,
ivl, factor, flags and the ``cards.data`` JSON with the FSRS memory state.

This is the inverse of ``srs.ankipkg.units.convert_due`` and friends. What the import kept
of the original card (``extra["anki"]``: ``left``, upper flag bits, the raw ``data``) is
given back where srs's own state still agrees with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from srs.ankipkg.units import QUEUE_MANUALLY_BURIED, QUEUE_SIBLING_BURIED, QUEUE_SUSPENDED
from srs.clock import day_number, day_start
from srs.domain import BuryKind, CardState

QUEUE_NEW = 0
QUEUE_LEARN = 1
QUEUE_REVIEW = 2
QUEUE_DAY_LEARN = 3


@dataclass(frozen=True)
class Timing:
    """The exported collection's day reckoning: creation day, zone, rollover, now."""

    crt_day: int  # srs day number of the exported col.crt
    tz: tzinfo
    rollover_hour: int
    now: datetime

    @property
    def crt(self) -> int:
        """``col.crt``: epoch seconds at which the creation day starts."""
        return int(day_start(self.crt_day, self.tz, self.rollover_hour).timestamp())

    @property
    def creation_offset(self) -> int:
        """``creationOffset``: minutes west of UTC at the creation day's start."""
        start = day_start(self.crt_day, self.tz, self.rollover_hour).astimezone(self.tz)
        offset = start.utcoffset() or timedelta(0)
        return -int(offset.total_seconds() // 60)

    def day(self, at: datetime) -> int:
        """The Anki day number (days since ``crt``) of the day ``at`` falls on."""
        return _local_day(at, self.tz, self.rollover_hour) - self.crt_day

    def is_day_start(self, at: datetime) -> bool:
        """Whether ``at`` is the very start of a scheduling day (an interday due)."""
        day = _local_day(at, self.tz, self.rollover_hour)
        return at == _day_start(day, self.tz, self.rollover_hour)


@lru_cache(maxsize=65536)
def _local_day(at: datetime, tz: tzinfo, rollover_hour: int) -> int:
    return day_number(at, tz, rollover_hour)  # dues repeat: many cards share a day


@lru_cache(maxsize=4096)
def _day_start(day: int, tz: tzinfo, rollover_hour: int) -> datetime:
    return day_start(day, tz, rollover_hour)


def timing_for(now: datetime, tz: tzinfo, rollover_hour: int) -> Timing:
    """A timing whose creation day is today."""
    return Timing(day_number(now, tz, rollover_hour), tz, rollover_hour, now)


@dataclass(frozen=True)
class SrsCard:
    """The scheduling columns of one srs card (instants as aware datetimes)."""

    state: int
    step: int
    due: datetime | None
    new_position: int
    stability: float | None
    difficulty: float | None
    last_review: datetime | None
    interval_days: int
    ease_factor: int
    reps: int
    lapses: int
    suspended: bool
    buried: int
    buried_until: datetime | None
    flag: int
    desired_retention: float | None
    decay: float | None
    extra: dict[str, Any]


@dataclass(frozen=True)
class AnkiSched:
    """An Anki card's scheduling columns."""

    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    flags: int
    data: str


def _from_ms(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def srs_card(row: Any) -> SrsCard:
    """Build an ``SrsCard`` from a raw row (instants in epoch ms, ``extra`` as JSON text)."""
    extra = row.extra
    if isinstance(extra, str):
        extra = json.loads(extra) if extra else {}
    return SrsCard(
        state=int(row.state),
        step=int(row.step),
        due=_from_ms(row.due),
        new_position=int(row.new_position),
        stability=row.stability,
        difficulty=row.difficulty,
        last_review=_from_ms(row.last_review),
        interval_days=int(row.interval_days),
        ease_factor=int(row.ease_factor),
        reps=int(row.reps),
        lapses=int(row.lapses),
        suspended=bool(row.suspended),
        buried=int(row.buried),
        buried_until=_from_ms(row.buried_until),
        flag=int(row.flag),
        desired_retention=row.desired_retention,
        decay=row.decay,
        extra=extra if isinstance(extra, dict) else {},
    )


def _is_interday(card: SrsCard, timing: Timing) -> bool:
    """A (re)learning card due at the start of a later day than its last answer."""
    if card.due is None or not timing.is_day_start(card.due):
        return False
    if card.last_review is None:
        return True
    return timing.day(card.last_review) < timing.day(card.due)


def _left(card: SrsCard, steps_count: int, original: dict[str, Any]) -> int:
    remaining = max(0, steps_count - card.step)
    kept = original.get("left")
    if isinstance(kept, int) and kept % 1000 == remaining:
        return kept
    return remaining


def card_data(card: SrsCard, original: dict[str, Any], *, with_memory: bool = True) -> str:
    """The ``cards.data`` JSON: the original's keys, with the memory state srs holds now."""
    raw = original.get("data")
    data: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {}
    for key in ("s", "d", "dr", "decay", "lrt"):
        data.pop(key, None)
    if with_memory and card.stability is not None and card.difficulty is not None:
        data["s"] = _keep_or_round(raw, "s", card.stability, 4)
        data["d"] = _keep_or_round(raw, "d", card.difficulty, 3)
        if card.desired_retention is not None:
            data["dr"] = _keep_or_round(raw, "dr", card.desired_retention, 2)
        if card.decay is not None:
            data["decay"] = _keep_or_round(raw, "decay", card.decay, 3)
        if card.last_review is not None:
            data["lrt"] = int(card.last_review.timestamp())
    if not data:
        return ""
    return json.dumps(data, separators=(",", ":"))


def _keep_or_round(raw: Any, key: str, value: float, digits: int) -> float:
    if isinstance(raw, dict) and raw.get(key) == value:
        return value  # the original number, exactly as Anki wrote it
    return round(value, digits)


def anki_sched(
    card: SrsCard,
    timing: Timing,
    *,
    learn_steps: int,
    relearn_steps: int,
) -> AnkiSched:
    """Anki's scheduling columns for ``card``.

    Args:
        card: the srs card.
        timing: the exported collection's day reckoning.
        learn_steps: number of learning steps of the card's preset.
        relearn_steps: number of relearning steps of the card's preset.
    """
    original = card.extra.get("anki") if isinstance(card.extra.get("anki"), dict) else {}
    assert isinstance(original, dict)
    state = CardState(card.state) if card.state in (0, 1, 2, 3) else CardState.NEW
    left = 0
    if state == CardState.NEW or card.due is None:
        queue, due = QUEUE_NEW, card.new_position
        state = CardState.NEW if card.due is None else state
    elif state == CardState.REVIEW:
        queue, due = QUEUE_REVIEW, timing.day(card.due)
    else:
        steps = learn_steps if state == CardState.LEARNING else relearn_steps
        left = _left(card, steps, original)
        if _is_interday(card, timing):
            queue, due = QUEUE_DAY_LEARN, timing.day(card.due)
        else:
            queue, due = QUEUE_LEARN, int(card.due.timestamp())
    if card.suspended:
        queue = QUEUE_SUSPENDED
    elif card.buried != BuryKind.NONE and (
        card.buried_until is None or card.buried_until > timing.now
    ):
        queue = QUEUE_MANUALLY_BURIED if card.buried == BuryKind.MANUAL else QUEUE_SIBLING_BURIED
    high_flags = original.get("flags")
    flags = card.flag & 7
    if isinstance(high_flags, int):
        flags |= high_flags & ~7
    return AnkiSched(
        type=int(state),
        queue=queue,
        due=due,
        ivl=card.interval_days,
        factor=card.ease_factor,
        reps=card.reps,
        lapses=card.lapses,
        left=left,
        flags=flags,
        data=card_data(card, original),
    )


def new_card_sched(card: SrsCard) -> AnkiSched:
    """The columns of ``card`` reset to a new card (export without scheduling)."""
    return AnkiSched(0, QUEUE_NEW, card.new_position, 0, 0, 0, 0, 0, 0, "")
