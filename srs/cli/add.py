"""Provides ``srs add``: add a Basic note from the command line."""

from __future__ import annotations

import click

from srs.cli.common import CONTEXT_SETTINGS, emit_json, get_ctx, handles_errors, json_option
from srs.collection import Collection


@click.command("add", context_settings=CONTEXT_SETTINGS)
@click.option("--front", required=True, help="Front side (HTML allowed, as in Anki).")
@click.option("--back", required=True, help="Back side.")
@click.option(
    "--deck", "-d", default="Default", show_default=True, help="Deck (A::B for a subdeck)."
)
@click.option("--tags", "-t", default="", help="Space- or comma-separated tags.")
@json_option
@handles_errors
def command(front: str, back: str, deck: str, tags: str, as_json: bool) -> None:
    """Add a Basic note (one card) to DECK."""
    tag_list = [t for t in tags.replace(",", " ").split() if t]
    with get_ctx().open_store() as store:
        note_id = Collection(store).add_basic(front, back, deck=deck, tags=tag_list)
    if as_json:
        emit_json({"note_id": note_id, "deck": deck, "tags": tag_list})
    else:
        click.echo(f"added note {note_id} to {deck}")
