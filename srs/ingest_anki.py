"""Provides the engine side of an Anki package import: the plan an importer hands over
(``AnkiPlan``) and ``ingest_anki``, which applies it in one write transaction.

Identity and modelling choices (see also ``importers.anki``):

* presets match by ``anki_id`` (else by name when the settings are the same; else a new
  ``name+``), decks by full name (as Anki does; filtered decks arrive empty, their cards
  go home; missing parents are created), note types by
  ``anki_id`` then name, and only when their field names and template count agree; a name
  that exists with other fields gets a new name (``Basic+``, ``Basic++``...), reported;
* notes match by ``guid``; a note whose incoming ``mod`` is later than ours takes the
  incoming fields and tags, its cards keep their scheduling;
* cards match by (note, ord); an existing card is never touched;
* new notes and cards keep Anki's id as their primary key when it is free in this
  collection, else get the next free id and keep Anki's in ``extra["anki_id"]``;
* review-log rows are identified by (card, answer time in ms) and inserted with
  ``INSERT OR IGNORE`` on that unique key, so they are never duplicated; their own id is
  assigned by SQLite in insertion order, which is by card, then time (Anki's id is the
  answer time, kept exactly in ``reviewed_at``); when the plan names the package's SQLite
  file, the rows are copied inside SQLite (``srs.ingest_anki_revlog``);
* media are staged under temporary names inside the media folder, renamed into place
  only after the commit, and removed if anything fails; a name taken by other content
  gets the incoming file as ``<stem>-<sha1>.<ext>`` and the imported notes' references
  are rewritten, as Anki does;
* ``dry_run`` runs everything in the transaction, writes no media, and rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from srs.ingest_anki_media import MediaIn, MediaStager
from srs.ingest_anki_plan import (
    AnkiPlan,
    CardIn,
    DeckIn,
    NoteIn,
    NotetypeIn,
    PresetIn,
    RevlogIn,
)
from srs.ingest_anki_revlog import RevlogWriter, attach_package
from srs.ingest_anki_rows import AnkiWriter
from srs.reports import ImportReport
from srs.store import Store

IMPORT_CACHE_KIB = 64 * 1024
KINDS = ("presets", "decks", "notetypes", "notes", "cards", "revlog", "media")

__all__ = [
    "AnkiPlan",
    "CardIn",
    "DeckIn",
    "MediaIn",
    "NoteIn",
    "NotetypeIn",
    "PresetIn",
    "RevlogIn",
    "ingest_anki",
    "new_report",
]


def new_report(source: Path, *, dry_run: bool) -> ImportReport:
    """An empty report with every kind an Anki import counts, in display order."""
    report = ImportReport(source=str(source), dry_run=dry_run)
    for kind in KINDS:
        report.kind(kind)
    return report


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


def ingest_anki(
    store: Store,
    plan: AnkiPlan,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Apply ``plan`` to ``store`` in one transaction and report what changed.

    Args:
        store: the collection.
        plan: what the package brings.
        dry_run: compute the full report, then roll everything back and write no media.
        progress: called with (done, total) as records are processed.

    Returns:
        The report (counts per kind, reasons for skips, notices such as renames).
    """
    report = new_report(plan.source, dry_run=dry_run)
    report.notices.extend(plan.notices)
    total = len(plan.notes) + len(plan.cards) + plan.revlog_total + len(plan.media)
    tick = _Progress(progress, total)
    stager = MediaStager(store.media_dir, dry_run=dry_run)
    try:
        with store.write() as session:
            conn = session.connection()
            # a larger page cache while bulk-inserting: index inserts stay in memory
            cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
            conn.exec_driver_sql(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
            try:
                run = AnkiWriter(conn, report, tick, store.clock.now())
                presets = run.presets(plan.presets)
                decks = run.decks(plan.decks, presets)
                notetypes = run.notetypes(plan.notetypes)
                renames = stager.stage(conn, plan.media, report.kind("media"), tick, run.now_ms)
                for old, new in renames.items():
                    report.notices.append(
                        f"media {old!r} exists with other content; imported as {new!r}"
                    )
                notes = run.notes(plan.notes, notetypes, renames)
                cards = run.cards(plan.cards, notes, decks)
                revlog = RevlogWriter(conn, report.kind("revlog"), tick)
                if plan.revlog_db is not None and revlog.can_attach(cards):
                    attach_package(session, plan.revlog_db)
                    revlog.from_attached(cards)
                else:
                    revlog.from_batches(plan.revlog(), cards, plan.revlog_total)
            finally:
                conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache or -2000)}")
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except BaseException:
        stager.discard()
        raise
    stager.commit()
    tick.finish()
    return report


class _Progress:
    def __init__(self, callback: Callable[[int, int], None] | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = 0
        self._last = -1

    def __call__(self, count: int) -> None:
        self.done += count
        if self.callback is not None and self.done - self._last >= max(1, self.total // 200):
            self._last = self.done
            self.callback(min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(self.total, self.total)
