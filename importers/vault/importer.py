"""Provides ``import_vault``: scan a vault, parse the notes that changed since the last import,
match their cards to the collection's notes and hand the engine one plan to apply.

Files whose size and mtime (or, failing that, content hash) match the last import are not
read again; their notes stay as they are. Unreadable, binary, non-UTF-8 and oversized files are
reported and left alone (their cards are not retired). The vault is only ever read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from importers.vault.identity import make_guid, match_cards, source_key
from importers.vault.media import MediaResolver, attachment_folder, rewrite_target
from importers.vault.options import VaultOptions, load_options
from importers.vault.reader import ReadJob, ReadResult, read_notes
from importers.vault.records import CardKind, SourceCard
from importers.vault.report import CardText, VaultImportReport
from importers.vault.scan import scan_vault
from srs.errors import CollectionLocked, UsageError
from srs.ingest_vault import (
    BASIC,
    CLOZE,
    REVERSED,
    ExistingNote,
    NoteUpdate,
    PlannedNote,
    SourceFileRow,
    VaultPlan,
    VaultState,
    all_guids,
    ingest_vault,
    load_source_files,
    load_vault_notes,
    load_vault_state,
    vault_key,
)
from srs.store import Store

_RACY_NS = 2_000_000_000
_NOTETYPE = {CardKind.BASIC: BASIC, CardKind.REVERSED: REVERSED, CardKind.CLOZE: CLOZE}


@dataclass
class _Scan:
    """The changed files of one import, parsed, with their cards ready to plan."""

    cards: list[SourceCard] = field(default_factory=list)
    fields: list[list[str]] = field(default_factory=list)  # per card, media names rewritten
    changed: set[str] = field(default_factory=set)  # vault-relative paths re-parsed
    deleted: set[str] = field(default_factory=set)
    rows: list[SourceFileRow] = field(default_factory=list)
    removed_rows: list[str] = field(default_factory=list)


def _scan_changes(
    root: Path,
    key: str,
    options: VaultOptions,
    state: VaultState,
    report: VaultImportReport,
    progress: Callable[[int, int], None] | None,
) -> tuple[_Scan, MediaResolver]:
    listing = scan_vault(root, options.ignore)
    for problem in listing.problems:
        report.notes.skip(str(problem))
    resolver = MediaResolver(listing, attachment_folder(root), dict(state.media))
    full = state.options_fingerprint != options.fingerprint()
    out = _Scan()
    present = set()
    jobs: list[ReadJob] = []
    for item in listing.notes:
        abs_key = f"{key}/{item.rel}"
        present.add(abs_key)
        prev = state.source_files.get(abs_key)
        if not full and prev and prev.size == item.size and prev.mtime_ns == item.mtime_ns:
            report.files_unchanged += 1
        else:
            jobs.append(ReadJob(item, None if full or prev is None else prev.sha1))
    total = len(jobs)
    for done, result in enumerate(read_notes(jobs, options), 1):
        abs_key = f"{key}/{result.item.rel}"
        _take(result, abs_key, state.source_files.get(abs_key), resolver, out, report)
        if progress is not None and (done % 50 == 0 or done == total):
            progress(done, total)
    for abs_key in state.source_files:
        if abs_key not in present:
            out.removed_rows.append(abs_key)
            out.deleted.add(abs_key[len(key) + 1 :])
    return out, resolver


def _take(
    result: ReadResult,
    abs_key: str,
    previous: SourceFileRow | None,
    resolver: MediaResolver,
    out: _Scan,
    report: VaultImportReport,
) -> None:
    item = result.item
    if result.problem is not None or result.sha1 is None:
        report.notes.skip(str(result.problem))
        return
    # A file modified within the mtime granularity of now may change again without its
    # size or mtime changing ("racy git"): record no mtime, so the next import re-hashes it.
    racy = time.time_ns() - item.mtime_ns < _RACY_NS
    row = SourceFileRow(abs_key, item.size, -1 if racy else item.mtime_ns, result.sha1)
    if row != previous:  # an unchanged file is not written again: the import stays a no-op
        out.rows.append(row)
    if result.parsed is None:
        report.files_unchanged += 1
        return
    report.files_parsed += 1
    out.changed.add(item.rel)
    for problem in result.parsed.problems:
        report.notes.skip(str(problem))
    for card in result.parsed.cards:
        fields = [card.front, card.back]
        for target in card.embeds:
            found = resolver.resolve(item.folder, target)
            if found is None:
                report.kind("media").skip(f"{card.where}: embedded file {target!r} not found")
                continue
            try:
                name = resolver.media_name(found)
            except (OSError, ValueError) as exc:
                report.kind("media").skip(f"{card.where}: embedded file {target!r}: {exc}")
                continue
            fields = [rewrite_target(f, target, name) for f in fields]
        out.cards.append(card)
        out.fields.append(fields)


def _planned(card: SourceCard, fields: list[str], guid: str) -> PlannedNote:
    schedules = {o: s for o, s in zip(card.ords, card.schedules, strict=False) if s is not None}
    extra: dict[str, object] = {"kind": card.kind.value}
    if card.block_id:
        extra["block_id"] = card.block_id
    return PlannedNote(
        guid=guid,
        notetype=_NOTETYPE[card.kind],
        fields=fields,
        tags=list(card.tags),
        deck=card.deck,
        source_path=card.path,
        source_line=card.line,
        source_key=source_key(card),
        content_hash=card.content_hash,
        ords=card.ords,
        schedules=schedules,
        extra=extra,
    )


def _shown(where: str, fields: list[str] | tuple[str, ...]) -> CardText:
    return {"where": where, "front": fields[0], "back": fields[1] if len(fields) > 1 else ""}


def _plan(
    session: Session,
    key: str,
    scan: _Scan,
    resolver: MediaResolver,
    options: VaultOptions,
    report: VaultImportReport,
    state: VaultState,
) -> VaultPlan:
    plan = VaultPlan(
        source_files=scan.rows,
        removed_source_files=scan.removed_rows,
        media=list(resolver.copies.values()),
    )
    if state.options_fingerprint != options.fingerprint():
        plan.options_fingerprint = options.fingerprint()
    touched = scan.changed | scan.deleted
    existing: list[ExistingNote] = load_vault_notes(session, key, touched) if touched else []
    live_touched = sum(1 for n in existing if not n.retired and n.source_path in touched)
    notes = report.notes
    notes.unchanged += max(0, state.note_count - live_touched)
    matching = match_cards(scan.cards, existing)
    guids = _Guids(session)
    for i in matching.new:
        card, fields = scan.cards[i], scan.fields[i]
        guid = make_guid(key, card, guids.taken)
        guids.claim(guid)
        plan.adds.append(_planned(card, fields, guid))
        notes.added += 1
        report.added_cards.append(_shown(card.where, fields))
    _plan_matched(scan, matching.pairs, plan, report)
    for note in matching.vanished:
        plan.retire_note_ids.append(note.note_id)
        notes.retired += 1
        report.retired_cards.append(_shown(f"{note.source_path}:{note.source_line}", note.fields))
    report.kind("media").added += len(plan.media)
    return plan


class _Guids:
    """The collection's guids, read once and only if a note is added."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.used: set[str] | None = None

    def taken(self, guid: str) -> bool:
        if self.used is None:
            self.used = all_guids(self.session)
        return guid in self.used

    def claim(self, guid: str) -> None:
        if self.used is not None:
            self.used.add(guid)


def _plan_matched(
    scan: _Scan, pairs: dict[int, ExistingNote], plan: VaultPlan, report: VaultImportReport
) -> None:
    """Updates for matched blocks, and how each counts in the report."""
    notes = report.notes
    for i, note in sorted(pairs.items()):
        card, fields = scan.cards[i], scan.fields[i]
        new = _planned(card, fields, note.guid)
        content = (
            tuple(new.fields) != note.fields
            or new.notetype != note.notetype
            or tuple(new.tags) != note.tags
            or new.deck != note.deck
            or tuple(new.ords) != note.ords
        )
        moved = note.source_path != card.path
        located = (
            note.source_line != card.line
            or note.source_key != new.source_key
            or note.content_hash != new.content_hash
            or any(o in note.new_ords for o in new.schedules)  # a schedule to seed
        )
        if not (content or moved or located or note.retired):
            notes.unchanged += 1
            continue
        plan.updates.append(NoteUpdate(note.note_id, new))
        if note.retired:
            notes.updated += 1
            report.restored_cards.append(_shown(card.where, fields))
        elif moved:
            notes.moved += 1
            report.moved_cards.append(
                {"old": f"{note.source_path}:{note.source_line}", "new": card.where}
            )
        elif content:
            notes.updated += 1
        else:
            notes.unchanged += 1
        if content and not note.retired:
            report.updated_cards.append(
                {
                    "where": card.where,
                    "old": _shown(f"{note.source_path}:{note.source_line}", note.fields),
                    "new": _shown(card.where, fields),
                }
            )


def import_vault(
    store: Store,
    root: Path,
    *,
    options: VaultOptions | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> VaultImportReport:
    """Import (or, with ``dry_run``, preview) the cards of the Obsidian vault at ``root``.

    Args:
        store: the open collection; every write happens in one transaction.
        root: the vault folder; it is never written to.
        options: command-line options, applied over the vault's ``srs.toml``.
        dry_run: compute the report without writing anything.
        progress: called with (files done, files total) while scanning.

    Returns:
        The report: counters, skipped entries (``path:line: reason``) and detail lists.

    Raises:
        UsageError: ``root`` does not exist or is not a folder.
        ParseError: ``srs.toml`` is invalid.
    """
    root = Path(root).expanduser()
    if not root.exists():
        raise UsageError(f"{root}: no such vault folder")
    if not root.is_dir():
        raise UsageError(f"{root}: is not a folder (a vault is a folder of notes)")
    opts = load_options(root, options)
    key = vault_key(root)
    report = VaultImportReport(source=str(root), dry_run=dry_run)
    with store.read() as session:
        state = load_vault_state(session, key)
    scan, resolver = _scan_changes(root, key, opts, state, report, progress)

    def planner(session: Session) -> VaultPlan:
        if not dry_run and load_source_files(session, key) != state.source_files:
            raise CollectionLocked(
                f"{root}: another import of this vault finished meanwhile; nothing was "
                "written, run the import again"
            )
        return _plan(session, key, scan, resolver, opts, report, state)

    ingest_vault(store, key, planner, dry_run=dry_run)
    return report
