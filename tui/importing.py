"""Provides the import runner the app's worker calls: an Anki package (.apkg/.colpkg) through
``importers.anki.import_package`` or an Obsidian vault folder through
``importers.vault.import_vault``, answering one summary line."""

from __future__ import annotations

from pathlib import Path

from srs.reports import ImportReport
from srs.store import Store
from tui.rendering import strip_control

PACKAGE_SUFFIXES = frozenset({".apkg", ".colpkg"})


class ImportUnavailable(Exception):
    """The importer for this kind of source is not installed or could not load."""


def summarise(report: ImportReport) -> str:
    """``notes: 3 added, 1 updated; cards: ...`` from a report's counters."""
    parts = []
    for name in ("notes", "cards", "media"):
        kind = report.kinds.get(name)
        if kind is None or not kind.total:
            continue
        counts = [f"{value} {label}" for value, label in (
            (kind.added, "added"), (kind.updated, "updated"),
            (kind.unchanged, "unchanged"), (kind.skipped, "skipped"),
        ) if value]  # fmt: skip
        parts.append(f"{name}: {', '.join(counts)}")
    return "; ".join(parts) or "nothing to import"


def run_import(store: Store, path: Path) -> str:
    """Import ``path`` (a package file or a vault folder) and summarise the report.

    Raises:
        ImportUnavailable: the importer module is missing.
        srs.errors.SrsError: the importer refused the source (its message says why).
    """
    path = path.expanduser()
    if path.is_dir():
        try:
            from importers.vault import import_vault
        except ImportError as error:
            raise ImportUnavailable(f"the vault importer is not available ({error})") from None
        report: ImportReport = import_vault(store, path)
    else:
        try:
            from importers.anki import import_package
        except ImportError as error:
            raise ImportUnavailable(f"the Anki importer is not available ({error})") from None
        report = import_package(store, path)
    return f"Imported {strip_control(path.name)}: {summarise(report)}"
