"""Provides the ``CardView`` that screens and commands show: a card with its question and
answer rendered from its note type's templates, read in one query per batch of cards (the
review screen asks for one after every answer, so no ORM objects are built for it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from srs import scheduler
from srs.domain import BuryKind, CardView, SchedulingConfig, SourceKind, buried_now
from srs.models import Card, Deck, Note, Notetype, Preset
from srs.notes import split_fields, tags_from_column
from srs.render import render_card
from srs.study import card_sched, scheduling_config

_Home = aliased(Deck)
_COLUMNS = (
    Card.id, Card.note_id, Card.ord, Card.state, Card.step, Card.due, Card.new_position,
    Card.stability, Card.difficulty, Card.last_review, Card.interval_days, Card.reps,
    Card.lapses, Card.suspended, Card.buried, Card.buried_until, Card.flag, Note.guid,
    Note.fields.label("note_fields"), Note.tags, Note.source_kind, Note.source_path,
    Note.source_line, Notetype.name.label("nt_name"), Notetype.kind.label("nt_kind"),
    Notetype.fields.label("nt_fields"), Notetype.templates, Notetype.css,
    Deck.name.label("deck_name"), Preset.learn_steps, Preset.relearn_steps,
    Preset.desired_retention, Preset.maximum_interval, Preset.fsrs_params,
    Preset.leech_threshold, Preset.leech_action, Preset.rollover_hour,
)  # fmt: skip


# Built once; run on the connection (Core, no ORM objects) with the ids as one parameter.
_QUERY = (
    select(*_COLUMNS)
    .join(Note, Note.id == Card.note_id)
    .join(Notetype, Notetype.id == Note.notetype_id)
    .join(Deck, Deck.id == Card.deck_id)
    # The preset is the home deck's: a card in a filtered deck keeps its own.
    .join(_Home, _Home.id == func.coalesce(func.nullif(Card.original_deck_id, 0), Card.deck_id))
    .join(Preset, Preset.id == _Home.preset_id)
    .where(Card.id.in_(bindparam("ids", expanding=True)))
)


def _rows(session: Session, card_ids: Sequence[int]) -> Any:
    return session.connection().execute(_QUERY, {"ids": list(card_ids)})


def card_views(
    session: Session, card_ids: Sequence[int], now: datetime, tz: tzinfo
) -> dict[int, CardView]:
    """The cards of ``card_ids`` that exist, as screens show them, by id."""
    out: dict[int, CardView] = {}
    for row in _rows(session, card_ids):
        view, _ = _view(row, now, tz)
        out[view.card_id] = view
    return out


def card_view_and_config(
    session: Session, card_id: int, now: datetime, tz: tzinfo
) -> tuple[CardView, SchedulingConfig] | None:
    """One card as a screen shows it, with its preset's scheduling settings (None if the
    card does not exist)."""
    row = _rows(session, [card_id]).first()
    return _view(row, now, tz) if row is not None else None


def _view(row: Any, now: datetime, tz: tzinfo) -> tuple[CardView, SchedulingConfig]:
    # The row's preset and card columns carry the ORM names, so the study helpers read it.
    names = [f["name"] for f in row.nt_fields]
    values = split_fields(row.note_fields)
    fields = dict(zip(names, values + [""] * (len(names) - len(values)), strict=False))
    is_cloze = row.nt_kind == "cloze"
    templates = row.templates
    template = templates[0] if is_cloze else templates[min(row.ord, len(templates) - 1)]
    tags = tags_from_column(row.tags)
    rendered = render_card(
        template["qfmt"], template["afmt"], fields, row.ord, is_cloze=is_cloze, tags=tags,
        deck=row.deck_name, notetype=row.nt_name, card_name=template.get("name", ""),
    )  # fmt: skip
    sched = card_sched(row)
    config = scheduling_config(row)
    params = scheduler.params_or_default(config.fsrs_params)
    buried = (
        BuryKind(row.buried) if buried_now(row.buried, row.buried_until, now) else BuryKind.NONE
    )
    view = CardView(
        card_id=row.id,
        note_id=row.note_id,
        guid=row.guid,
        deck=row.deck_name,
        ord=row.ord,
        notetype=row.nt_name,
        sched=sched,
        new_position=row.new_position,
        suspended=row.suspended,
        buried=buried,
        flag=row.flag,
        tags=tags,
        question_html=rendered.question_html,
        answer_html=rendered.answer_html,
        source_kind=SourceKind(row.source_kind),
        source_path=row.source_path,
        source_line=row.source_line,
        retrievability=scheduler.card_retrievability(sched, now, params, tz, config.rollover_hour),
        markup="markdown" if row.source_kind == SourceKind.OBSIDIAN else "html",
        css=row.css,
    )
    return view, config
