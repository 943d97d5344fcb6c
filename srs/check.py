"""Provides the integrity check of a collection: schema version, orphans, missing media."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from srs.models import Card, Deck, Media, Note
from srs.store import MEDIA_TMP_PREFIX, Store

_MEDIA_REFS = (
    re.compile(r"\[sound:([^\]]+)\]"),
    re.compile(r"""<img[^>]*?\ssrc\s*=\s*["']?([^"'>\s]+)""", re.IGNORECASE),
)


def media_references(text: str) -> set[str]:
    """File names a field refers to (Anki's ``[sound:..]`` and ``<img src>``), not URLs."""
    names = set()
    for pattern in _MEDIA_REFS:
        for match in pattern.findall(text):
            if "://" not in match and not match.startswith("data:"):
                names.add(match)
    return names


@dataclass
class CheckReport:
    """What ``srs check`` found; ``ok`` when nothing is wrong."""

    schema_version: str = ""
    notes: int = 0
    cards: int = 0
    notes_without_cards: list[int] = field(default_factory=list)
    cards_in_missing_decks: list[int] = field(default_factory=list)
    missing_media: list[str] = field(default_factory=list)
    unrecorded_media: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.notes_without_cards or self.cards_in_missing_decks or self.missing_media)

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "schema_version": self.schema_version,
            "notes": self.notes,
            "cards": self.cards,
            "notes_without_cards": self.notes_without_cards,
            "cards_in_missing_decks": self.cards_in_missing_decks,
            "missing_media": self.missing_media,
            "unrecorded_media": self.unrecorded_media,
        }


def check_collection(store: Store) -> CheckReport:
    """Look for problems without changing anything."""
    report = CheckReport()
    with store.read() as session:
        conn = session.connection()
        # Alembic only here: every other command starts without loading it.
        from alembic.runtime.migration import MigrationContext

        heads = MigrationContext.configure(conn).get_current_heads()
        report.schema_version = ",".join(heads)
        report.notes = int(session.scalar(select(func.count()).select_from(Note)) or 0)
        report.cards = int(session.scalar(select(func.count()).select_from(Card)) or 0)
        report.notes_without_cards = list(
            session.scalars(
                select(Note.id).where(~select(Card.id).where(Card.note_id == Note.id).exists())
            )
        )
        report.cards_in_missing_decks = list(
            session.scalars(
                select(Card.id).where(~select(Deck.id).where(Deck.id == Card.deck_id).exists())
            )
        )
        referenced: set[str] = set()
        for (fields,) in session.execute(select(Note.fields)):
            referenced |= media_references(fields)
        recorded = set(session.scalars(select(Media.name)))
    media_dir = store.media_dir
    on_disk = {p.name for p in media_dir.iterdir() if p.is_file()} if media_dir.is_dir() else set()
    report.missing_media = sorted(n for n in referenced | recorded if n not in on_disk)
    report.unrecorded_media = sorted(n for n in on_disk - recorded if not _is_temp(media_dir / n))
    return report


def _is_temp(path: Path) -> bool:
    return path.name.startswith(MEDIA_TMP_PREFIX)
