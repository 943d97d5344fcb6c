"""Provides the card updates that follow new parameters: every card's memory state replayed
from its history and, for review cards, the due date moved to the new interval (Anki's
``update_memory_state`` with rescheduling, without fuzz), planned then applied in bulk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

import fsrs_rs_python as fsrs_rs
from sqlalchemy import Integer, func, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from srs.clock import day_start, from_ms, to_ms
from srs.domain import CardState, MemoryState, ReviewKind
from srs.models import Card, ReviewLog
from srs.optimize.history import CardHistory, LogEntry, card_history
from srs.optimize.memory import (
    MemoryInput,
    last_review,
    memory_input,
    memory_states,
    review_interval,
)
from srs.scheduler.answer import stored_memory


@dataclass(frozen=True)
class PresetView:
    """The preset settings a card update reads."""

    deck_ids: list[int]
    desired_retention: float
    maximum_interval: int
    rollover_hour: int


@dataclass
class CardPlan:
    """Planned changes: card column updates and rescheduling log rows."""

    updated: int = 0
    moved: int = 0
    card_rows: list[dict[str, Any]] = field(default_factory=list)
    log_rows: list[dict[str, Any]] = field(default_factory=list)


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


def plan_card_updates(
    session: Session,
    *,
    params: Sequence[float],
    preset: PresetView,
    logs: Mapping[int, Sequence[LogEntry]],
    histories: Mapping[int, CardHistory | None] | None = None,
    tz: tzinfo,
    now: datetime,
    reschedule: bool,
) -> CardPlan:
    """Work out the memory state (and due date) of each non-new card of the preset.

    Cards without usable history lose their memory state (Anki does the same). Review cards
    that are not suspended and have a last answer get ``due = last answer's day + interval``.
    ``histories`` (``card_history(training=False)`` of ``logs``) saves working them out again.
    """
    home = func.coalesce(Card.original_deck_id, Card.deck_id)
    rows = session.execute(
        select(
            Card.id,
            Card.state,
            Card.suspended,
            Card.stability,
            Card.difficulty,
            Card.interval_days,
            type_coerce(Card.due, Integer),
            Card.ease_factor,
            Card.desired_retention,
            Card.decay,
        ).where(home.in_(preset.deck_ids), Card.state != CardState.NEW)
    ).all()
    model = fsrs_rs.FSRS(list(params))
    inputs: list[MemoryInput] = []
    owners: list[int] = []
    for card_id, *_ in rows:
        log = logs.get(card_id)
        if not log:
            continue
        history = histories[card_id] if histories is not None else card_history(log, training=False)
        item = memory_input(history, model)
        if item is not None:
            inputs.append(item)
            owners.append(card_id)
    states = dict(zip(owners, memory_states(params, inputs), strict=True))
    decay = float(params[20]) if len(params) > 20 else None
    plan = CardPlan()
    now_ms = to_ms(now)
    for card_id, state, suspended, s_old, d_old, ivl_old, due_old, ease, dr_old, decay_old in rows:
        memory = states.get(card_id)
        kept: MemoryState | None = None if memory is None else stored_memory(memory)
        change: dict[str, Any] = {}
        if (s_old, d_old) != (
            None if kept is None else kept.stability,
            None if kept is None else kept.difficulty,
        ):
            change["stability"] = None if kept is None else kept.stability
            change["difficulty"] = None if kept is None else kept.difficulty
            plan.updated += 1
        if memory is not None and (dr_old, decay_old) != (preset.desired_retention, decay):
            change["desired_retention"] = preset.desired_retention
            change["decay"] = decay
        log = logs.get(card_id, ())
        last = last_review(log) if log else None
        if reschedule and memory is not None and state == CardState.REVIEW and not suspended:
            if last is not None:
                ivl = review_interval(
                    model,
                    memory.stability,
                    preset.desired_retention,
                    preset.maximum_interval,
                    last.previous_interval,
                )
                due_ms = to_ms(day_start(last.day + ivl, tz, preset.rollover_hour))
                if (ivl_old, due_old) != (ivl, due_ms):
                    change["interval_days"] = ivl
                    change["due"] = from_ms(due_ms)
                    plan.moved += 1
                    plan.log_rows.append(
                        _rescheduled_row(
                            card_id, max(now_ms, log[-1].order + 1), ivl_old, ivl, kept, ease
                        )
                    )
        if change:
            change["id"] = card_id
            change["modified_at"] = now
            plan.card_rows.append(change)
    return plan


def apply_plan(session: Session, plan: CardPlan) -> None:
    """Write a plan in the caller's transaction (bulk updates by primary key)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in plan.card_rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for batch in groups.values():
        session.execute(update(Card), batch)
    if plan.log_rows:
        session.execute(insert(ReviewLog), plan.log_rows)


def _rescheduled_row(
    card_id: int, at_ms: int, before: int, after: int, memory: MemoryState | None, ease: int
) -> dict[str, Any]:
    """The log row Anki writes when FSRS reschedules a card: rating 0, kind "rescheduled",
    factor = difficulty mapped to 100..1100 (truncated, as Anki does)."""
    factor = ease if memory is None else int(((memory.difficulty - 1.0) / 9.0 + 0.1) * 1000)
    return {
        "card_id": card_id,
        "reviewed_at": from_ms(at_ms),
        "rating": 0,
        "kind": int(ReviewKind.RESCHEDULE),
        "interval_before": before,
        "interval_after": after,
        "factor": factor,
        "stability": None if memory is None else memory.stability,
        "difficulty": None if memory is None else memory.difficulty,
        "duration_ms": 0,
    }
