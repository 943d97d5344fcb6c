"""Provides ``srs search``: Anki's search syntax over the collection."""

from __future__ import annotations

import click

from srs.cli.common import CONTEXT_SETTINGS, emit_json, get_ctx, handles_errors, json_option
from srs.collection import Collection
from srs.domain import CardView
from srs.render import html_to_text, markdown_to_text, strip_control


def front_text(view: CardView) -> str:
    """The card's question as one line of plain text."""
    doc = (
        markdown_to_text(view.question_html)
        if view.markup == "markdown"
        else html_to_text(view.question_html)
    )
    return " ".join(doc.plain.split())


def row_json(view: CardView) -> dict[str, object]:
    """A search result as the JSON row promised by ``srs search --json``."""
    s = view.sched
    return {
        "card_id": view.card_id,
        "note_id": view.note_id,
        "guid": view.guid,
        "deck": view.deck,
        "ord": view.ord,
        "state": s.state.name.lower(),
        "queue": _queue_name(view),
        "due": s.due.isoformat().replace("+00:00", "Z") if s.due is not None else None,
        "interval_days": s.interval_days,
        "stability": s.memory.stability if s.memory else None,
        "difficulty": s.memory.difficulty if s.memory else None,
        "retrievability": view.retrievability,
        "reps": s.reps,
        "lapses": s.lapses,
        "flag": view.flag,
        "tags": list(view.tags),
        "front": front_text(view),
    }


def _queue_name(view: CardView) -> str:
    if view.suspended:
        return "suspended"
    if view.buried:
        return "buried"
    return view.sched.state.name.lower()


@click.command("search", context_settings=CONTEXT_SETTINGS)
@click.argument("query", default="")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=None, help="At most N cards.")
@json_option
@handles_errors
def command(query: str, limit: int | None, as_json: bool) -> None:
    """Find cards with Anki's search syntax (e.g. 'deck:ML is:due', 'tag:math -is:new')."""
    with get_ctx().open_store() as store:
        col = Collection(store)
        views = col.cards(col.search(query, limit=limit))
    if as_json:
        emit_json([row_json(v) for v in views])
        return
    for v in views:
        due = (
            v.sched.due.astimezone(store.clock.tz).strftime("%Y-%m-%d %H:%M")
            if v.sched.due
            else "new"
        )
        click.echo(
            f"{v.card_id:>14}  {strip_control(v.deck)[:24]:<24}  {due:<16}  {front_text(v)[:60]}"
        )
    click.echo(f"{len(views)} card(s)", err=True)
