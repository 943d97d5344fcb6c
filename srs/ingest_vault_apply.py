"""Provides ``apply_plan``: the writes of a vault import (notes, cards, note types, decks,
source files, media rows) inside the caller's transaction, with bulk inserts of new notes
and cards through the driver's executemany."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from srs.clock import day_start, to_ms
from srs.domain import CardState, SourceKind
from srs.errors import StoreError
from srs.models import Card, ConfigEntry, Deck, Media, Note, Notetype, Preset, SourceFile
from srs.scheduler import memory_from_sm2
from srs.store import Store

if TYPE_CHECKING:
    from srs.ingest_vault import LegacySchedule, MediaCopy, PlannedNote, VaultPlan

BASIC = "Obsidian Basic"
REVERSED = "Obsidian Basic (and reversed)"
CLOZE = "Obsidian Cloze"
DEFAULT_PRESET = "Default"
_CSS = ".card { font-family: sans-serif; text-align: left; }"


def config_key(root: str) -> str:
    """The config entry remembering how a vault was last imported."""
    return f"obsidian_vault:{root}"


_NOTETYPES: dict[str, tuple[str, list[str], list[tuple[str, str, str]]]] = {
    BASIC: (
        "standard",
        ["Front", "Back"],
        [("Card 1", "{{Front}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}")],
    ),
    REVERSED: (
        "standard",
        ["Front", "Back"],
        [
            ("Card 1", "{{Front}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}"),
            ("Card 2", "{{Back}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Front}}"),
        ],
    ),
    CLOZE: (
        "cloze",
        ["Text", "Extra"],
        [("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Extra}}")],
    ),
}


class _Ids:
    """Allocates ids like Anki: epoch milliseconds, one past the largest in use."""

    def __init__(self, session: Session, column: Any, now_ms: int) -> None:
        self.next = max(now_ms, (session.scalar(select(func.max(column))) or 0) + 1)

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def apply_plan(store: Store, session: Session, root: str, plan: VaultPlan) -> None:
    """Write ``plan`` for the vault ``root`` in ``session`` (the caller commits)."""
    now = store.clock.now()
    now_ms = to_ms(now)
    notetypes = _ensure_notetypes(session, now)
    decks = _ensure_decks(session, {p.deck for p in plan.adds} | {u.new.deck for u in plan.updates})
    params = {
        deck_id: tuple(float(w) for w in fsrs_params or ())
        for deck_id, fsrs_params in session.execute(
            select(Deck.id, Preset.fsrs_params)
            .join(Preset, Preset.id == Deck.preset_id)
            .where(Deck.id.in_(list(decks.values())))
        )
    }
    note_ids = _Ids(session, Note.id, now_ms)
    card_ids = _Ids(session, Card.id, now_ms)
    position = (session.scalar(select(func.max(Card.new_position))) or 0) + 1
    notes = _Rows(_table(Note), {"created_at": now_ms, "modified_at": now_ms})
    cards = _Rows(
        _table(Card),
        _CARD_DEFAULTS | _NEW_CARD | {"created_at": now_ms, "modified_at": now_ms, "extra": "{}"},
    )

    def add_card(note_id: int, planned: PlannedNote, ord_: int) -> None:
        nonlocal position
        deck_id = decks[planned.deck]
        schedule = planned.schedules.get(ord_)
        seed = {} if schedule is None else _seed(store, schedule, params[deck_id])
        cards.add(
            id=card_ids.take(),
            note_id=note_id,
            ord=ord_,
            deck_id=deck_id,
            new_position=position,
            **{k: to_ms(v) if isinstance(v, datetime) else v for k, v in seed.items()},
        )
        position += 1

    for planned in plan.adds:
        note_id = note_ids.take()
        notes.add(id=note_id, **_note_values(planned, root, notetypes))
        for ord_ in planned.ords:
            add_card(note_id, planned, ord_)
    notes.insert(session)
    _update_notes(session, root, plan, notetypes, now_ms)
    for start in range(0, len(plan.updates), 500):
        chunk = {u.note_id: u.new for u in plan.updates[start : start + 500]}
        existing: dict[int, dict[int, Card]] = {note_id: {} for note_id in chunk}
        for card in session.scalars(select(Card).where(Card.note_id.in_(list(chunk)))):
            existing[card.note_id][card.ord] = card
        for note_id, new in chunk.items():
            deck_id = decks[new.deck]
            for ord_, card in existing[note_id].items():
                _refresh_card(store, card, new, ord_, deck_id, params[deck_id], now)
            for ord_ in new.ords:
                if ord_ not in existing[note_id]:
                    add_card(note_id, new, ord_)
    session.flush()
    cards.insert(session)
    for start in range(0, len(plan.retire_note_ids), 500):
        chunk_ids = plan.retire_note_ids[start : start + 500]
        session.execute(
            update(Card)
            .where(Card.note_id.in_(chunk_ids))
            .values(orphaned=True, suspended=True, modified_at=now)
        )
    _write_source_files(session, root, plan, now)
    _write_media(session, plan.media, now)
    if plan.options_fingerprint:
        entry = session.get(ConfigEntry, config_key(root))
        if entry is None:
            value = {"options": plan.options_fingerprint}
            session.add(ConfigEntry(key=config_key(root), value=value))
        else:
            entry.value = {"options": plan.options_fingerprint}


def _refresh_card(
    store: Store,
    card: Card,
    new: PlannedNote,
    ord_: int,
    deck_id: int,
    params: tuple[float, ...],
    now: datetime,
) -> None:
    """Bring an existing card of an updated note in line: deck, retired or not, seed."""
    live = ord_ in new.ords
    card.deck_id = deck_id
    if live and card.orphaned:
        card.orphaned = False
        card.suspended = False
    elif not live and not card.orphaned:
        card.orphaned = True
        card.suspended = True
    schedule = new.schedules.get(ord_)
    if schedule is not None and live and card.state == CardState.NEW and card.reps == 0:
        for key, value in _seed(store, schedule, params).items():
            setattr(card, key, value)
    card.modified_at = now


def _update_notes(
    session: Session, root: str, plan: VaultPlan, notetypes: dict[str, int], now_ms: int
) -> None:
    if not plan.updates:
        return
    rows = []
    for upd in plan.updates:
        values = _note_values(upd.new, root, notetypes)
        del values["guid"]
        values["modified_at"] = now_ms
        rows.append(values | {"id": upd.note_id})
    names = [k for k in rows[0] if k != "id"]
    session.connection().exec_driver_sql(
        f"UPDATE notes SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
        [tuple(r[n] for n in names) + (r["id"],) for r in rows],
    )


def _note_values(planned: PlannedNote, root: str, notetypes: dict[str, int]) -> dict[str, Any]:
    """The driver values of a note's columns (extra as JSON text)."""
    return {
        "guid": planned.guid,
        "notetype_id": notetypes[planned.notetype],
        "fields": "\x1f".join(planned.fields),
        "sort_field": planned.fields[0] if planned.fields else "",
        "tags": f" {' '.join(planned.tags)} " if planned.tags else "",
        "source_kind": SourceKind.OBSIDIAN.value,
        "source_path": planned.source_path,
        "source_line": planned.source_line,
        "source_key": planned.source_key,
        "content_hash": planned.content_hash,
        "extra": _extra_json(root, tuple(sorted(planned.extra.items()))),
    }


@lru_cache(maxsize=1024)
def _extra_json(root: str, items: tuple[tuple[str, Any], ...]) -> str:
    """A note's ``extra`` as JSON (few distinct values per import: cached)."""
    return json.dumps(dict(items) | {"vault": root})


_MISSING = object()


class _Rows:
    """Rows for one table, built as tuples in column order and inserted with the driver's
    executemany: Core's per-row type processing costs more than SQLite's insert itself on a
    50,000-card vault. Values are driver values (epoch ms, JSON text)."""

    def __init__(self, table: Table, defaults: dict[str, Any]) -> None:
        self.table = table
        self.columns = [c.name for c in table.columns]
        self.index = {name: i for i, name in enumerate(self.columns)}
        self.template = [defaults.get(name, _MISSING) for name in self.columns]
        self.rows: list[tuple[Any, ...]] = []

    def add(self, **values: Any) -> None:
        row = self.template.copy()
        for name, value in values.items():
            row[self.index[name]] = value
        if _MISSING in row:
            missing = [n for n, v in zip(self.columns, row, strict=True) if v is _MISSING]
            raise StoreError(f"insert into {self.table.name}: no value for {missing}")
        self.rows.append(tuple(row))

    def insert(self, session: Session) -> None:
        if not self.rows:
            return
        sql = (
            f"INSERT INTO {self.table.name} ({', '.join(self.columns)}) "
            f"VALUES ({', '.join('?' for _ in self.columns)})"
        )
        session.connection().exec_driver_sql(sql, self.rows)


def _table(model: type[Note] | type[Card]) -> Table:
    """The Core table of a model: bulk inserts go through Core executemany, not the ORM."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


_CARD_DEFAULTS: dict[str, Any] = {
    "original_deck_id": None,
    "step": 0,
    "suspended": False,
    "buried": 0,
    "buried_until": None,
    "flag": 0,
    "orphaned": False,
    "desired_retention": None,
    "decay": None,
    "extra": "{}",
}


_NEW_CARD: dict[str, Any] = {
    "state": CardState.NEW.value,
    "due": None,
    "interval_days": 0,
    "ease_factor": 0,
    "stability": None,
    "difficulty": None,
    "last_review": None,
    "reps": 0,
    "lapses": 0,
}


def _seed(
    store: Store, schedule: LegacySchedule | None, params: tuple[float, ...]
) -> dict[str, Any]:
    """Card columns for a card whose plugin schedule is known: a review card due that day."""
    if schedule is None:
        return dict(_NEW_CARD)
    interval = max(1, schedule.interval_days)
    due = day_start((schedule.due - date(1970, 1, 1)).days, store.clock.tz)
    if schedule.stability is not None and schedule.difficulty is not None:
        stability, difficulty = schedule.stability, schedule.difficulty
    else:
        memory = memory_from_sm2(params, schedule.ease_permille / 1000, interval, 0.9)
        stability, difficulty = memory.stability, memory.difficulty
    return {
        "state": CardState.REVIEW.value,
        "due": due,
        "interval_days": interval,
        "ease_factor": schedule.ease_permille,
        "stability": stability,
        "difficulty": difficulty,
        "last_review": schedule.last_review or due - timedelta(days=interval),
        "reps": max(1, schedule.reps),
        "lapses": schedule.lapses,
    }


def _ensure_notetypes(session: Session, now: datetime) -> dict[str, int]:
    """Ids of the vault note types, created on first use.

    Raises:
        StoreError: a note type of that name exists with other fields.
    """
    found: dict[str, int] = {}
    for id_, name, fields_json in session.execute(
        select(Notetype.id, Notetype.name, Notetype.fields).where(
            Notetype.name.in_(list(_NOTETYPES))
        )
    ):
        wanted = _NOTETYPES[name][1]
        if [f.get("name") for f in fields_json] != wanted:
            raise StoreError(
                f"note type {name!r} exists with other fields than {wanted}; rename it to "
                "import Obsidian vaults"
            )
        found[name] = id_
    for name, (kind, fields, templates) in _NOTETYPES.items():
        if name in found:
            continue
        row = Notetype(
            name=name,
            kind=kind,
            fields=[{"name": f} for f in fields],
            templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in templates],
            css=_CSS,
            modified_at=now,
            extra={"markdown": True},
        )
        session.add(row)
        session.flush()
        found[name] = row.id
    return found


def _ensure_decks(session: Session, names: set[str]) -> dict[str, int]:
    wanted = set(names)
    for name in names:  # parents too, as Anki has them
        parts = name.split("::")
        wanted.update("::".join(parts[:i]) for i in range(1, len(parts)))
    found = {
        n: i for i, n in session.execute(select(Deck.id, Deck.name).where(Deck.name.in_(wanted)))
    }
    missing = sorted(wanted - set(found))
    if missing:
        preset_id = _default_preset(session)
        session.execute(
            insert(Deck),
            [{"name": n, "preset_id": preset_id, "description": "", "extra": {}} for n in missing],
        )
        found.update(
            (n, i)
            for i, n in session.execute(select(Deck.id, Deck.name).where(Deck.name.in_(missing)))
        )
    return found


def _default_preset(session: Session) -> int:
    """The preset new decks get: "Default", else the first one, else a new "Default"."""
    preset = session.scalar(select(Preset).where(Preset.name == DEFAULT_PRESET))
    if preset is None:
        preset = session.scalar(select(Preset).order_by(Preset.id).limit(1))
    if preset is None:
        preset = Preset(name=DEFAULT_PRESET)
        session.add(preset)
        session.flush()
    return preset.id


def _write_source_files(session: Session, root: str, plan: VaultPlan, now: datetime) -> None:
    removed = plan.removed_source_files
    for start in range(0, len(removed), 500):
        chunk = removed[start : start + 500]
        session.execute(delete(SourceFile).where(SourceFile.path.in_(chunk)))
    if plan.source_files:
        now_ms = to_ms(now)
        session.connection().exec_driver_sql(
            "INSERT OR REPLACE INTO source_files (path, root, size, mtime_ns, sha1, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(f.path, root, f.size, f.mtime_ns, f.sha1, now_ms) for f in plan.source_files],
        )


def _write_media(session: Session, media: list[MediaCopy], now: datetime) -> None:
    for item in media:
        row = session.get(Media, item.name)
        if row is None:
            session.add(Media(name=item.name, sha1=item.sha1, size=item.size, added_at=now))
        else:
            row.sha1, row.size = item.sha1, item.size
