"""Provides the engine side of an Obsidian vault import: the plan an importer hands over, the
snapshot of what a vault already has in the collection, and ``ingest_vault`` which applies a
plan in one write transaction (``srs.ingest_vault_apply``: bulk inserts through the driver's
executemany; media written to temporary names and renamed into place only after the commit).

The importer decides *what* changes (identity matching lives in ``importers.vault``); the
engine owns every database write. Modelling choices:

* one source block is one note; a reversed block (``:::``, ``??``) is one note of
  "Obsidian Basic (and reversed)" with cards ord 0 and 1; a cloze block is one
  "Obsidian Cloze" note with one card per cloze number (ord = number - 1, as in Anki);
* a note that vanished from the vault is retired: all its cards suspended and
  ``orphaned``; it is un-retired (unsuspended, orphaned cleared) when its text returns;
* notes carry ``extra["vault"]`` (the resolved vault root) so that several vaults can share a
  collection; ``source_path`` is relative to that root (POSIX), ``source_line`` 1-based,
  ``source_key`` the identity (``^blockid`` or ``#<content sha1>``);
* a plugin schedule (``<!--SR:...-->``) seeds a card only while it was never reviewed here:
  after that, srs's own state wins;
* the guid is derived from the identity at creation and never changes.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from srs.domain import CardState, SourceKind
from srs.errors import StoreError
from srs.ingest_vault_apply import BASIC, CLOZE, REVERSED, apply_plan, config_key
from srs.media_names import safe_media_path
from srs.models import Card, ConfigEntry, Deck, Media, Note, Notetype, SourceFile
from srs.store import MEDIA_TMP_PREFIX, Store

__all__ = ["BASIC", "CLOZE", "REVERSED", "ingest_vault", "load_vault_notes", "load_vault_state"]


@dataclass(frozen=True)
class LegacySchedule:
    """A schedule written by the obsidian-spaced-repetition plugin (SM-2 or FSRS variant)."""

    due: date
    interval_days: int
    ease_permille: int = 2500  # plugin ease 250 -> Anki factor 2500
    stability: float | None = None  # FSRS variant only
    difficulty: float | None = None
    reps: int = 1
    lapses: int = 0
    last_review: datetime | None = None


@dataclass
class PlannedNote:
    """The desired state of one note, as read from the vault."""

    guid: str
    notetype: str  # BASIC, REVERSED or CLOZE
    fields: list[str]
    tags: list[str]
    deck: str
    source_path: str
    source_line: int
    source_key: str
    content_hash: str
    ords: tuple[int, ...]
    schedules: dict[int, LegacySchedule] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class NoteUpdate:
    """An existing note (``note_id``) that takes the content of ``new``."""

    note_id: int
    new: PlannedNote


@dataclass(frozen=True)
class MediaCopy:
    """A vault file to copy into the media folder under ``name``."""

    source: Path
    name: str
    sha1: str
    size: int


@dataclass(frozen=True)
class SourceFileRow:
    """What an imported file looked like (for incremental re-imports)."""

    path: str  # absolute POSIX path
    size: int
    mtime_ns: int
    sha1: str


@dataclass
class VaultPlan:
    """Everything one import changes; empty lists mean nothing to do."""

    adds: list[PlannedNote] = field(default_factory=list)
    updates: list[NoteUpdate] = field(default_factory=list)
    retire_note_ids: list[int] = field(default_factory=list)
    source_files: list[SourceFileRow] = field(default_factory=list)
    removed_source_files: list[str] = field(default_factory=list)
    media: list[MediaCopy] = field(default_factory=list)
    options_fingerprint: str = ""  # set when the options differ from the last import's

    def is_empty(self) -> bool:
        """Whether applying the plan would write nothing."""
        return not (
            self.adds
            or self.updates
            or self.retire_note_ids
            or self.source_files
            or self.removed_source_files
            or self.media
            or self.options_fingerprint
        )


@dataclass(frozen=True)
class ExistingNote:
    """A vault note already in the collection, as identity matching needs it."""

    note_id: int
    guid: str
    notetype: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    source_path: str
    source_line: int
    source_key: str
    content_hash: str
    retired: bool
    ords: tuple[int, ...]  # ords of live (not orphaned) cards
    new_ords: tuple[int, ...] = ()  # live cards never reviewed (a plugin schedule may seed them)


@dataclass
class VaultState:
    """The collection's view of one vault."""

    root: str
    source_files: dict[str, SourceFileRow]
    options_fingerprint: str
    note_count: int
    media: dict[str, str]  # name -> sha1


def vault_key(root: Path) -> str:
    """The key a vault is known by in the collection: its resolved path."""
    return root.resolve().as_posix()


def _vault_filter(root: str) -> Any:
    return and_(
        Note.source_kind == SourceKind.OBSIDIAN.value,
        func.json_extract(Note.extra, "$.vault") == root,
    )


def load_source_files(session: Session, root: str) -> dict[str, SourceFileRow]:
    """The files of vault ``root`` as its last import recorded them, by absolute path."""
    return {
        row.path: SourceFileRow(row.path, row.size, row.mtime_ns, row.sha1)
        for row in session.execute(
            select(SourceFile.path, SourceFile.size, SourceFile.mtime_ns, SourceFile.sha1).where(
                SourceFile.root == root
            )
        )
    }


def load_vault_state(session: Session, root: str) -> VaultState:
    """Read the source files, counts and media names the collection holds for ``root``."""
    files = load_source_files(session, root)
    entry = session.get(ConfigEntry, config_key(root))
    fingerprint = str(entry.value.get("options", "")) if entry and entry.value else ""
    count = (
        session.scalar(
            select(func.count(func.distinct(Card.note_id)))
            .join(Note, Note.id == Card.note_id)
            .where(_vault_filter(root), Card.orphaned.is_(False))
        )
        or 0
    )
    media = {row.name: row.sha1 for row in session.execute(select(Media.name, Media.sha1))}
    return VaultState(root, files, fingerprint, count, media)


def load_vault_notes(session: Session, root: str, paths: set[str]) -> list[ExistingNote]:
    """Vault notes whose source is one of ``paths``, plus every retired note of the vault."""
    all_orphaned = func.min(Card.orphaned)
    live_ords = func.group_concat(case((Card.orphaned.is_(False), Card.ord)))
    unseen = and_(Card.orphaned.is_(False), Card.state == CardState.NEW.value, Card.reps == 0)
    new_ords = func.group_concat(case((unseen, Card.ord)))
    query = (
        select(
            Note.id,
            Note.guid,
            Notetype.name,
            Note.fields,
            Note.tags,
            func.min(Deck.name),
            Note.source_path,
            Note.source_line,
            Note.source_key,
            Note.content_hash,
            all_orphaned,
            live_ords,
            new_ords,
        )
        .join(Notetype, Notetype.id == Note.notetype_id)
        .join(Card, Card.note_id == Note.id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(_vault_filter(root))
        .group_by(Note.id)
    )
    if len(paths) <= 500:  # else one pass over the vault beats a huge IN list
        retired_ids = (
            select(Card.note_id)
            .where(Card.orphaned.is_(True))
            .group_by(Card.note_id)
            .having(func.min(Card.orphaned) == 1)
        )
        query = query.where(or_(Note.source_path.in_(sorted(paths)), Note.id.in_(retired_ids)))
    out = []
    for row in session.execute(query):
        path, retired = row[6] or "", bool(row[10])
        if not retired and path not in paths:
            continue
        out.append(
            ExistingNote(
                note_id=row[0],
                guid=row[1],
                notetype=row[2],
                fields=tuple(row[3].split("\x1f")),
                tags=tuple(row[4].split()),
                deck=row[5],
                source_path=path,
                source_line=row[7] or 0,
                source_key=row[8] or "",
                content_hash=row[9],
                retired=retired,
                ords=_ords(row[11]),
                new_ords=_ords(row[12]),
            )
        )
    return out


def _ords(joined: str | None) -> tuple[int, ...]:
    return tuple(sorted(int(o) for o in joined.split(","))) if joined else ()


def all_guids(session: Session) -> set[str]:
    """Every note guid in the collection (to keep derived guids unique)."""
    return set(session.scalars(select(Note.guid)))


def ingest_vault(
    store: Store,
    root: str,
    planner: Callable[[Session], VaultPlan],
    *,
    dry_run: bool = False,
) -> VaultPlan:
    """Plan and apply a vault import in one transaction.

    ``planner`` runs inside the transaction (so the notes it matched cannot change before the
    plan is applied) and must not write. With ``dry_run`` the plan is computed in a read
    transaction and nothing is written.

    Args:
        store: the open collection.
        root: the vault key (see ``vault_key``).
        planner: builds the plan, reading what it needs through the session.
        dry_run: compute only.

    Returns:
        The plan that was (or, for a dry run, would be) applied.
    """
    if dry_run:
        with store.read() as session:
            return planner(session)
    staged: list[tuple[Path, Path]] = []
    try:
        with store.write() as session:
            plan = planner(session)
            if plan.is_empty():
                return plan
            staged = _stage_media(store, plan.media)
            apply_plan(store, session, root, plan)
    except BaseException:
        for tmp, _final in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    return plan


def _stage_media(store: Store, media: list[MediaCopy]) -> list[tuple[Path, Path]]:
    if not media:
        return []
    store.media_dir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        for item in media:
            final = safe_media_path(store.media_dir, item.name)
            tmp = store.media_dir / f"{MEDIA_TMP_PREFIX}{uuid.uuid4().hex}"
            data = item.source.read_bytes()
            if hashlib.sha1(data).hexdigest() != item.sha1:
                raise StoreError(f"{item.source}: changed while being imported; run again")
            tmp.write_bytes(data)
            staged.append((tmp, final))
    except OSError as exc:
        for tmp, _final in staged:
            tmp.unlink(missing_ok=True)
        raise StoreError(f"{store.media_dir}: cannot write media ({exc.strerror})") from exc
    except BaseException:
        for tmp, _final in staged:
            tmp.unlink(missing_ok=True)
        raise
    return staged
