"""Provides ``import_package``: an Anki package (.apkg, .colpkg, any format Anki reads)
imported into a collection in one transaction, with a report.

The package format lives in ``srs.ankipkg``; the mapping onto the engine in
``importers.anki.mapping``; every write in ``srs.ingest_anki``. A .colpkg renamed .apkg (or
the reverse) is imported by content, not extension: both are a zip holding a collection,
and srs always merges into the open collection (it never replaces it as Anki's .colpkg
import does).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from srs.ankipkg import Limits, open_package
from srs.gcpause import paused_gc
from srs.ingest_anki import ingest_anki
from srs.reports import ImportReport
from srs.store import Store

from .mapping import Mapper

__all__ = ["ImportReport", "import_package"]


def import_package(
    store: Store,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    limits: Limits | None = None,
) -> ImportReport:
    """Import the Anki package at ``path`` into ``store``.

    Args:
        store: the collection to import into.
        path: an .apkg or .colpkg file (latest, legacy 2 or legacy 1 format).
        dry_run: report what would happen and write nothing.
        progress: called with (done, total) while records are written.
        limits: decompression caps (the defaults suit real collections).

    Returns:
        Added / updated / unchanged / skipped counts for presets, decks, note types,
        notes, cards, review-log rows and media.

    Raises:
        srs.errors.PackageError: the package is unreadable or inconsistent; nothing was
            written.
    """
    with paused_gc(), open_package(Path(path), limits) as pkg:
        plan = Mapper(pkg, store.clock.tz, store.clock.now()).plan()
        return ingest_anki(store, plan, dry_run=dry_run, progress=progress)
