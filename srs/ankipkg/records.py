"""Provides the typed records read from an Anki collection, in Anki's own units.

Schema 11 and schema 18 collections both become these records; what srs does not model is
kept in ``extra`` (the original JSON, or the raw protobuf blobs base64-encoded) so that an
exporter can give it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


@dataclass(frozen=True)
class PkgPreset:
    """A deck options preset (Anki's deck config)."""

    anki_id: int
    name: str
    mod: int
    new_per_day: int
    reviews_per_day: int
    learn_steps: list[float]
    relearn_steps: list[float]
    desired_retention: float
    maximum_interval: int
    fsrs_params: list[float]
    bury_new: bool
    bury_reviews: bool
    bury_interday_learning: bool
    leech_threshold: int
    leech_action: str  # "suspend" | "tag"
    extra: dict[str, Any] = field(default_factory=dict)
    historical_retention: float = 0.9  # the retention SM-2 reached, for FSRS start states


@dataclass(frozen=True)
class PkgDeck:
    """A deck; ``name`` uses ``::`` between levels."""

    anki_id: int
    name: str
    mod: int
    filtered: bool
    preset_anki_id: int | None
    description: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PkgNotetype:
    """A note type with its fields (``{"name", "ord", ...}``) and templates
    (``{"name", "ord", "qfmt", "afmt", ...}``)."""

    anki_id: int
    name: str
    mod: int
    kind: str  # "standard" | "cloze"
    fields: list[dict[str, Any]]
    templates: list[dict[str, Any]]
    css: str
    sort_field: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def field_names(self) -> list[str]:
        return [str(f["name"]) for f in self.fields]


class PkgNote(NamedTuple):
    """A note row (``flds`` still joined with ``\\x1f``)."""

    anki_id: int
    guid: str
    notetype_anki_id: int
    mod: int
    tags: str
    flds: str
    sfld: str
    flags: int
    data: str


class PkgCard(NamedTuple):
    """A card row, in Anki's units (see ``srs.ankipkg.units``)."""

    anki_id: int
    note_anki_id: int
    deck_anki_id: int
    ord: int
    mod: int
    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    odue: int
    odid: int
    flags: int
    data: str


class PkgRevlog(NamedTuple):
    """A review-log row; ``anki_id`` is the answer time in epoch milliseconds."""

    anki_id: int
    card_anki_id: int
    ease: int
    ivl: int
    last_ivl: int
    factor: int
    time_ms: int
    type: int


@dataclass(frozen=True)
class CollectionInfo:
    """Collection-wide facts needed to convert units: creation time, rollover, schema."""

    schema_version: int
    crt: int  # epoch seconds of the creation day's start
    rollover_hour: int
    sched_version: int
    config: dict[str, Any] = field(default_factory=dict)
