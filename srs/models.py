"""Provides the SQLAlchemy ORM models of a collection, shaped after Anki's so that imports
are lossless and exports faithful.

Instants are stored as integer epoch milliseconds UTC (``UtcMillis``) and come back as aware
UTC datetimes. Anki data srs does not model field by field is kept verbatim in ``extra``
JSON columns, so that an export can give it back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Computed,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from srs.revlog_codes import CODE_SQL, STABILITY_SQL


class UtcMillis(TypeDecorator[datetime]):
    """An aware UTC datetime stored as integer epoch milliseconds."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; srs stores only aware UTC instants")
        return int(round(value.timestamp() * 1000))

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromtimestamp(value / 1000, UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ConfigEntry(Base):
    """Collection-wide settings (creation time, counters, the FSRS switch, ...)."""

    __tablename__ = "config"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class Preset(Base):
    """Deck options shared by decks (Anki's deck config)."""

    __tablename__ = "presets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    new_per_day: Mapped[int] = mapped_column(Integer, default=20)
    reviews_per_day: Mapped[int] = mapped_column(Integer, default=200)
    learn_steps: Mapped[list[Any]] = mapped_column(JSON, default=lambda: [1.0, 10.0])
    relearn_steps: Mapped[list[Any]] = mapped_column(JSON, default=lambda: [10.0])
    desired_retention: Mapped[float] = mapped_column(Float, default=0.9)
    maximum_interval: Mapped[int] = mapped_column(Integer, default=36500)
    fsrs_params: Mapped[list[Any]] = mapped_column(JSON, default=list)
    bury_new: Mapped[bool] = mapped_column(Boolean, default=False)
    bury_reviews: Mapped[bool] = mapped_column(Boolean, default=False)
    bury_interday_learning: Mapped[bool] = mapped_column(Boolean, default=False)
    leech_threshold: Mapped[int] = mapped_column(Integer, default=8)
    leech_action: Mapped[str] = mapped_column(String, default="tag")
    rollover_hour: Mapped[int] = mapped_column(Integer, default=4)
    anki_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Deck(Base):
    """A deck; ``name`` is the full path with ``::`` separators."""

    __tablename__ = "decks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    preset_id: Mapped[int] = mapped_column(ForeignKey("presets.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    filtered: Mapped[bool] = mapped_column(Boolean, default=False)
    anki_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    preset: Mapped[Preset] = relationship()


class Notetype(Base):
    """A note type: fields, card templates, CSS, standard or cloze."""

    __tablename__ = "notetypes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    kind: Mapped[str] = mapped_column(String, default="standard")
    fields: Mapped[list[Any]] = mapped_column(JSON)  # [{"name": str, ...anki extras}]
    templates: Mapped[list[Any]] = mapped_column(JSON)  # [{"name","qfmt","afmt", ...}]
    css: Mapped[str] = mapped_column(Text, default="")
    sort_field: Mapped[int] = mapped_column(Integer, default=0)
    anki_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    modified_at: Mapped[datetime] = mapped_column(UtcMillis)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Note(Base):
    """A note; ``fields`` joins the field values with ``\\x1f`` as Anki does."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String, unique=True)
    notetype_id: Mapped[int] = mapped_column(ForeignKey("notetypes.id"))
    fields: Mapped[str] = mapped_column(Text)
    sort_field: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")  # " a b::c " like Anki
    source_kind: Mapped[str] = mapped_column(String, default="manual")
    source_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    content_hash: Mapped[str] = mapped_column(String, default="")
    created_at: Mapped[datetime] = mapped_column(UtcMillis)
    modified_at: Mapped[datetime] = mapped_column(UtcMillis)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    notetype: Mapped[Notetype] = relationship()
    cards: Mapped[list[Card]] = relationship(back_populates="note", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_notes_source", "source_kind", "source_path"),)


class Card(Base):
    """A card and its scheduling state (see ``srs.domain.CardSched``)."""

    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    ord: Mapped[int] = mapped_column(Integer, default=0)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id"))
    original_deck_id: Mapped[int | None] = mapped_column(ForeignKey("decks.id"), nullable=True)
    state: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[int] = mapped_column(Integer, default=0)
    due: Mapped[datetime | None] = mapped_column(UtcMillis, nullable=True)
    new_position: Mapped[int] = mapped_column(Integer, default=0)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_review: Mapped[datetime | None] = mapped_column(UtcMillis, nullable=True)
    interval_days: Mapped[int] = mapped_column(Integer, default=0)
    ease_factor: Mapped[int] = mapped_column(Integer, default=0)  # Anki's factor, permille
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    buried: Mapped[int] = mapped_column(Integer, default=0)  # BuryKind
    buried_until: Mapped[datetime | None] = mapped_column(UtcMillis, nullable=True)
    flag: Mapped[int] = mapped_column(Integer, default=0)
    orphaned: Mapped[bool] = mapped_column(Boolean, default=False)
    desired_retention: Mapped[float | None] = mapped_column(Float, nullable=True)
    decay: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcMillis)
    modified_at: Mapped[datetime] = mapped_column(UtcMillis)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    note: Mapped[Note] = relationship(back_populates="cards")

    __table_args__ = (
        UniqueConstraint("note_id", "ord"),
        # Covering index for the study queue: due ranges per state, filtered without lookups.
        Index(
            "ix_cards_queue",
            "state",
            "due",
            "deck_id",
            "suspended",
            "orphaned",
            "buried",
            "buried_until",
        ),  # fmt: skip
        Index("ix_cards_new", "deck_id", "state", "new_position", "ord"),
        Index(
            "ix_cards_filtered",
            "original_deck_id",
            sqlite_where=text("original_deck_id IS NOT NULL"),
        ),
    )


class ReviewLog(Base):
    """One row of the review log (Anki's ``revlog``)."""

    __tablename__ = "revlog"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    reviewed_at: Mapped[datetime] = mapped_column(UtcMillis)
    rating: Mapped[int] = mapped_column(Integer)  # 0 manual, 1..4
    kind: Mapped[int] = mapped_column(Integer)  # ReviewKind
    interval_before: Mapped[int] = mapped_column(Integer, default=0)
    interval_after: Mapped[int] = mapped_column(Integer, default=0)
    factor: Mapped[int] = mapped_column(Integer, default=0)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    # the row as the statistics read it, computed by SQLite as the row is written
    # (``srs.revlog_codes``); never set by hand
    stats_code: Mapped[int] = mapped_column(Integer, Computed(CODE_SQL, persisted=True))
    stats_stability: Mapped[int] = mapped_column(Integer, Computed(STABILITY_SQL, persisted=True))

    __table_args__ = (
        UniqueConstraint("card_id", "reviewed_at"),
        Index("ix_revlog_time", "reviewed_at"),
    )


REVLOG_EPOCH_KEY = "srs.revlog_epoch"
"""The config key of the review log's epoch: a count of the log rows deleted or changed, kept
by triggers (the log is otherwise only appended to, each new row taking a larger id than
every row before it). A copy of the log made at one epoch, up to some id, is still exact at
the same epoch: what followed is the rows after that id (``srs.stats.logcache``).

Undoing an answer deletes its row without moving the epoch: the newest row, which an undo
entry names. Such a row is never in a copy (a copy stops below every row an undo entry
names, and later entries only name newer rows), so copies stay in use across undos. The
migration 0002 creates the same triggers in older collections."""

_BUMP_EPOCH = (
    f"INSERT INTO config (key, value) VALUES ('{REVLOG_EPOCH_KEY}', '1') "
    "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
)
# the deleted row was not the newest, or no undo entry names it (answers record their row as
# "[id]"); the first test is a cheap index lookup, which settles most rows of a large delete
_NOT_UNDONE = (
    "OLD.id < coalesce((SELECT max(id) FROM revlog), OLD.id) "
    "OR NOT EXISTS (SELECT 1 FROM undo WHERE revlog_ids = '[' || OLD.id || ']')"
)
REVLOG_TRIGGERS = (
    f"CREATE TRIGGER revlog_epoch_on_delete AFTER DELETE ON revlog WHEN {_NOT_UNDONE} "
    f"BEGIN {_BUMP_EPOCH}; END",
    f"CREATE TRIGGER revlog_epoch_on_update AFTER UPDATE ON revlog BEGIN {_BUMP_EPOCH}; END",
)


@event.listens_for(ReviewLog.__table__, "after_create")
def _create_revlog_triggers(_table: Any, connection: Any, **_kw: Any) -> None:
    for statement in REVLOG_TRIGGERS:
        connection.exec_driver_sql(statement)


class Media(Base):
    """A file in the media folder, by name, with its SHA-1."""

    __tablename__ = "media"
    name: Mapped[str] = mapped_column(String, primary_key=True)
    sha1: Mapped[str] = mapped_column(String)
    size: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime] = mapped_column(UtcMillis)


class UndoEntry(Base):
    """One undoable action: the card rows as they were before it, and the log rows it added."""

    __tablename__ = "undo"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UtcMillis)
    cards_before: Mapped[list[Any]] = mapped_column(JSON)
    notes_before: Mapped[list[Any]] = mapped_column(JSON, default=list)
    revlog_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)


class SourceFile(Base):
    """An imported source file (vault note), for incremental re-imports."""

    __tablename__ = "source_files"
    path: Mapped[str] = mapped_column(Text, primary_key=True)
    root: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    mtime_ns: Mapped[int] = mapped_column(Integer)
    sha1: Mapped[str] = mapped_column(String)
    imported_at: Mapped[datetime] = mapped_column(UtcMillis)
