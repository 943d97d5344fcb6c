"""Provides the study actions that change cards: answer, bury, suspend, flag, reset, and
multi-level undo of all of them. Each action is one transaction that records how to undo it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from srs import scheduler
from srs.clock import next_day_start, to_ms
from srs.domain import (
    AnswerOutcome,
    BuryKind,
    CardSched,
    CardState,
    LeechAction,
    MemoryState,
    Rating,
    SchedulingConfig,
    buried_now,
)
from srs.errors import NotFound, UsageError
from srs.models import Card, Deck, Note, Preset, ReviewLog, UndoEntry
from srs.notes import next_new_position, tags_from_column, tags_to_column

UNDO_DEPTH = 50
# Card columns an action may change, and so what undo restores.
_CARD_COLUMNS = (
    "deck_id", "state", "step", "due", "new_position", "stability", "difficulty", "last_review",
    "interval_days", "ease_factor", "reps", "lapses", "suspended", "buried", "buried_until",
    "flag", "modified_at",
)  # fmt: skip


def preset_for_card(session: Session, card: Card) -> Preset:
    deck = session.get(Deck, card.original_deck_id or card.deck_id)
    if deck is None:
        raise NotFound(f"card {card.id} has no deck")
    return deck.preset


def scheduling_config(preset: Preset) -> SchedulingConfig:
    """The scheduler's view of a preset."""
    return SchedulingConfig(
        learn_steps_minutes=tuple(float(s) for s in preset.learn_steps),
        relearn_steps_minutes=tuple(float(s) for s in preset.relearn_steps),
        desired_retention=preset.desired_retention,
        maximum_interval_days=preset.maximum_interval,
        fsrs_params=tuple(float(p) for p in preset.fsrs_params),
        leech_threshold=preset.leech_threshold,
        leech_action=LeechAction(preset.leech_action),
        rollover_hour=preset.rollover_hour,
    )


def card_sched(card: Card) -> CardSched:
    memory = (
        MemoryState(card.stability, card.difficulty)
        if card.stability is not None and card.difficulty is not None
        else None
    )
    return CardSched(
        state=CardState(card.state),
        step=card.step,
        due=card.due,
        memory=memory,
        last_review=card.last_review,
        interval_days=card.interval_days,
        reps=card.reps,
        lapses=card.lapses,
    )


def _snapshot(card: Card) -> dict[str, Any]:
    out: dict[str, Any] = {"id": card.id}
    for name in _CARD_COLUMNS:
        value = getattr(card, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _restore(card: Card, snap: dict[str, Any]) -> None:
    for name in _CARD_COLUMNS:
        value = snap[name]
        if name in ("due", "last_review", "buried_until", "modified_at") and value is not None:
            value = datetime.fromisoformat(value)
        setattr(card, name, value)


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


@dataclass(frozen=True)
class Answered:
    """What an answer did, for the caller to show."""

    card_id: int
    outcome: AnswerOutcome
    buried_siblings: int
    suspended_as_leech: bool
    deck_id: int = 0
    buried_ids: tuple[int, ...] = ()


def fuzz_rng(card_id: int, reps: int) -> random.Random:
    """The seeded fuzz source for one answer: reproducible per card and repetition."""
    return random.Random(card_id * 100_003 + reps)


def answer(
    session: Session,
    card_id: int,
    rating: Rating,
    now: datetime,
    tz: tzinfo,
    duration_ms: int = 0,
) -> Answered:
    """Answer a card: schedule it, log it, bury siblings, handle leeches; undoable."""
    card = _get_card(session, card_id)
    if card.suspended:
        raise UsageError(f"card {card_id} is suspended")
    preset = preset_for_card(session, card)
    config = scheduling_config(preset)
    until = next_day_start(now, tz, preset.rollover_hour)
    siblings = _siblings_to_bury(session, card, preset, now, until)
    note = card.note
    undo_cards = [card, *siblings]
    before = card_sched(card)
    outcome = scheduler.answer_card(
        before, rating, now, config, tz, rng=fuzz_rng(card.id, card.reps), duration_ms=duration_ms
    )
    undo = _record_undo(session, "answer", now, undo_cards, [note])
    _apply_sched(card, outcome.card, now)
    rec = outcome.review
    log = ReviewLog(
        card_id=card.id,
        reviewed_at=_unique_review_time(session, card.id, rec.reviewed_at),
        rating=rec.rating,
        kind=int(rec.kind),
        interval_before=rec.interval_before,
        interval_after=rec.interval_after,
        factor=rec.factor,
        stability=rec.stability,
        difficulty=rec.difficulty,
        duration_ms=rec.duration_ms,
    )
    session.add(log)
    session.flush()
    undo.revlog_ids = [log.id]
    for sib in siblings:
        sib.buried = int(BuryKind.SIBLING)
        sib.buried_until = until
    suspended = False
    if outcome.became_leech:
        note.tags = tags_to_column([*tags_from_column(note.tags), "leech"])
        if config.leech_action == LeechAction.SUSPEND:
            card.suspended = True
            suspended = True
    return Answered(
        card.id, outcome, len(siblings), suspended, card.deck_id, tuple(s.id for s in siblings)
    )


def _unique_review_time(session: Session, card_id: int, when: datetime) -> datetime:
    """Review times are unique per card (Anki's revlog ids are ms): nudge by 1 ms on clash."""
    conn = session.connection()
    query = text("SELECT 1 FROM revlog WHERE card_id = :card AND reviewed_at = :at")
    while conn.execute(query, {"card": card_id, "at": to_ms(when)}).first() is not None:
        when = when + timedelta(milliseconds=1)
    return when


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


def _siblings_to_bury(
    session: Session, card: Card, preset: Preset, now: datetime, day_end: datetime
) -> list[Card]:
    """Siblings Anki would bury: new ones, reviews due today, interday learning due today."""
    if not (preset.bury_new or preset.bury_reviews or preset.bury_interday_learning):
        return []
    out = []
    for sib in session.scalars(
        select(Card).where(Card.note_id == card.note_id, Card.id != card.id)
    ).all():
        if sib.suspended or buried_now(sib.buried, sib.buried_until, now):
            continue
        state = CardState(sib.state)
        due_today = sib.due is not None and sib.due < day_end
        if (
            (state == CardState.NEW and preset.bury_new)
            or (state == CardState.REVIEW and preset.bury_reviews and due_today)
            or (
                state in (CardState.LEARNING, CardState.RELEARNING)
                and preset.bury_interday_learning
                and due_today
                and sib.due is not None
                and sib.due > now + timedelta(hours=1)
            )
        ):
            out.append(sib)
    return out


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
        card = session.get(Card, snap["id"])
        if card is not None:
            _restore(card, snap)
    for snap in entry.notes_before:
        note = session.get(Note, snap["id"])
        if note is not None:
            note.tags = snap["tags"]
    if entry.revlog_ids:
        session.execute(delete(ReviewLog).where(ReviewLog.id.in_(entry.revlog_ids)))
    session.delete(entry)
    return entry.action
