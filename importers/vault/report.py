"""Provides ``VaultImportReport``: the shared ``ImportReport`` counters for a vault import, plus
the detail lists a dry run shows (added, updated with old and new text, moved, retired)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

from srs.reports import ImportReport, KindReport


class CardText(TypedDict):
    """A card as the report shows it."""

    where: str
    front: str
    back: str


class UpdatedCard(TypedDict):
    """A card whose text changed: where it is, and its text before and after."""

    where: str
    old: CardText
    new: CardText


class MovedCard(TypedDict):
    """A card now found in another note (or at another place)."""

    old: str  # path:line before
    new: str  # path:line now


@dataclass
class VaultImportReport(ImportReport):
    """Counters per note (one note per card block) under ``kinds["notes"]``, media files under
    ``kinds["media"]``; each skipped entry reads ``path:line: reason``."""

    added_cards: list[CardText] = field(default_factory=list)
    updated_cards: list[UpdatedCard] = field(default_factory=list)
    moved_cards: list[MovedCard] = field(default_factory=list)
    retired_cards: list[CardText] = field(default_factory=list)
    restored_cards: list[CardText] = field(default_factory=list)
    files_parsed: int = 0
    files_unchanged: int = 0

    @property
    def notes(self) -> KindReport:
        """The counters of notes (one per card block)."""
        return self.kind("notes")

    @property
    def added(self) -> int:
        """Notes added."""
        return self.notes.added

    @property
    def updated(self) -> int:
        """Notes whose text changed, or retired notes restored."""
        return self.notes.updated

    @property
    def unchanged(self) -> int:
        """Notes left as they were (including those of files not re-read)."""
        return self.notes.unchanged

    @property
    def moved(self) -> int:
        """Notes whose card moved to another file."""
        return self.notes.moved

    @property
    def retired(self) -> int:
        """Notes retired because their text is gone."""
        return self.notes.retired

    @property
    def skipped(self) -> list[str]:
        """Skipped entries, each ``path:line: reason``."""
        return list(self.notes.skipped_reasons)

    def to_json(self) -> dict[str, Any]:
        """The counters (top level and per kind), the skipped entries and the detail lists."""
        data = super().to_json()
        data.update(data["kinds"])  # "notes" and "media" also at the top, as the CLI lists them
        data.update(
            {
                "added": self.added,
                "updated": self.updated,
                "moved": self.moved,
                "retired": self.retired,
                "unchanged": self.unchanged,
                "skipped": self.skipped,
                "skipped_reasons": [r for k in self.kinds.values() for r in k.skipped_reasons],
                "files_parsed": self.files_parsed,
                "files_unchanged": self.files_unchanged,
                "details": {
                    "added": list(self.added_cards),
                    "updated": list(self.updated_cards),
                    "moved": list(self.moved_cards),
                    "retired": list(self.retired_cards),
                    "restored": list(self.restored_cards),
                },
            }
        )
        return data
