"""Provides ``write_collection``: the part of a collection chosen for export written as an
Anki schema-11 SQLite file (the ``collection.anki21`` of a legacy-2 package).

Presets, decks and note types come from the caller's read transaction of the store (ORM
rows). Notes, cards and the review log, which run to hundreds of thousands of rows, are read
from the store's file attached read-only to the new database, in one transaction (one WAL
snapshot): the review log is copied by SQLite itself, without a Python object per row.
"""

from __future__ import annotations

import json
import sqlite3
from collections import namedtuple
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from srs.errors import NotFound, UsageError
from srs.export import defaults, objects
from srs.export.cards import SrsCard, Timing, anki_sched, new_card_sched, srs_card
from srs.export.markdown import markdown_to_anki
from srs.export.media import field_refs
from srs.export.target import field_checksum, open_target, strip_html
from srs.models import Deck, Notetype, Preset

_BATCH = 20_000
_BUSY_MS = 30_000


@dataclass
class Written:
    """What went into the exported collection."""

    notes: int = 0
    cards: int = 0
    revlog: int = 0
    decks: list[str] = field(default_factory=list)
    notetypes: list[str] = field(default_factory=list)
    presets: list[str] = field(default_factory=list)
    media_refs: set[str] = field(default_factory=set)
    template_texts: list[str] = field(default_factory=list)


def select_decks(session: Session, deck: str | None) -> list[Deck]:
    """The decks to export: all, or ``deck`` and its children (``NotFound`` if missing)."""
    decks = list(session.scalars(select(Deck).order_by(Deck.name)))
    if deck is None:
        return decks
    wanted = deck.strip()
    match = next((d for d in decks if d.name == wanted), None)
    match = match or next((d for d in decks if d.name.casefold() == wanted.casefold()), None)
    if match is None:
        raise NotFound(f"deck {deck!r} not found")
    if match.filtered:
        raise UsageError(f"deck {match.name!r} is a filtered deck; export its cards' home decks")
    prefix = match.name + "::"
    return [d for d in decks if d.name == match.name or d.name.startswith(prefix)]


class _IdAllocator:
    """Anki ids, unique within the export: the one the import kept, else srs's own id, else
    one past the largest given (Anki matches notes by guid and cards by note and ordinal,
    so an id may change without harm)."""

    def __init__(self) -> None:
        self.used: set[int] = set()
        self.top = 0

    def __call__(self, preferred: int, fallback: int) -> int:
        for candidate in (preferred, fallback):
            if candidate > 0 and candidate not in self.used:
                break
        else:
            candidate = self.top + 1
        self.used.add(candidate)
        self.top = max(self.top, candidate)
        return candidate


class _Writer:
    def __init__(
        self,
        session: Session,
        db: sqlite3.Connection,
        timing: Timing,
        scheduling: bool,
    ) -> None:
        self.session = session
        self.db = db
        self.timing = timing
        self.scheduling = scheduling
        self.out = Written()

    def _raw(self, sql: str) -> Iterator[Any]:
        """Rows (named tuples) of a query on the store, attached as ``src``."""
        cursor = self.db.cursor()
        cursor.execute(sql)
        row = namedtuple("row", [d[0] for d in cursor.description])  # type: ignore[misc]
        while True:
            rows = cursor.fetchmany(_BATCH)
            if not rows:
                return
            yield from (row._make(r) for r in rows)

    def run(self, chosen: list[Deck], filtered_selection: bool) -> Written:
        all_decks = {d.id: d for d in self.session.scalars(select(Deck))}
        card_where = note_where = revlog_where = ""
        if filtered_selection:  # the notes with a card in the chosen decks
            ids = ",".join(str(d.id) for d in chosen) or "-1"
            home = "coalesce(original_deck_id, deck_id)"
            notes = f"select note_id from src.cards where {home} in ({ids})"
            card_where = f" where note_id in ({notes})"
            note_where = f" where id in ({notes})"
            cards_of_notes = f"select id from src.cards where note_id in ({notes})"
            revlog_where = f" where card_id in ({cards_of_notes})"
        cards = list(
            self._raw(
                "select id, note_id, ord, coalesce(original_deck_id, deck_id) as home, state,"
                " step, due, new_position, stability, difficulty, last_review, interval_days,"
                " ease_factor, reps, lapses, suspended, buried, buried_until, flag,"
                " desired_retention, decay, modified_at, extra from src.cards" + card_where
            )
        )
        used_decks = {c.home for c in cards} | {d.id for d in chosen if not d.filtered}
        decks = self._decks(all_decks, used_decks)
        notetypes = self._notetypes()
        note_ids = self._notes(note_where, notetypes)
        card_ids = self._cards(cards, decks, note_ids)
        if self.scheduling:
            self._revlog(card_ids, revlog_where)
        self._col(notetypes, max((c.new_position for c in cards), default=0))
        return self.out

    # -- decks and presets -----------------------------------------------------------------

    def _decks(self, all_decks: dict[int, Deck], used: set[int]) -> dict[int, tuple[int, int, int]]:
        """Write nothing yet; remember deck JSON. Returns srs deck id -> (anki id, learn
        steps, relearn steps)."""
        names = {all_decks[i].name for i in used if i in all_decks}
        for name in list(names):  # parents too, so the hierarchy arrives whole
            parts = name.split("::")
            names.update("::".join(parts[:i]) for i in range(1, len(parts)))
        by_name = {d.name: d for d in all_decks.values()}
        presets: dict[int, Preset] = {}
        self.deck_json: dict[str, Any] = {}
        out: dict[int, tuple[int, int, int]] = {}
        for name in sorted(names):
            deck = by_name.get(name)
            if deck is None or deck.filtered:
                continue  # filtered decks stay behind: their cards go home
            preset = deck.preset
            presets[preset.id] = preset
            conf_id = objects.preset_id(preset)
            value = objects.deck_json(deck, conf_id, self.timing.now)
            self.deck_json[str(value["id"])] = value
            out[deck.id] = (
                int(value["id"]),
                len(preset.learn_steps or []),
                len(preset.relearn_steps or []),
            )
            self.out.decks.append(deck.name)
        if "1" not in self.deck_json:
            self.deck_json["1"] = objects.default_deck_json(self.timing.now)
        self.dconf_json: dict[str, Any] = {"1": objects.default_preset_json()}
        for preset in presets.values():
            value = objects.preset_json(preset, self.timing.now)
            self.dconf_json[str(value["id"])] = value
            self.out.presets.append(preset.name)
        return out

    # -- note types and notes --------------------------------------------------------------

    def _notetypes(self) -> dict[int, tuple[int, bool, int]]:
        """Note types as JSON; returns srs id -> (anki id, markdown?, sort field)."""
        self.models_json: dict[str, Any] = {}
        self.notetype_rows = {n.id: n for n in self.session.scalars(select(Notetype))}
        return {
            n.id: (objects.notetype_id(n), bool((n.extra or {}).get("markdown")), n.sort_field)
            for n in self.notetype_rows.values()
        }

    def _notes(self, where: str, notetypes: dict[int, tuple[int, bool, int]]) -> dict[int, int]:
        used: set[int] = set()
        ids: dict[int, int] = {}
        note_id_of = _IdAllocator()
        rows = []
        insert = "insert into notes values (?,?,?,?,?,?,?,?,?,?,?)"
        for r in self._raw(
            "select id, guid, notetype_id, fields, tags, modified_at, source_kind, extra"
            " from src.notes" + where
        ):
            anki_mid, markdown, sortf = notetypes[r.notetype_id]
            used.add(r.notetype_id)
            extra = json.loads(r.extra) if r.extra else {}
            nid = note_id_of(int(extra.get("anki_id") or r.id), r.id)
            fields = r.fields.split("\x1f")
            if markdown or r.source_kind == "obsidian":
                fields = [markdown_to_anki(f) for f in fields]
            for value in fields:
                if "<" in value or "[sound:" in value:
                    self.out.media_refs.update(field_refs(value))
            sort_value = strip_html(fields[sortf] if sortf < len(fields) else "")
            rows.append(
                (
                    nid,
                    r.guid,
                    anki_mid,
                    int(r.modified_at) // 1000,
                    0,
                    r.tags or "",
                    "\x1f".join(fields),
                    sort_value,
                    field_checksum(fields[0]),
                    int(extra.get("anki_flags") or 0),
                    str(extra.get("anki_data") or ""),
                )
            )
            ids[r.id] = nid
            if len(rows) >= _BATCH:
                self.db.executemany(insert, rows)
                rows.clear()
        self.db.executemany(insert, rows)
        for ntid in sorted(used):
            notetype = self.notetype_rows[ntid]
            value = objects.notetype_json(notetype)
            self.models_json[str(value["id"])] = value
            self.out.notetypes.append(notetype.name)
            self.out.template_texts.append(notetype.css or "")
            for t in notetype.templates:
                self.out.template_texts.extend((str(t.get("qfmt", "")), str(t.get("afmt", ""))))
        self.out.notes = len(ids)
        return ids

    # -- cards and review log --------------------------------------------------------------

    def _cards(
        self,
        cards: list[Any],
        decks: dict[int, tuple[int, int, int]],
        note_ids: dict[int, int],
    ) -> dict[int, int]:
        ids: dict[int, int] = {}
        card_id_of = _IdAllocator()
        rows = []
        default = (1, 2, 1)
        for r in cards:
            card: SrsCard = srs_card(r)
            did, learn, relearn = decks.get(r.home, default)
            if self.scheduling:
                s = anki_sched(card, self.timing, learn_steps=learn, relearn_steps=relearn)
            else:
                s = new_card_sched(card)
            cid = card_id_of(int(card.extra.get("anki_id") or r.id), r.id)
            ids[r.id] = cid
            rows.append(
                (
                    cid,
                    note_ids[r.note_id],
                    did,
                    r.ord,
                    int(r.modified_at) // 1000,
                    0,
                    s.type,
                    s.queue,
                    s.due,
                    s.ivl,
                    s.factor,
                    s.reps,
                    s.lapses,
                    s.left,
                    0,
                    0,
                    s.flags,
                    s.data,
                )
            )
        self.db.executemany("insert into cards values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        self.out.cards = len(rows)
        return ids

    def _revlog(self, card_ids: dict[int, int], where: str) -> None:
        """Copy the review log. Anki's revlog id is the answer time in ms and must be unique;
        in the common case (times unique, card ids kept) SQLite copies the rows itself."""
        columns = (
            "select reviewed_at, card_id, 0, rating, interval_after, interval_before, factor,"
            " duration_ms, kind from src.revlog" + where
        )
        unique = self.db.execute(
            "select count() = count(distinct reviewed_at) from src.revlog" + where
        ).fetchone()[0]
        if unique and all(k == v for k, v in card_ids.items()):
            self.db.execute("insert into revlog " + columns + " order by reviewed_at")
            self.out.revlog = self.db.execute("select count() from revlog").fetchone()[0]
            return
        last = 0
        rows = []
        insert = "insert into revlog values (?,?,?,?,?,?,?,?,?)"
        for r in self.db.execute(columns + " order by reviewed_at, id").fetchall():
            cid = card_ids.get(r[1])
            if cid is None:
                continue
            rid = r[0] if r[0] > last else last + 1
            last = rid
            rows.append((rid, cid, *r[2:]))
        self.db.executemany(insert, rows)
        self.out.revlog = len(rows)

    # -- the col row -----------------------------------------------------------------------

    def _col(self, notetypes: dict[int, tuple[int, bool, int]], max_position: int) -> None:
        conf = defaults.conf()
        conf.update(
            rollover=self.timing.rollover_hour,
            creationOffset=self.timing.creation_offset,
            nextPos=max_position + 1,
        )
        if self.models_json:
            conf["curModel"] = int(next(iter(self.models_json)))
        now_ms = int(self.timing.now.timestamp() * 1000)
        self.db.execute(
            "insert into col values (1,?,?,?,?,0,0,0,?,?,?,?,'{}')",
            (
                self.timing.crt,
                now_ms,
                now_ms,
                defaults.SCHEMA_VERSION,
                json.dumps(conf),
                json.dumps(self.models_json),
                json.dumps(self.deck_json),
                json.dumps(self.dconf_json),
            ),
        )


def _attach_store(db: sqlite3.Connection, store_path: Path) -> None:
    """Attach the store read-only as ``src``: bulk rows are copied inside SQLite. The reads
    share one transaction, so notes, cards and review log come from one snapshot."""
    db.execute(f"pragma busy_timeout = {_BUSY_MS}")
    db.execute("attach database ? as src", (store_path.resolve().as_uri() + "?mode=ro",))


def write_collection(
    session: Session,
    store_path: Path,
    path: Path,
    timing: Timing,
    *,
    deck: str | None,
    scheduling: bool,
) -> Written:
    """Write the chosen part of the collection to a new schema-11 SQLite file at ``path``.

    Args:
        session: a read transaction of the store (presets, decks, note types).
        store_path: the store's database file (notes, cards and review log are copied
            from it attached read-only).
        path: where the SQLite file goes (must not exist).
        timing: the exported collection's creation day and zone.
        deck: export only this deck and its children (with every card of their notes).
        scheduling: give cards their scheduling and write the review log; else reset them.

    Raises:
        NotFound: ``deck`` does not exist.
        UsageError: ``deck`` is a filtered deck.
    """
    chosen = select_decks(session, deck)
    db = open_target(path)
    try:
        _attach_store(db, store_path)
        written = _Writer(session, db, timing, scheduling).run(chosen, deck is not None)
        db.execute("commit")
        db.executescript(defaults.INDEX_SQL)
    finally:
        db.close()
    return written
