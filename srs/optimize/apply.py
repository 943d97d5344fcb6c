"""Provides the card updates that follow new parameters: every card's memory state replayed
from its history and, for review cards, the due date moved to the new interval (Anki's
``update_memory_state`` with rescheduling, without fuzz), planned then applied in bulk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

import fsrs_rs_python as fsrs_rs
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from srs.clock import day_start, to_ms
from srs.domain import CardState, MemoryState, ReviewKind
from srs.models import Card, ReviewLog
from srs.optimize.memory import (
    CardSummary,
    memory_input,
    memory_states,
    review_interval,
    stored_memories,
)
from srs.optimize.scan import raw_cursor


@dataclass(frozen=True)
class PresetView:
    """The preset settings a card update reads."""

    deck_ids: list[int]
    desired_retention: float
    maximum_interval: int
    rollover_hour: int


@dataclass
class CardPlan:
    """Planned changes: card column updates and rescheduling log rows, as stored values
    (instants as epoch ms). A card row holds ``id`` and the ``cards`` columns that change;
    a log row the ``revlog`` columns of ``LOG_COLUMNS``, in that order."""

    updated: int = 0
    moved: int = 0
    card_rows: list[dict[str, Any]] = field(default_factory=list)
    log_rows: list[tuple[Any, ...]] = field(default_factory=list)


#: The ``revlog`` columns of a planned log row.
LOG_COLUMNS = (
    "card_id",
    "reviewed_at",
    "rating",
    "kind",
    "interval_before",
    "interval_after",
    "factor",
    "stability",
    "difficulty",
    "duration_ms",
)
#: The ``cards`` columns a plan may change.
_CARD_COLUMNS = frozenset(
    {"stability", "difficulty", "desired_retention", "decay", "interval_days", "due"}
)


def history_fingerprint(session: Session, deck_ids: list[int]) -> tuple[Any, ...]:
    """A cheap summary that changes whenever the preset's cards or the review log change
    (rows are only ever added or deleted), to know whether a snapshot is still current."""
    home = func.coalesce(Card.original_deck_id, Card.deck_id)
    logs = session.execute(
        select(func.count(ReviewLog.id), func.max(ReviewLog.id), func.total(ReviewLog.id))
    ).one()
    cards = session.execute(
        select(func.count(Card.id), func.total(Card.id), func.total(Card.state)).where(
            home.in_(deck_ids)
        )
    ).one()
    return (*logs, *cards)


#: Per card: its memory state under some parameters, and that state as stored (rounded).
Memories = Mapping[int, tuple[MemoryState, MemoryState]]
_NO_MEMORY: tuple[None, None] = (None, None)  # a card without usable history


def card_memories(
    params: Sequence[float],
    cards: Mapping[int, CardSummary],
    reviews: Mapping[int, tuple[fsrs_rs.FSRSReview, ...]],
) -> dict[int, tuple[MemoryState, MemoryState]]:
    """The memory state of each card in ``cards`` under ``params`` (replayed from its
    history by fsrs-rs), with its stored form; ``reviews`` as for ``plan_card_updates``."""
    model = fsrs_rs.FSRS(list(params))
    owners = list(cards)
    computed = memory_states(
        params, [memory_input(cards[card_id], model, reviews[card_id]) for card_id in owners]
    )
    return dict(zip(owners, zip(computed, stored_memories(computed), strict=True), strict=True))


def plan_card_updates(
    session: Session,
    *,
    params: Sequence[float],
    preset: PresetView,
    cards: Mapping[int, CardSummary],
    reviews: Mapping[int, tuple[fsrs_rs.FSRSReview, ...]],
    tz: tzinfo,
    now: datetime,
    reschedule: bool,
    counts_only: bool = False,
    memories: Memories | None = None,
) -> CardPlan:
    """Work out the memory state (and due date) of each non-new card of the preset.

    ``cards`` summarises the log of every card with usable history (``scan.read_scan``),
    ``reviews`` holds their reviews as fsrs-rs reviews (``scan.Scan.reviews``);
    ``memories``, if given, is ``card_memories`` of them under ``params``, worked out before.
    Cards without usable history lose their memory state (Anki does the same). Review cards
    that are not suspended and have a last answer get ``due = last answer's day + interval``.
    With ``counts_only`` (a dry run) the plan holds only the counts, not the rows to write.
    """
    home = func.coalesce(Card.original_deck_id, Card.deck_id)
    cursor = raw_cursor(  # stored values: due as epoch ms, suspended as 0/1
        session,
        select(
            Card.id,
            Card.state,
            Card.suspended,
            Card.stability,
            Card.difficulty,
            Card.interval_days,
            Card.due,
            Card.ease_factor,
            Card.desired_retention,
            Card.decay,
        ).where(home.in_(preset.deck_ids), Card.state != int(CardState.NEW)),
    )
    try:
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    finally:
        cursor.close()
    model = fsrs_rs.FSRS(list(params))
    if memories is None:
        memories = card_memories(
            params, {row[0]: cards[row[0]] for row in rows if row[0] in cards}, reviews
        )
    decay = float(params[20]) if len(params) > 20 else None
    plan = CardPlan()
    now_ms = to_ms(now)
    due_of_day: dict[int, int] = {}  # epoch ms of a local day's start, per day
    for card_id, state, suspended, s_old, d_old, ivl_old, due_old, ease, dr_old, decay_old in rows:
        memory, kept = memories.get(card_id, _NO_MEMORY)
        change: dict[str, Any] = {}
        if (s_old, d_old) != (
            None if kept is None else kept.stability,
            None if kept is None else kept.difficulty,
        ):
            plan.updated += 1
            if not counts_only:
                change["stability"] = None if kept is None else kept.stability
                change["difficulty"] = None if kept is None else kept.difficulty
        if (
            not counts_only
            and memory is not None
            and (dr_old, decay_old) != (preset.desired_retention, decay)
        ):
            change["desired_retention"] = preset.desired_retention
            change["decay"] = decay
        if reschedule and memory is not None and state == CardState.REVIEW and not suspended:
            summary = cards[card_id]
            last = summary.last
            if last is not None:
                ivl = review_interval(
                    model,
                    memory.stability,
                    preset.desired_retention,
                    preset.maximum_interval,
                    last.previous_interval,
                )
                day = last.day + ivl
                due_ms = due_of_day.get(day)
                if due_ms is None:
                    due_ms = due_of_day[day] = to_ms(day_start(day, tz, preset.rollover_hour))
                if (ivl_old, due_old) != (ivl, due_ms):
                    plan.moved += 1
                    if counts_only:
                        continue
                    change["interval_days"] = ivl
                    change["due"] = due_ms
                    plan.log_rows.append(
                        _rescheduled_row(
                            card_id, max(now_ms, summary.last_order + 1), ivl_old, ivl, kept, ease
                        )
                    )
        if change:
            change["id"] = card_id
            change["modified_at"] = now_ms
            plan.card_rows.append(change)
    return plan


def apply_plan(session: Session, plan: CardPlan) -> None:
    """Write a plan in the caller's transaction: one ``executemany`` per set of changed
    columns (updates by primary key), one for the log rows."""
    connection = session.connection()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in plan.card_rows:
        groups.setdefault(tuple(row), []).append(row)  # same changes, same key order
    for keys, batch in groups.items():
        columns = [key for key in keys if key != "id"]
        if not set(columns) <= _CARD_COLUMNS | {"modified_at"}:
            raise ValueError(f"a card update plan names unknown columns: {columns}")
        assignments = ", ".join(f"{column} = ?" for column in columns)
        connection.exec_driver_sql(
            f"UPDATE cards SET {assignments} WHERE id = ?",
            [tuple(row[column] for column in (*columns, "id")) for row in batch],
        )
    if plan.log_rows:
        connection.exec_driver_sql(
            f"INSERT INTO revlog ({', '.join(LOG_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(LOG_COLUMNS))})",
            plan.log_rows,
        )


def _rescheduled_row(
    card_id: int, at_ms: int, before: int, after: int, memory: MemoryState | None, ease: int
) -> tuple[Any, ...]:
    """The log row Anki writes when FSRS reschedules a card (``LOG_COLUMNS``): rating 0,
    kind "rescheduled", factor = difficulty mapped to 100..1100 (truncated, as Anki does)."""
    factor = ease if memory is None else int(((memory.difficulty - 1.0) / 9.0 + 0.1) * 1000)
    return (
        card_id,
        at_ms,
        0,
        int(ReviewKind.RESCHEDULE),
        before,
        after,
        factor,
        None if memory is None else memory.stability,
        None if memory is None else memory.difficulty,
        0,
    )
