"""Provides ``srs check``: the collection's integrity check."""

from __future__ import annotations

import sys

import click

from srs.check import check_collection
from srs.cli.common import CONTEXT_SETTINGS, emit_json, get_ctx, handles_errors, json_option


@click.command("check", context_settings=CONTEXT_SETTINGS)
@json_option
@handles_errors
def command(as_json: bool) -> None:
    """Check the collection: schema version, orphaned rows, missing media. Exit 1 on problems."""
    with get_ctx().open_store() as store:
        report = check_collection(store)
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(f"schema {report.schema_version}: {report.notes} notes, {report.cards} cards")
        for label, items in (
            ("notes without cards", report.notes_without_cards),
            ("cards in missing decks", report.cards_in_missing_decks),
            ("missing media", report.missing_media),
            ("media files not recorded", report.unrecorded_media),
        ):
            if items:
                shown = ", ".join(str(i) for i in items[:10])
                more = f" (+{len(items) - 10} more)" if len(items) > 10 else ""
                click.echo(f"{label}: {len(items)}: {shown}{more}")
        click.echo("ok" if report.ok else "problems found")
    if not report.ok:
        sys.exit(1)
