"""Provides the plan an Anki importer hands to the engine: presets, decks, note types,
notes, cards, review-log rows and media, already in srs's units."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from srs.ingest_anki_media import MediaIn


@dataclass(frozen=True)
class PresetIn:
    """A preset to import; ``values`` are ``Preset`` column values (name excluded)."""

    anki_id: int
    name: str
    mod: int
    values: dict[str, Any]


@dataclass(frozen=True)
class DeckIn:
    anki_id: int
    name: str
    filtered: bool
    preset_anki_id: int | None
    description: str
    extra: dict[str, Any]


@dataclass(frozen=True)
class NotetypeIn:
    anki_id: int
    name: str
    kind: str
    fields: list[dict[str, Any]]
    templates: list[dict[str, Any]]
    css: str
    sort_field: int
    modified_at: datetime
    extra: dict[str, Any]

    @property
    def field_names(self) -> list[str]:
        return [str(f["name"]) for f in self.fields]


class NoteIn(NamedTuple):
    """A note to import (a tuple: there can be 100,000s)."""

    anki_id: int
    guid: str
    notetype_anki_id: int
    fields: str  # joined with \x1f
    sort_field: str
    tags: str
    created_ms: int
    modified_ms: int
    extra: dict[str, Any]


# The scheduling columns of ``Card`` a ``CardIn`` carries, in this order, in storage units
# (instants as epoch ms, booleans as 0/1).
CARD_SCHED_COLUMNS = (
    "state", "step", "due", "new_position", "stability", "difficulty", "last_review",
    "interval_days", "ease_factor", "reps", "lapses", "suspended", "buried", "buried_until",
    "flag", "desired_retention", "decay", "created_at", "modified_at",
)  # fmt: skip


class CardIn(NamedTuple):
    """A card to import: identity, home deck, ``sched`` values in ``CARD_SCHED_COLUMNS``
    order and ``extra`` already encoded as JSON (tuples: there can be 100,000s)."""

    anki_id: int
    note_anki_id: int
    ord: int
    deck_anki_id: int
    sched: tuple[Any, ...]
    extra_json: str


# (card anki id, reviewed_at ms, rating, kind, interval_before, interval_after, factor, ms)
RevlogIn = tuple[int, ...]


@dataclass
class AnkiPlan:
    """Everything an Anki package brings, already in srs's terms."""

    source: Path
    presets: list[PresetIn] = field(default_factory=list)
    decks: list[DeckIn] = field(default_factory=list)
    notetypes: list[NotetypeIn] = field(default_factory=list)
    notes: list[NoteIn] = field(default_factory=list)
    cards: list[CardIn] = field(default_factory=list)
    revlog: Callable[[], Iterable[list[RevlogIn]]] = lambda: iter(())
    revlog_total: int = 0
    # the package's SQLite file, when the engine may attach it and copy the review log
    # (its ``revlog`` table, the same rows ``revlog`` yields) without Python in between
    revlog_db: Path | None = None
    media: list[MediaIn] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
