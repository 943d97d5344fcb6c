"""Provides the defaults every collection has (the Default preset and deck, the stock Basic
note type) and adding notes with their cards."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from srs.errors import UsageError
from srs.models import Card, ConfigEntry, Deck, Note, Notetype, Preset
from srs.render.filters import strip_html

DEFAULT_NAME = "Default"
FIELD_SEP = "\x1f"
# Anki's guid alphabet (base91 without quote-like characters that break CSV exports).
_GUID_CHARS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)
BASIC_CSS = """.card {
    font-family: arial;
    font-size: 20px;
    text-align: center;
    color: black;
    background-color: white;
}
"""
BASIC_FIELDS = [{"name": "Front"}, {"name": "Back"}]
BASIC_TEMPLATES = [
    {"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}"}
]


def new_guid() -> str:
    """A random 64-bit guid in Anki's base91 form."""
    value = secrets.randbits(64)
    chars = []
    while value:
        value, rem = divmod(value, len(_GUID_CHARS))
        chars.append(_GUID_CHARS[rem])
    return "".join(reversed(chars)) or _GUID_CHARS[0]


def stable_guid(key: str) -> str:
    """A guid derived from ``key``: the same key always gives the same guid."""
    value = int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big")
    chars = []
    while value:
        value, rem = divmod(value, len(_GUID_CHARS))
        chars.append(_GUID_CHARS[rem])
    return "".join(reversed(chars)) or _GUID_CHARS[0]


def join_fields(values: Sequence[str]) -> str:
    return FIELD_SEP.join(values)


def split_fields(joined: str) -> list[str]:
    return joined.split(FIELD_SEP)


def tags_to_column(tags: Sequence[str]) -> str:
    """Anki's tag column: space-separated, with a leading and trailing space; empty if none."""
    cleaned = [t for t in dict.fromkeys(t.strip() for t in tags) if t]
    return f" {' '.join(cleaned)} " if cleaned else ""


def tags_from_column(column: str) -> tuple[str, ...]:
    return tuple(column.split())


def default_preset(session: Session) -> Preset:
    """The preset new decks get (created on first use)."""
    preset = session.scalars(select(Preset).order_by(Preset.id).limit(1)).first()
    if preset is None:
        preset = Preset(name=DEFAULT_NAME)
        session.add(preset)
        session.flush()
    return preset


def ensure_deck(session: Session, name: str) -> Deck:
    """The deck called ``name`` (``A::B``), created with its parents if missing."""
    name = normalise_deck_name(name)
    deck = session.scalars(select(Deck).where(Deck.name == name)).first()
    if deck is not None:
        return deck
    parts = name.split("::")
    preset = default_preset(session)
    parent_preset_id = preset.id
    for depth in range(1, len(parts) + 1):
        path = "::".join(parts[:depth])
        existing = session.scalars(select(Deck).where(Deck.name == path)).first()
        if existing is None:
            existing = Deck(name=path, preset_id=parent_preset_id)
            session.add(existing)
            session.flush()
        parent_preset_id = existing.preset_id
        deck = existing
    assert deck is not None
    return deck


def normalise_deck_name(name: str) -> str:
    parts = [p.strip() for p in name.split("::")]
    if not name.strip() or any(not p for p in parts):
        raise UsageError(f"deck name {name!r} is empty or has an empty part")
    return "::".join(parts)


CLOZE_FIELDS = [{"name": "Text"}, {"name": "Back Extra"}]
CLOZE_TEMPLATES = [
    {"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>\n{{Back Extra}}"}
]
CLOZE_CSS = BASIC_CSS + ".cloze {\n    font-weight: bold;\n    color: blue;\n}\n"
# name -> (kind, fields, templates, css) of the stock note types srs creates on demand
STOCK_NOTETYPES: dict[str, tuple[str, list[dict[str, str]], list[dict[str, str]], str]] = {
    "Basic": ("standard", BASIC_FIELDS, BASIC_TEMPLATES, BASIC_CSS),
    "Cloze": ("cloze", CLOZE_FIELDS, CLOZE_TEMPLATES, CLOZE_CSS),
}


def ensure_stock_notetype(session: Session, name: str, now: datetime) -> Notetype:
    """The stock note type ``name`` (Basic: Front/Back; Cloze: Text/Back Extra), created if
    missing."""
    nt = session.scalars(select(Notetype).where(Notetype.name == name)).first()
    if nt is None:
        kind, fields, templates, css = STOCK_NOTETYPES[name]
        nt = Notetype(
            name=name,
            kind=kind,
            fields=[dict(f) for f in fields],
            templates=[dict(t) for t in templates],
            css=css,
            modified_at=now,
        )
        session.add(nt)
        session.flush()
    return nt


def ensure_basic_notetype(session: Session, now: datetime) -> Notetype:
    """The stock Basic note type (Front/Back, one card), created if missing."""
    return ensure_stock_notetype(session, "Basic", now)


def next_new_position(session: Session, count: int = 1) -> int:
    """Reserve ``count`` positions at the end of the new-card queue; return the first."""
    entry = session.get(ConfigEntry, "next_new_position")
    if entry is None:
        highest = session.scalar(select(func.max(Card.new_position))) or 0
        entry = ConfigEntry(key="next_new_position", value=int(highest) + 1)
        session.add(entry)
    first = int(entry.value)
    entry.value = first + count
    return first


def add_note(
    session: Session,
    *,
    notetype: Notetype,
    fields: Sequence[str],
    deck: Deck,
    tags: Sequence[str],
    now: datetime,
    ords: Sequence[int],
    guid: str | None = None,
) -> Note:
    """Add a note and one new card per ordinal in ``ords``."""
    if len(fields) != len(notetype.fields):
        raise UsageError(
            f"note type {notetype.name!r} has {len(notetype.fields)} fields, got {len(fields)}"
        )
    if not ords:
        raise UsageError("this note would make no cards (its front side is empty)")
    note = Note(
        guid=guid or new_guid(),
        notetype_id=notetype.id,
        fields=join_fields(fields),
        sort_field=strip_html(fields[notetype.sort_field]) if fields else "",
        tags=tags_to_column(tags),
        source_kind="manual",
        created_at=now,
        modified_at=now,
        extra={},
    )
    session.add(note)
    session.flush()
    position = next_new_position(session, 1)
    for ord_ in ords:
        session.add(
            Card(
                note_id=note.id,
                ord=ord_,
                deck_id=deck.id,
                new_position=position,
                created_at=now,
                modified_at=now,
                extra={},
            )
        )
    session.flush()
    return note
