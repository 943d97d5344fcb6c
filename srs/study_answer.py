"""Provides ``answer``: answering a card in one transaction (schedule it, log it, bury its
siblings, handle a leech, record how to undo it), written in plain SQL because it runs after
every key press in the review screen: about ten statements and no ORM objects."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple, overload

from srs import scheduler
from srs.clock import from_ms, next_day_start, to_ms
from srs.domain import (
    AnswerOutcome,
    BuryKind,
    CardSched,
    CardState,
    LeechAction,
    MemoryState,
    Rating,
    ReviewRecord,
    SchedulingConfig,
    buried_now,
)
from srs.errors import NotFound, UsageError
from srs.notes import tags_from_column, tags_to_column

UNDO_DEPTH = 50
# Card columns an action may change, and so what undo restores. Undo stores a card as the
# array of its id and these values in this order: a change here needs a migration that
# empties the undo table.
CARD_COLUMNS = (
    "deck_id", "state", "step", "due", "new_position", "stability", "difficulty", "last_review",
    "interval_days", "ease_factor", "reps", "lapses", "suspended", "buried", "buried_until",
    "flag", "modified_at",
)  # fmt: skip
INSTANT_COLUMNS = frozenset({"due", "last_review", "buried_until", "modified_at"})
BOOL_COLUMNS = frozenset({"suspended"})
_CARD_SELECT = ", ".join(f"c.{name}" for name in ("id", "note_id", *CARD_COLUMNS))
PRESET_SELECT = (
    "p.learn_steps, p.relearn_steps, p.desired_retention, p.maximum_interval, p.fsrs_params, "
    "p.leech_threshold, p.leech_action, p.rollover_hour, p.bury_new, p.bury_reviews, "
    "p.bury_interday_learning"
)
# The preset ``p`` of card ``c`` is its home deck's: a card in a filtered deck keeps its own.
PRESET_JOIN = (
    "JOIN decks home ON home.id = coalesce(nullif(c.original_deck_id, 0), c.deck_id) "
    "JOIN presets p ON p.id = home.preset_id"
)


class Answered(NamedTuple):
    """What an answer did, for the caller to show."""

    card_id: int
    outcome: AnswerOutcome
    buried_siblings: int
    suspended_as_leech: bool
    deck_id: int = 0
    buried_ids: tuple[int, ...] = ()


class KnownCard(NamedTuple):
    """A card's answer inputs, read with its view and valid while the collection's
    generation is unchanged: its columns (``CARD_COLUMNS`` with id and note id), its note's
    tags, its preset, what undo keeps of the card and of its note as JSON, and the
    scheduler's preparation. Serves one answer (the preparation holds a part-drawn fuzz
    source)."""

    card: dict[str, Any]
    note_tags: str
    preset: PresetRow
    snapshot_json: str
    notes_json: str
    prepared: scheduler.Prepared


def know_card(
    card: dict[str, Any],
    note_tags: str,
    preset: PresetRow,
    now: datetime,
    tz: tzinfo,
    sched: CardSched | None = None,
) -> KnownCard:
    """What ``answer`` would read and work out for ``card`` first, done now (``sched`` is
    ``sched_from_row(card)`` if the caller has it)."""
    prepared = scheduler.prepare_answer(
        sched if sched is not None else sched_from_row(card),
        now,
        preset.config(),
        tz,
        fuzz_rng(card["id"], card["reps"]),
    )
    return KnownCard(
        card, note_tags, preset, snapshot_json(card), _notes_json(card, note_tags), prepared
    )


def fuzz_rng(card_id: int, reps: int) -> random.Random:
    """The seeded fuzz source for one answer: reproducible per card and repetition."""
    return FuzzSource(card_id * 100_003 + reps)


_MASK64 = (1 << 64) - 1


class FuzzSource(random.Random):
    """A seeded source of one answer's fuzz: SplitMix64, which is seeded in one step.

    Seeding Mersenne Twister (``random.Random(seed)``) costs more than the rest of working
    out an answer's fuzzed intervals, and an answer draws once or twice. The draws only
    need to be reproducible and evenly spread. Overriding ``random`` alone is the
    documented way to subclass ``Random``; ``randrange`` then draws through it."""

    def __init__(self, seed: int = 0) -> None:
        self._state = seed & _MASK64

    def seed(self, a: Any = None, version: int = 2) -> None:
        # an int only: hash() of text changes from one process to the next
        if not isinstance(a, int):
            raise TypeError(f"a fuzz source is seeded with an int, not {type(a).__name__}")
        self._state = a & _MASK64

    def getstate(self) -> Any:
        return self._state

    def setstate(self, state: Any) -> None:
        self._state = int(state)

    def random(self) -> float:
        z = self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return ((z ^ (z >> 31)) >> 11) * (1.0 / (1 << 53))


SNAPSHOT_KEYS = ("id", *CARD_COLUMNS)
_snapshot_values = itemgetter(*SNAPSHOT_KEYS)
_encode = json.JSONEncoder(check_circular=False, separators=(",", ":")).encode


def snapshot(row: Mapping[str, Any]) -> list[Any]:
    """A card (its columns by name; instants as epoch ms or datetimes) as undo stores it:
    its ``SNAPSHOT_KEYS`` values in that order, instants as epoch ms."""
    return [
        to_ms(value) if isinstance(value, datetime) else value for value in _snapshot_values(row)
    ]


def snapshot_json(row: Mapping[str, Any]) -> str:
    """``snapshot(row)`` as JSON, for a row as the database holds it (instants are epoch ms
    there): made for every card shown, so without the per-column tests."""
    return _encode(_snapshot_values(row))


def _notes_json(card: Mapping[str, Any], note_tags: str) -> str:
    """What undo keeps of the card's note: its tags (a leech gets one)."""
    return json.dumps([{"id": card["note_id"], "tags": note_tags}])


def restored_values(snap: list[Any] | dict[str, Any]) -> dict[str, Any]:
    """A card's columns by name from what undo stored (``snapshot``; an object with ISO
    instants in entries that earlier versions wrote), instants as datetimes."""
    named = snap if isinstance(snap, dict) else dict(zip(SNAPSHOT_KEYS, snap, strict=True))
    out = dict(named)
    for name in INSTANT_COLUMNS:
        value = named[name]
        if isinstance(value, int):
            out[name] = from_ms(value)
        elif isinstance(value, str):
            out[name] = datetime.fromisoformat(value)
    for name in BOOL_COLUMNS:
        out[name] = bool(named[name])
    return out


def answer(
    db: sqlite3.Connection,
    card_id: int,
    rating: Rating,
    now: datetime,
    tz: tzinfo,
    duration_ms: int = 0,
    known: KnownCard | None = None,
) -> Answered:
    """Answer a card: schedule it, log it, bury siblings, handle leeches; undoable.

    Args:
        db: a plain sqlite3 connection inside a write transaction (``Store.raw_write``).
        card_id: the card.
        rating: the button pressed.
        now: the answer time.
        tz: the user's time zone.
        duration_ms: time taken to answer.
        known: the card as read with its view (``know_card``), when the caller knows nothing
            has changed since (same generation); otherwise it is read here.

    Raises:
        NotFound: no such card.
        UsageError: the card is suspended.
    """
    if known is not None and known.card["id"] == card_id:
        card, note_tags, preset = known.card, known.note_tags, known.preset
        card_json, notes_json, prepared = known.snapshot_json, known.notes_json, known.prepared
    else:
        card, note_tags, preset = _read(db, card_id)
        card_json, notes_json, prepared = snapshot_json(card), _notes_json(card, note_tags), None
    if card["suspended"]:
        raise UsageError(f"card {card_id} is suspended")
    config = preset.config()
    # The day's end, only when the preset buries siblings (it is when their burial ends).
    until = None
    if preset.bury_new or preset.bury_reviews or preset.bury_interday_learning:
        until = next_day_start(now, tz, preset.rollover_hour)
    siblings = [] if until is None else _siblings_to_bury(db, card, preset, now, until)
    # the preparation was made from this row
    before = prepared.card if prepared is not None else sched_from_row(card)
    outcome = scheduler.answer_card(
        before,
        rating,
        now,
        config,
        tz,
        rng=fuzz_rng(card_id, card["reps"]) if prepared is None else None,
        duration_ms=duration_ms,
        prepared=prepared,
    )
    log_id = _log(db, card_id, outcome.review)
    undo_id = db.execute(
        "INSERT INTO undo (action, created_at, cards_before, notes_before, revlog_ids) "
        "VALUES ('answer', ?, ?, ?, ?)",
        (
            to_ms(now),
            "[" + ",".join([card_json, *(snapshot_json(s) for s in siblings)]) + "]",
            notes_json,
            f"[{log_id}]",
        ),
    ).lastrowid
    # Ids only grow, so everything UNDO_DEPTH below the newest is out of reach.
    db.execute("DELETE FROM undo WHERE id <= ?", (int(undo_id or 0) - UNDO_DEPTH,))
    new = outcome.card
    suspended = outcome.became_leech and config.leech_action == LeechAction.SUSPEND
    memory = new.memory
    values = (
        new.step,
        _ms(new.due),
        memory.stability if memory else None,
        memory.difficulty if memory else None,
        _ms(new.last_review),
        new.interval_days,
        new.reps,
        new.lapses,
        to_ms(now),
        int(suspended),
        card_id,
    )
    # SQLite rewrites a row's entry in every index on a column an UPDATE sets, changed or
    # not: a review that stays a review leaves the index of new cards alone this way.
    if int(new.state) == card["state"]:
        db.execute(_UPDATE_SAME_STATE, values)
    else:
        db.execute(_UPDATE, (int(new.state), *values))
    if siblings and until is not None:
        db.execute(
            f"UPDATE cards SET buried = ?, buried_until = ? "
            f"WHERE id IN ({','.join('?' * len(siblings))})",
            (int(BuryKind.SIBLING), to_ms(until), *(s["id"] for s in siblings)),
        )
    if outcome.became_leech:
        db.execute(
            "UPDATE notes SET tags = ? WHERE id = ?",
            (tags_to_column([*tags_from_column(note_tags), "leech"]), card["note_id"]),
        )
    return Answered(
        card_id,
        outcome,
        len(siblings),
        suspended,
        card["deck_id"],
        tuple(s["id"] for s in siblings),
    )


_UPDATE_SAME_STATE = (
    "UPDATE cards SET step = ?, due = ?, stability = ?, difficulty = ?, last_review = ?, "
    "interval_days = ?, reps = ?, lapses = ?, modified_at = ?, suspended = ? WHERE id = ?"
)
_UPDATE = _UPDATE_SAME_STATE.replace("SET step", "SET state = ?, step")


def _read(db: sqlite3.Connection, card_id: int) -> tuple[dict[str, Any], str, PresetRow]:
    found = db.execute(
        f"SELECT {_CARD_SELECT}, n.tags, {PRESET_SELECT} FROM cards c "
        f"JOIN notes n ON n.id = c.note_id {PRESET_JOIN} WHERE c.id = ?",
        (card_id,),
    ).fetchone()
    if found is None:
        raise NotFound(f"no card with id {card_id}")
    width = 2 + len(CARD_COLUMNS)
    card = dict(zip(("id", "note_id", *CARD_COLUMNS), found[:width], strict=True))
    return card, found[width], PresetRow(*found[width + 1 :])


class PresetRow(NamedTuple):
    """A preset's scheduling columns as ``PRESET_SELECT`` reads them (JSON as text)."""

    learn_steps: str
    relearn_steps: str
    desired_retention: float
    maximum_interval: int
    fsrs_params: str
    leech_threshold: int
    leech_action: str
    rollover_hour: int
    bury_new: int
    bury_reviews: int
    bury_interday_learning: int

    def config(self) -> SchedulingConfig:
        """The scheduler's view of the preset (parsed once per distinct row: every answer
        and every card shown asks for it)."""
        return _config(self)


@lru_cache(maxsize=64)
def _config(row: PresetRow) -> SchedulingConfig:
    return SchedulingConfig(
        learn_steps_minutes=tuple(float(s) for s in json.loads(row.learn_steps)),
        relearn_steps_minutes=tuple(float(s) for s in json.loads(row.relearn_steps)),
        desired_retention=row.desired_retention,
        maximum_interval_days=row.maximum_interval,
        fsrs_params=tuple(float(p) for p in json.loads(row.fsrs_params)),
        leech_threshold=row.leech_threshold,
        leech_action=LeechAction(row.leech_action),
        rollover_hour=row.rollover_hour,
    )


def _ms(value: datetime | None) -> int | None:
    return to_ms(value) if value is not None else None


@overload
def _at(value: int | datetime) -> datetime: ...
@overload
def _at(value: None) -> None: ...
def _at(value: int | datetime | None) -> datetime | None:
    return from_ms(value) if isinstance(value, int) else value


def sched_from_row(card: Mapping[str, Any]) -> CardSched:
    """The scheduler's view of a card (its columns by name; instants as epoch ms or
    datetimes)."""
    stability, difficulty = card["stability"], card["difficulty"]
    return CardSched(
        state=CardState(card["state"]),
        step=card["step"],
        due=_at(card["due"]),
        memory=MemoryState(stability, difficulty)
        if stability is not None and difficulty is not None
        else None,
        last_review=_at(card["last_review"]),
        interval_days=card["interval_days"],
        reps=card["reps"],
        lapses=card["lapses"],
    )


_LOG_INSERT = (
    "INSERT INTO revlog (card_id, reviewed_at, rating, kind, interval_before, "
    "interval_after, factor, stability, difficulty, duration_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _log(db: sqlite3.Connection, card_id: int, rec: ReviewRecord) -> int:
    """Insert the review's log row; its id. Review times are unique per card (Anki's revlog
    ids are ms): on a clash the time moves on by 1 ms (the failed insert changes nothing)."""
    at = to_ms(rec.reviewed_at)
    while True:
        values = (
            card_id, at, rec.rating, int(rec.kind), rec.interval_before, rec.interval_after,
            rec.factor, rec.stability, rec.difficulty, rec.duration_ms,
        )  # fmt: skip
        try:
            return int(db.execute(_LOG_INSERT, values).lastrowid or 0)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" not in str(exc):
                raise
            at += 1


def _siblings_to_bury(
    db: sqlite3.Connection,
    card: dict[str, Any],
    preset: PresetRow,
    now: datetime,
    day_end: datetime,
) -> list[dict[str, Any]]:
    """Siblings Anki would bury: new ones, reviews due today, interday learning due today."""
    rows = db.execute(
        f"SELECT {_CARD_SELECT} FROM cards c WHERE c.note_id = ? AND c.id != ? ORDER BY c.id",
        (card["note_id"], card["id"]),
    ).fetchall()
    names = ("id", "note_id", *CARD_COLUMNS)
    end_ms, soon_ms = to_ms(day_end), to_ms(now + timedelta(hours=1))
    out = []
    for row in rows:
        sib = dict(zip(names, row, strict=True))
        if sib["suspended"] or buried_now(sib["buried"], _at(sib["buried_until"]), now):
            continue
        state, due = CardState(sib["state"]), sib["due"]
        due_today = due is not None and due < end_ms
        if (
            (state == CardState.NEW and preset.bury_new)
            or (state == CardState.REVIEW and preset.bury_reviews and due_today)
            or (
                state in (CardState.LEARNING, CardState.RELEARNING)
                and preset.bury_interday_learning
                and due_today
                and due is not None
                and due > soon_ms
            )
        ):
            out.append(sib)
    return out
