"""Provides the study actions that change cards: answer, bury, suspend, flag, reset, and
multi-level undo of all of them. Each action is one transaction that records how to undo it."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from srs.clock import next_day_start
from srs.domain import BuryKind, CardSched
from srs.errors import NotFound, UsageError
from srs.models import Card, Deck, Note, Preset, ReviewLog, UndoEntry
from srs.notes import next_new_position
from srs.study_answer import (
    CARD_COLUMNS,
    UNDO_DEPTH,
    restored_values,
    sched_from_row,
    snapshot,
)
from srs.study_answer import Answered as Answered  # answering lives in srs.study_answer
from srs.study_answer import answer as answer
from srs.study_answer import fuzz_rng as fuzz_rng

_SCHED_COLUMNS = (
    "state", "step", "due", "stability", "difficulty", "last_review", "interval_days", "reps",
    "lapses",
)  # fmt: skip


def preset_for_card(session: Session, card: Card) -> Preset:
    deck = session.get(Deck, card.original_deck_id or card.deck_id)
    if deck is None:
        raise NotFound(f"card {card.id} has no deck")
    return deck.preset


def card_sched(card: Card) -> CardSched:
    """The scheduler's view of a card row."""
    return sched_from_row({name: getattr(card, name) for name in _SCHED_COLUMNS})


def _snapshot(card: Card) -> list[Any]:
    return snapshot({"id": card.id, **{name: getattr(card, name) for name in CARD_COLUMNS}})


def _restore(card: Card, values: dict[str, Any]) -> None:
    for name in CARD_COLUMNS:
        setattr(card, name, values[name])


def _record_undo(
    session: Session,
    action: str,
    now: datetime,
    cards: list[Card],
    notes: list[Note] | None = None,
    revlog_ids: list[int] | None = None,
) -> UndoEntry:
    entry = UndoEntry(
        action=action,
        created_at=now,
        cards_before=[_snapshot(c) for c in cards],
        notes_before=[{"id": n.id, "tags": n.tags} for n in notes or []],
        revlog_ids=list(revlog_ids or []),
    )
    session.add(entry)
    session.flush()
    # Ids only grow, so everything UNDO_DEPTH below the newest is out of reach.
    session.connection().execute(delete(UndoEntry).where(UndoEntry.id <= entry.id - UNDO_DEPTH))
    return entry


def _get_card(session: Session, card_id: int) -> Card:
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound(f"no card with id {card_id}")
    return card


def _apply_sched(card: Card, sched: CardSched, now: datetime) -> None:
    card.state = int(sched.state)
    card.step = sched.step
    card.due = sched.due
    card.stability = sched.memory.stability if sched.memory else None
    card.difficulty = sched.memory.difficulty if sched.memory else None
    card.last_review = sched.last_review
    card.interval_days = sched.interval_days
    card.reps = sched.reps
    card.lapses = sched.lapses
    card.modified_at = now


def bury(session: Session, card_ids: list[int], now: datetime, tz: tzinfo) -> int:
    """Bury cards until the next day starts; returns how many were buried."""
    cards = [_get_card(session, cid) for cid in card_ids]
    _record_undo(session, "bury", now, cards)
    for card in cards:
        preset = preset_for_card(session, card)
        card.buried = int(BuryKind.MANUAL)
        card.buried_until = next_day_start(now, tz, preset.rollover_hour)
        card.modified_at = now
    return len(cards)


def set_suspended(session: Session, card_ids: list[int], suspended: bool, now: datetime) -> int:
    """Suspend or unsuspend cards."""
    cards = [_get_card(session, cid) for cid in card_ids]
    _record_undo(session, "suspend" if suspended else "unsuspend", now, cards)
    for card in cards:
        card.suspended = suspended
        card.modified_at = now
    return len(cards)


def set_flag(session: Session, card_ids: list[int], flag: int, now: datetime) -> int:
    """Set the flag (0 none, 1-7 Anki's colours) of cards."""
    if not 0 <= flag <= 7:
        raise UsageError(f"flag must be 0-7, not {flag}")
    cards = [_get_card(session, cid) for cid in card_ids]
    _record_undo(session, "flag", now, cards)
    for card in cards:
        card.flag = flag
        card.modified_at = now
    return len(cards)


def reset(session: Session, card_ids: list[int], now: datetime) -> int:
    """Forget cards: back to new at the end of the queue; their review log is kept."""
    cards = [_get_card(session, cid) for cid in card_ids]
    _record_undo(session, "reset", now, cards)
    first = next_new_position(session, len(cards))
    for i, card in enumerate(cards):
        _apply_sched(card, CardSched(), now)
        card.new_position = first + i
    return len(cards)


def undo_last(session: Session) -> str | None:
    """Undo the most recent action; returns its name, or None when there is nothing to undo."""
    entry = session.scalars(select(UndoEntry).order_by(UndoEntry.id.desc()).limit(1)).first()
    if entry is None:
        return None
    for snap in entry.cards_before:
        values = restored_values(snap)
        card = session.get(Card, values["id"])
        if card is not None:
            _restore(card, values)
    for snap in entry.notes_before:
        note = session.get(Note, snap["id"])
        if note is not None:
            note.tags = snap["tags"]
    if entry.revlog_ids:
        session.execute(delete(ReviewLog).where(ReviewLog.id.in_(entry.revlog_ids)))
    session.delete(entry)
    return entry.action
