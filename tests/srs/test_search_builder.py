"""A small builder that inserts presets, decks, note types, notes, cards and review-log rows
with the ORM, for the search tests (and a check that it builds what it says)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from srs.domain import CardState
from srs.models import Card, Deck, Note, Notetype, Preset, ReviewLog


class Builder:
    """Adds rows to a session; every instant defaults to ``now``."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self._guids = itertools.count(1)
        self._positions = itertools.count(1)
        self.default_preset = self.preset("Default")

    def add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row

    def preset(self, name: str) -> Preset:
        return self.add(Preset(name=name))  # type: ignore[no-any-return]

    def deck(self, name: str, preset: Preset | None = None, *, filtered: bool = False) -> Deck:
        row = Deck(name=name, preset_id=(preset or self.default_preset).id, filtered=filtered)
        return self.add(row)  # type: ignore[no-any-return]

    def notetype(
        self, name: str, fields: list[str], templates: list[str], *, kind: str = "standard"
    ) -> Notetype:
        row = Notetype(
            name=name,
            kind=kind,
            fields=[{"name": f} for f in fields],
            templates=[{"name": t, "qfmt": "", "afmt": ""} for t in templates],
            modified_at=self.now,
        )
        return self.add(row)  # type: ignore[no-any-return]

    def note(
        self,
        notetype: Notetype,
        fields: list[str],
        tags: str = "",
        *,
        guid: str | None = None,
        modified_at: datetime | None = None,
    ) -> Note:
        row = Note(
            guid=guid or f"g{next(self._guids)}",
            notetype_id=notetype.id,
            fields="\x1f".join(fields),
            sort_field=fields[0],
            tags=f" {tags} " if tags else "",
            created_at=self.now,
            modified_at=modified_at or self.now,
        )
        return self.add(row)  # type: ignore[no-any-return]

    def card(self, note: Note, deck: Deck, ord: int = 0, **attrs: Any) -> Card:  # noqa: A002
        values: dict[str, Any] = {
            "note_id": note.id,
            "ord": ord,
            "deck_id": deck.id,
            "created_at": self.now,
            "modified_at": self.now,
            "new_position": next(self._positions),
        }
        values.update(attrs)
        return self.add(Card(**values))  # type: ignore[no-any-return]

    def review(self, card: Card, at: datetime, rating: int, kind: int = 1) -> ReviewLog:
        row = ReviewLog(card_id=card.id, reviewed_at=at, rating=rating, kind=kind)
        return self.add(row)  # type: ignore[no-any-return]


def test_builder_writes_anki_shaped_rows(tmp_path: Any) -> None:
    from srs.clock import FixedClock
    from srs.store import Store

    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with Store.open(tmp_path / "c.db", clock=FixedClock(now)) as store:
        with store.write() as session:
            b = Builder(session, now)
            basic = b.notetype("Basic", ["Front", "Back"], ["Card 1"])
            note = b.note(basic, ["a", "b"], "x y::z")
            card = b.card(note, b.deck("D"), state=CardState.REVIEW)
        with store.read() as session:
            stored = session.get(Note, note.id)
            assert stored is not None
            assert stored.fields == "a\x1fb"
            assert stored.tags == " x y::z "
            assert session.get(Card, card.id) is not None
