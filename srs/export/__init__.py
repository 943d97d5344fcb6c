"""Provides ``export_package``: the collection (or one deck) written as an Anki package that
every Anki version imports, with scheduling, FSRS memory states and the review log.

The layout is legacy 2 (``srs.export.package``) holding a schema-11 collection
(``srs.export.collection``); cards are converted back to Anki's units by
``srs.export.cards``; Obsidian cards are rendered from Markdown to HTML
(``srs.export.markdown``). The package is written to a temporary file beside the
destination and renamed into place, so a failed export leaves nothing behind.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from srs.clock import DEFAULT_ROLLOVER_HOUR
from srs.export.cards import Timing, timing_for
from srs.export.collection import write_collection
from srs.export.media import candidates, safe_name, underscore_refs
from srs.export.package import check_destination, write_package
from srs.export.target import write_dummy
from srs.models import Media, Preset
from srs.store import Store

__all__ = ["ExportReport", "export_package"]


@dataclass
class ExportReport:
    """What an export wrote, and what it had to leave out."""

    path: str
    notes: int = 0
    cards: int = 0
    revlog: int = 0
    media: int = 0
    decks: list[str] = field(default_factory=list)
    notetypes: list[str] = field(default_factory=list)
    presets: list[str] = field(default_factory=list)
    scheduling: bool = True
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (for ``--json``)."""
        return {
            "path": self.path,
            "scheduling": self.scheduling,
            "notes": self.notes,
            "cards": self.cards,
            "revlog": self.revlog,
            "media": self.media,
            "decks": list(self.decks),
            "notetypes": list(self.notetypes),
            "presets": list(self.presets),
            "warnings": list(self.warnings),
        }


def _rollover(store: Store) -> int:
    """The collection's rollover hour: the one most presets use (Anki has one per collection)."""
    with store.read() as session:
        hours = Counter(session.scalars(select(Preset.rollover_hour)))
    return hours.most_common(1)[0][0] if hours else DEFAULT_ROLLOVER_HOUR


def export_package(
    store: Store,
    out: Path,
    *,
    deck: str | None = None,
    scheduling: bool = True,
    force: bool = False,
    timing: Timing | None = None,
) -> ExportReport:
    """Export the collection of ``store`` (or ``deck`` and its children) to ``out``.

    Args:
        store: the collection.
        out: the .apkg to write.
        deck: export only this deck, its children, and every card of their notes.
        scheduling: include scheduling, memory states and the review log (else cards are
            exported as new).
        force: replace ``out`` if it already exists.
        timing: the exported collection's creation day (default: today in the store's
            clock and zone).

    Returns:
        Counts of what was written and warnings (media missing on disk).

    Raises:
        srs.errors.PackageError: ``out`` exists (without ``force``) or cannot be written.
        srs.errors.NotFound: ``deck`` does not exist.
        srs.errors.UsageError: ``deck`` is a filtered deck.
    """
    out = Path(out).expanduser()
    check_destination(out, force=force)
    if timing is None:
        timing = timing_for(store.clock.now(), store.clock.tz, _rollover(store))
    report = ExportReport(path=str(out), scheduling=scheduling)
    with tempfile.TemporaryDirectory(prefix="srs-export-") as tmp:
        work = Path(tmp)
        with store.read() as session:
            written = write_collection(
                session,
                store.path,
                work / "collection.anki21",
                timing,
                deck=deck,
                scheduling=scheduling,
            )
            known = set(session.scalars(select(Media.name)))
        write_dummy(work / "collection.anki2", timing)
        media = _media(store, written.media_refs, written.template_texts, known, report)
        write_package(
            out, work / "collection.anki21", work / "collection.anki2", media, force=force
        )
    report.notes, report.cards, report.revlog = written.notes, written.cards, written.revlog
    report.decks, report.notetypes = written.decks, written.notetypes
    report.presets = written.presets
    report.media = len(media)
    return report


def _media(
    store: Store,
    refs: set[str],
    templates: list[str],
    known: set[str],
    report: ExportReport,
) -> list[tuple[str, Path]]:
    folder = store.media_dir
    on_disk = set(known)
    if folder.is_dir():
        on_disk.update(p.name for p in folder.iterdir() if p.name.startswith("_"))
    wanted = set(refs) | underscore_refs(templates, on_disk)
    out: list[tuple[str, Path]] = []
    for ref in sorted(wanted):
        found = None
        for name in candidates(ref):
            if safe_name(name) and (folder / name).is_file():
                found = name
                break
        if found is None:
            if safe_name(ref):
                report.warnings.append(f"media file {ref!r} is missing from {folder}; left out")
            continue
        if found not in {n for n, _ in out}:
            out.append((found, folder / found))
    return out
