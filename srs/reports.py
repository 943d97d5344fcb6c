"""Provides the import report shared by every importer: per-kind counters and reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class KindReport:
    """What happened to one kind of record (notes, cards, media, ...) during an import."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    moved: int = 0
    retired: int = 0
    skipped_reasons: list[str] = field(default_factory=list)

    def skip(self, reason: str, count: int = 1) -> None:
        """Count ``count`` skipped records and remember why (each reason once)."""
        self.skipped += count
        if reason not in self.skipped_reasons:
            self.skipped_reasons.append(reason)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + self.skipped

    def to_json(self) -> dict[str, Any]:
        """The counters as a JSON-ready dict."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "moved": self.moved,
            "retired": self.retired,
            "skipped_reasons": list(self.skipped_reasons),
        }


@dataclass
class ImportReport:
    """The outcome of one import: a ``KindReport`` per kind, and notices for the user."""

    source: str
    kinds: dict[str, KindReport] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    dry_run: bool = False

    def kind(self, name: str) -> KindReport:
        """The counters of ``name``, created on first use."""
        if name not in self.kinds:
            self.kinds[name] = KindReport()
        return self.kinds[name]

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (for ``--json``): the counters per kind under
        ``kinds`` and also at the top level (``notes``, ``cards``, ...), every skip reason
        as ``kind: reason`` under ``skipped_reasons``, and the notices."""
        kinds = {name: rep.to_json() for name, rep in self.kinds.items()}
        data: dict[str, Any] = {
            "source": self.source,
            "dry_run": self.dry_run,
            "kinds": kinds,
            "notices": list(self.notices),
            "skipped_reasons": [
                f"{name}: {reason}"
                for name, rep in self.kinds.items()
                for reason in rep.skipped_reasons
            ],
        }
        for name, counts in kinds.items():
            data.setdefault(name, counts)
        return data
