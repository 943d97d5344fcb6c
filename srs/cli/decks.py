"""Provides ``srs decks``: the deck tree with today's counts, like Anki's deck list."""

from __future__ import annotations

import click

from srs.cli.common import CONTEXT_SETTINGS, emit_json, get_ctx, handles_errors, json_option
from srs.collection import Collection
from srs.render import strip_control


@click.command("decks", context_settings=CONTEXT_SETTINGS)
@json_option
@handles_errors
def command(as_json: bool) -> None:
    """List decks with today's new / learn / review counts after daily limits."""
    with get_ctx().open_store() as store:
        rows = Collection(store).deck_counts()
    if as_json:
        emit_json(
            [
                {
                    "name": r.name,
                    "new": r.new,
                    "learn": r.learn,
                    "review": r.review,
                    "total": r.total,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        click.echo("no decks yet: try `srs add`, `srs import` or `srs demo`")
        return
    width = max(len("  " * r.depth + strip_control(r.name.rsplit("::", 1)[-1])) for r in rows)
    click.echo(f"{'Deck':<{width}}  {'New':>5} {'Learn':>5} {'Due':>5}")
    for r in rows:
        label = "  " * r.depth + strip_control(r.name.rsplit("::", 1)[-1])
        click.echo(f"{label:<{width}}  {r.new:>5} {r.learn:>5} {r.review:>5}")
