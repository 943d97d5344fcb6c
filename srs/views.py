"""Provides the conversion of ORM rows into the plain ``CardView`` that screens and commands
show, with the card's question and answer rendered from its note type's templates."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy.orm import Session

from srs import scheduler
from srs.domain import BuryKind, CardView, SourceKind, buried_now
from srs.models import Card, Deck
from srs.notes import split_fields, tags_from_column
from srs.render import render_card
from srs.study import card_sched, preset_for_card


def card_view(session: Session, card: Card, now: datetime, tz: tzinfo) -> CardView:
    """The card as a screen shows it, rendered, with its retrievability now."""
    note = card.note
    nt = note.notetype
    deck = session.get(Deck, card.deck_id)
    deck_name = deck.name if deck is not None else ""
    names = [f["name"] for f in nt.fields]
    values = split_fields(note.fields)
    fields = dict(zip(names, values + [""] * (len(names) - len(values)), strict=False))
    templates = nt.templates
    is_cloze = nt.kind == "cloze"
    template = templates[0] if is_cloze else templates[min(card.ord, len(templates) - 1)]
    tags = tags_from_column(note.tags)
    rendered = render_card(
        template["qfmt"], template["afmt"], fields, card.ord, is_cloze=is_cloze, tags=tags,
        deck=deck_name, notetype=nt.name, card_name=template.get("name", ""),
    )  # fmt: skip
    sched = card_sched(card)
    preset = preset_for_card(session, card)
    params = scheduler.params_or_default(preset.fsrs_params)
    buried = (
        BuryKind(card.buried) if buried_now(card.buried, card.buried_until, now) else BuryKind.NONE
    )
    return CardView(
        card_id=card.id,
        note_id=note.id,
        guid=note.guid,
        deck=deck_name,
        ord=card.ord,
        notetype=nt.name,
        sched=sched,
        new_position=card.new_position,
        suspended=card.suspended,
        buried=buried,
        flag=card.flag,
        tags=tags,
        question_html=rendered.question_html,
        answer_html=rendered.answer_html,
        source_kind=SourceKind(note.source_kind),
        source_path=note.source_path,
        source_line=note.source_line,
        retrievability=scheduler.card_retrievability(sched, now, params, tz, preset.rollover_hour),
        markup="markdown" if note.source_kind == SourceKind.OBSIDIAN else "html",
        css=nt.css,
    )
