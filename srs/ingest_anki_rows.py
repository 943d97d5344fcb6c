"""Provides ``AnkiWriter``: the database side of one Anki import's notes and cards (matching,
id allocation, bulk Core inserts), run inside the transaction ``srs.ingest_anki.ingest_anki``
opens."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from sqlalchemy import bindparam, column, insert, select, table, update

from srs.ingest_anki_media import rewrite_media_refs
from srs.ingest_anki_meta import MetaWriter
from srs.ingest_anki_plan import (
    CARD_SCHED_COLUMNS,
    CardIn,
    NoteIn,
)
from srs.models import Card, Note

_CHUNK = 500  # ids per IN (...) query
_BULK = 5000  # rows per executemany


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _free_ids(wanted: list[int], taken: set[int]) -> list[int]:
    """``wanted`` ids where free, else fresh ones above everything taken or wanted."""
    next_id = max([*taken, *wanted, 0]) + 1
    out = []
    for want in wanted:
        if want > 0 and want not in taken:
            out.append(want)
            taken.add(want)
        else:
            out.append(next_id)
            taken.add(next_id)
            next_id += 1
    return out


_NOTES = table(
    "notes",
    *(
        column(n)
        for n in (
            "id",
            "guid",
            "notetype_id",
            "fields",
            "sort_field",
            "tags",
            "source_kind",
            "source_key",
            "content_hash",
            "created_at",
            "modified_at",
            "extra",
        )
    ),
)
_CARD_COLUMNS = (
    "id", "note_id", "ord", "deck_id", "original_deck_id", *CARD_SCHED_COLUMNS,
    "orphaned", "extra",
)  # fmt: skip
_CARDS = table("cards", *(column(n) for n in _CARD_COLUMNS))


class _StoredNote(NamedTuple):
    """The columns of a stored note an import compares with an incoming one."""

    id: int
    guid: str
    notetype_id: int
    fields: str
    tags: str
    modified_ms: int


class AnkiWriter(MetaWriter):
    """One ingest: presets, decks and note types (``MetaWriter``), then notes and cards in
    bulk (the review log: ``srs.ingest_anki_revlog``)."""

    def _bulk_sql(self, target: Any) -> str:
        """A Core ``insert()`` of every column of ``target``, compiled once for the driver's
        executemany (positional parameters, in column order): per-row parameter processing
        would cost more than the inserts themselves on bulk imports."""
        return str(insert(target).compile(dialect=self.conn.dialect))

    _added_notes: set[int] = set()  # ids of the notes ``notes()`` inserted

    # -- notes and cards -------------------------------------------------------------------

    def notes(
        self,
        incoming: list[NoteIn],
        notetypes: dict[int, int],
        renames: dict[str, str] | None = None,
    ) -> dict[int, int]:
        rep = self.report.kind("notes")
        if renames:  # media imported under another name: point the notes at it
            incoming = [n._replace(fields=rewrite_media_refs(n.fields, renames)) for n in incoming]
        existing: dict[str, _StoredNote] = {}
        for chunk in _chunks([n.guid for n in incoming]):
            for r in self.conn.exec_driver_sql(
                "SELECT id, guid, notetype_id, fields, tags, modified_at FROM notes"
                f" WHERE guid IN ({','.join('?' * len(chunk))})",
                tuple(chunk),
            ):
                existing[r[1]] = _StoredNote._make(r)
        out: dict[int, int] = {}
        new: list[NoteIn] = []
        updates: list[dict[str, Any]] = []
        for n in incoming:
            ntid = notetypes[n.notetype_anki_id]
            cur = existing.get(n.guid)
            if cur is None:
                new.append(n)
                continue
            if cur.notetype_id != ntid:
                # not merged: its cards and reviews would not fit the note we have
                rep.skip("note type differs from the collection's copy of the note")
                continue
            out[n.anki_id] = cur.id
            if cur.fields == n.fields and cur.tags == n.tags:
                rep.unchanged += 1
            elif n.modified_ms > cur.modified_ms:
                updates.append(
                    {
                        "b_id": cur.id,
                        "fields": n.fields,
                        "sort_field": n.sort_field,
                        "tags": n.tags,
                        "modified_at": n.modified_ms,
                    }
                )
                rep.updated += 1
            else:
                rep.skip("the collection's copy of the note is newer")
        if updates:
            self.conn.execute(update(_NOTES).where(_NOTES.c.id == bindparam("b_id")), updates)
        taken = {int(r[0]) for r in self.conn.execute(select(Note.id))}
        ids = _free_ids([n.anki_id for n in new], taken)
        rows: list[tuple[Any, ...]] = []
        for n, nid in zip(new, ids, strict=True):
            extra = n.extra if nid == n.anki_id else {**n.extra, "anki_id": n.anki_id}
            rows.append((  # _NOTES column order
                nid, n.guid, notetypes[n.notetype_anki_id], n.fields, n.sort_field, n.tags,
                "anki", n.guid, "", n.created_ms, n.modified_ms,
                json.dumps(extra) if extra else "{}",
            ))  # fmt: skip
            out[n.anki_id] = nid
        self._added_notes = set(ids)
        sql = self._bulk_sql(_NOTES)
        for chunk in _chunks(rows, _BULK):
            self.conn.exec_driver_sql(sql, chunk)
        rep.added += len(rows)
        self.tick(len(incoming))
        return out

    def cards(
        self, incoming: list[CardIn], notes: dict[int, int], decks: dict[int, int]
    ) -> dict[int, int]:
        rep = self.report.kind("cards")
        # notes added by this import have no cards yet: only the others are looked up
        note_ids = sorted(set(notes.values()) - self._added_notes)
        existing: dict[tuple[int, int], int] = {}
        for chunk in _chunks(note_ids):
            for card_id, note_id, ord_ in self.conn.exec_driver_sql(
                "SELECT id, note_id, ord FROM cards"
                f" WHERE note_id IN ({','.join('?' * len(chunk))})",
                tuple(chunk),
            ):
                existing[(note_id, ord_)] = card_id
        out: dict[int, int] = {}
        new: list[CardIn] = []
        for c in incoming:
            note_id = notes.get(c.note_anki_id)
            if note_id is None:
                rep.skip("its note was skipped")
                continue
            key = (note_id, c.ord)
            if key in existing:
                out[c.anki_id] = existing[key]
                rep.unchanged += 1
            else:
                new.append(c)
        taken = {int(r[0]) for r in self.conn.execute(select(Card.id))}
        ids = _free_ids([c.anki_id for c in new], taken)
        sql = self._bulk_sql(_CARDS)
        rows: list[tuple[Any, ...]] = []
        default_deck: int | None = None
        for c, cid in zip(new, ids, strict=True):
            deck = decks.get(c.deck_anki_id)
            if deck is None:
                deck = default_deck = default_deck or self._default_deck()
                notice = "cards whose deck is missing from the package were put in Default"
                if notice not in self.report.notices:
                    self.report.notices.append(notice)
            extra = c.extra_json
            if cid != c.anki_id:
                extra = json.dumps({**json.loads(extra), "anki_id": c.anki_id})
            rows.append((cid, notes[c.note_anki_id], c.ord, deck, None, *c.sched, 0, extra))
            out[c.anki_id] = cid
            if len(rows) >= _BULK:
                self.conn.exec_driver_sql(sql, rows)
                rep.added += len(rows)
                rows = []
        if rows:
            self.conn.exec_driver_sql(sql, rows)
            rep.added += len(rows)
        self.tick(len(incoming))
        return out
