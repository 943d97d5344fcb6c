"""Provides the ``CardView`` that screens and commands show: a card with its question and
answer rendered from its note type's templates, read in one plain SQL query per batch of
cards (the review screen asks for one after every answer, so no ORM objects are built)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from srs import scheduler
from srs.clock import from_ms
from srs.domain import BuryKind, CardSched, CardView, SchedulingConfig, SourceKind, buried_now
from srs.notes import split_fields, tags_from_column
from srs.render import render_card
from srs.study_answer import (
    CARD_COLUMNS,
    PRESET_JOIN,
    PRESET_SELECT,
    KnownCard,
    PresetRow,
    know_card,
    sched_from_row,
)

# The answer's columns too (``CARD_COLUMNS``): answering a card shown reuses this row.
_CARD_NAMES = ("id", "note_id", "ord", *CARD_COLUMNS)
_NOTE_NAMES = ("guid", "fields", "tags", "source_kind", "source_path", "source_line")
_SQL = (
    f"SELECT {', '.join('c.' + n for n in _CARD_NAMES)}, "
    f"{', '.join('n.' + n for n in _NOTE_NAMES)}, n.notetype_id, d.name, {PRESET_SELECT} "
    "FROM cards c JOIN notes n ON n.id = c.note_id JOIN decks d ON d.id = c.deck_id "
    f"{PRESET_JOIN} WHERE c.id IN "
)
_NOTETYPE_AT = len(_CARD_NAMES) + len(_NOTE_NAMES)
_TAGS_AT = len(_CARD_NAMES) + _NOTE_NAMES.index("tags")
_PRESET_AT = _NOTETYPE_AT + 2
_CHUNK = 500  # ids per query, well under SQLite's limit on parameters


@dataclass(frozen=True)
class NotetypeInfo:
    """What rendering needs of a note type, parsed once."""

    name: str
    is_cloze: bool
    field_names: tuple[str, ...]
    templates: tuple[dict[str, Any], ...]
    css: str


NotetypeCache = dict[int, NotetypeInfo]


def card_views(
    db: sqlite3.Connection, card_ids: Sequence[int], now: datetime, tz: tzinfo
) -> dict[int, CardView]:
    """The cards of ``card_ids`` that exist, as screens show them, by id."""
    out: dict[int, CardView] = {}
    notetypes: NotetypeCache = {}
    ids = list(card_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for row in db.execute(_SQL + f"({','.join('?' * len(chunk))})", chunk):
            view, _ = _view(db, row, now, tz, notetypes)
            out[view.card_id] = view
    return out


def card_view_and_config(
    db: sqlite3.Connection,
    card_id: int,
    now: datetime,
    tz: tzinfo,
    notetypes: NotetypeCache | None = None,
) -> tuple[CardView, SchedulingConfig] | None:
    """One card as a screen shows it, with its preset's scheduling settings (None if the
    card does not exist). ``notetypes`` keeps parsed note types between calls; the caller
    drops it when the collection changes."""
    found = read_card(db, card_id, notetypes if notetypes is not None else {})
    return None if found is None else found.build(now, tz)


class CardRead(NamedTuple):
    """A card's row and note type, read from the database; ``build`` needs no database, so
    it may run while the transaction that read the row commits."""

    row: Any
    notetype: NotetypeInfo

    def build(self, now: datetime, tz: tzinfo) -> tuple[CardView, SchedulingConfig]:
        """The card as a screen shows it, with its preset's scheduling settings."""
        return _view_of(self.row, self.notetype, now, tz)

    def build_and_know(self, now: datetime, tz: tzinfo) -> tuple[CardView, KnownCard]:
        """``build``, and what answering the card needs first (``study_answer.know_card``),
        reading the row's columns once for both."""
        row = self.row
        card, preset, sched = _parts(row)
        view, _ = _build(row, self.notetype, now, tz, card, preset, sched)
        return view, know_card(card, row[_TAGS_AT], preset, now, tz, sched)


def read_card(db: sqlite3.Connection, card_id: int, notetypes: NotetypeCache) -> CardRead | None:
    """What ``card_view_and_config`` reads of a card (None if it does not exist)."""
    row = db.execute(_SQL + "(?)", (card_id,)).fetchone()
    if row is None:
        return None
    return CardRead(row, _notetype(db, row[_NOTETYPE_AT], notetypes))


def _notetype(db: sqlite3.Connection, notetype_id: int, cache: NotetypeCache) -> NotetypeInfo:
    found = cache.get(notetype_id)
    if found is None:
        name, kind, fields, templates, css = db.execute(
            "SELECT name, kind, fields, templates, css FROM notetypes WHERE id = ?",
            (notetype_id,),
        ).fetchone()
        found = NotetypeInfo(
            name=name,
            is_cloze=kind == "cloze",
            field_names=tuple(f["name"] for f in json.loads(fields)),
            templates=tuple(json.loads(templates)),
            css=css,
        )
        cache[notetype_id] = found
    return found


def _view(
    db: sqlite3.Connection, row: Any, now: datetime, tz: tzinfo, notetypes: NotetypeCache
) -> tuple[CardView, SchedulingConfig]:
    return _view_of(row, _notetype(db, row[_NOTETYPE_AT], notetypes), now, tz)


def _view_of(
    row: Any, nt: NotetypeInfo, now: datetime, tz: tzinfo
) -> tuple[CardView, SchedulingConfig]:
    return _build(row, nt, now, tz, *_parts(row))


def _parts(row: Any) -> tuple[dict[str, Any], PresetRow, CardSched]:
    """The row's card columns by name, its preset and its scheduling state."""
    card = dict(zip(_CARD_NAMES, row, strict=False))
    return card, PresetRow(*row[_PRESET_AT:]), sched_from_row(card)


def _build(
    row: Any,
    nt: NotetypeInfo,
    now: datetime,
    tz: tzinfo,
    card: dict[str, Any],
    preset: PresetRow,
    sched: CardSched,
) -> tuple[CardView, SchedulingConfig]:
    width = len(_CARD_NAMES)
    guid, note_fields, note_tags, source_kind, source_path, source_line = row[
        width : width + len(_NOTE_NAMES)
    ]
    deck_name = row[_NOTETYPE_AT + 1]
    config = preset.config()
    names = nt.field_names
    values = split_fields(note_fields)
    fields = dict(zip(names, values + [""] * (len(names) - len(values)), strict=False))
    ord_ = card["ord"]
    template = nt.templates[0] if nt.is_cloze else nt.templates[min(ord_, len(nt.templates) - 1)]
    tags = tags_from_column(note_tags)
    rendered = render_card(
        template["qfmt"], template["afmt"], fields, ord_, is_cloze=nt.is_cloze, tags=tags,
        deck=deck_name, notetype=nt.name, card_name=template.get("name", ""),
    )  # fmt: skip
    params = scheduler.params_or_default(config.fsrs_params)
    until = from_ms(card["buried_until"]) if card["buried_until"] is not None else None
    buried = BuryKind(card["buried"]) if buried_now(card["buried"], until, now) else BuryKind.NONE
    view = CardView(
        card_id=card["id"],
        note_id=card["note_id"],
        guid=guid,
        deck=deck_name,
        ord=ord_,
        notetype=nt.name,
        sched=sched,
        new_position=card["new_position"],
        suspended=bool(card["suspended"]),
        buried=buried,
        flag=card["flag"],
        tags=tags,
        question_html=rendered.question_html,
        answer_html=rendered.answer_html,
        source_kind=SourceKind(source_kind),
        source_path=source_path,
        source_line=source_line,
        retrievability=scheduler.card_retrievability(sched, now, params, tz, config.rollover_hour),
        markup="markdown" if source_kind == SourceKind.OBSIDIAN else "html",
        css=nt.css,
    )
    return view, config
