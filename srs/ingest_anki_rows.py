"""Provides ``AnkiWriter``: the database side of one Anki import (matching, id allocation,
bulk Core inserts), run inside the transaction ``srs.ingest_anki.ingest_anki`` opens."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import bindparam, column, insert, select, table, update

from srs.clock import to_ms
from srs.ingest_anki_media import rewrite_media_refs
from srs.ingest_anki_meta import MetaWriter
from srs.ingest_anki_plan import (
    CARD_SCHED_COLUMNS,
    CardIn,
    NoteIn,
    RevlogIn,
)
from srs.models import Card, Note

_CHUNK = 500  # ids per IN (...) query
_BULK = 5000  # rows per executemany
_REINDEX_MIN_ROWS = 50_000  # review-log rows above which indexes are rebuilt, not maintained


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
_REVLOG = table(
    "revlog",
    *(
        column(n)
        for n in (
            "card_id",
            "reviewed_at",
            "rating",
            "kind",
            "interval_before",
            "interval_after",
            "factor",
            "duration_ms",
        )
    ),
)


class AnkiWriter(MetaWriter):
    """One ingest: presets, decks and note types (``MetaWriter``), then notes, cards and the
    review log in bulk."""

    def _bulk_sql(self, target: Any) -> str:
        """A Core ``insert()`` of every column of ``target``, compiled once for the driver's
        executemany (positional parameters, in column order): per-row parameter processing
        would cost more than the inserts themselves on bulk imports."""
        return str(insert(target).compile(dialect=self.conn.dialect))

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
        existing: dict[str, Any] = {}
        for chunk in _chunks([n.guid for n in incoming]):
            for r in self.conn.execute(
                select(
                    Note.id, Note.guid, Note.notetype_id, Note.fields, Note.tags, Note.modified_at
                ).where(Note.guid.in_(chunk))
            ):
                existing[r.guid] = r
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
            elif n.modified_ms > to_ms(cur.modified_at):
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
        note_ids = sorted(set(notes.values()))
        existing: dict[tuple[int, int], int] = {}
        for chunk in _chunks(note_ids):
            for r in self.conn.execute(
                select(Card.id, Card.note_id, Card.ord).where(Card.note_id.in_(chunk))
            ):
                existing[(r.note_id, r.ord)] = r.id
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

    # -- review log ------------------------------------------------------------------------

    def revlog(
        self, batches: Iterable[list[RevlogIn]], cards: dict[int, int], total: int = 0
    ) -> None:
        """Insert review-log rows, skipping those already present (same card and time).

        The statement is built with Core ``insert()`` and compiled once; the rows go to the
        DB-API cursor's executemany (inside the session's transaction) as the tuples read
        from the package, because any per-row work in Python would cost more than the
        insert itself on a log of hundreds of thousands of rows. When the
        incoming log is large and bigger than the stored one, the table's plain secondary
        indexes are dropped and rebuilt once at the end (inside the same transaction),
        which is much cheaper than maintaining them row by row.
        """
        rep = self.report.kind("revlog")
        rebuild: list[str] = []
        if total >= _REINDEX_MIN_ROWS:
            stored = self.conn.exec_driver_sql("select count() from revlog").scalar() or 0
            if total > stored:
                indexes = self.conn.exec_driver_sql(
                    "select name, sql from sqlite_master where type = 'index'"
                    " and tbl_name = 'revlog' and sql is not null"
                ).all()
                for name, create in indexes:
                    self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
                    rebuild.append(str(create))
        stmt = insert(_REVLOG).prefix_with("OR IGNORE")
        sql = str(stmt.compile(dialect=self.conn.dialect))
        # most imports keep Anki's card ids: then rows go to the driver untouched
        same_ids = all(k == v for k, v in cards.items())
        known = cards.keys()
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            for batch in batches:
                rows: Sequence[Sequence[Any]] = batch
                if not same_ids or not {r[0] for r in batch} <= known:
                    rows = [(cards[r[0]], *r[1:]) for r in batch if r[0] in known]
                    if len(rows) < len(batch):
                        rep.skip(
                            "review-log row of a card that was not imported", len(batch) - len(rows)
                        )
                if rows:
                    cursor.executemany(sql, rows)
                    rep.added += cursor.rowcount
                    rep.unchanged += len(rows) - cursor.rowcount
                self.tick(len(batch))
        finally:
            cursor.close()
        for create in rebuild:
            self.conn.exec_driver_sql(create)
