"""Provides ``srs export``: the collection (or one deck) as an Anki package (.apkg)."""

from __future__ import annotations

from pathlib import Path

import click

from srs.cli.common import CONTEXT_SETTINGS, emit_json, get_ctx, handles_errors, json_option


@click.command("export", context_settings=CONTEXT_SETTINGS)
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--deck", "-d", "deck", default=None, help="Export only this deck and its children.")
@click.option("--no-scheduling", is_flag=True, help="Export cards as new, without review history.")
@click.option("--force", is_flag=True, help="Replace OUT if it already exists.")
@json_option
@handles_errors
def command(out: Path, deck: str | None, no_scheduling: bool, force: bool, as_json: bool) -> None:
    """Export to an Anki package OUT (.apkg) that every Anki version imports.

    With scheduling (the default) cards keep their due dates, intervals, FSRS memory state
    and review history. Cards from Obsidian are rendered to Anki HTML with MathJax. An
    existing OUT is refused unless --force is given.
    """
    from srs.export import export_package

    with get_ctx().open_store() as store:
        report = export_package(store, out, deck=deck, scheduling=not no_scheduling, force=force)
    for warning in report.warnings:
        click.echo(f"srs: warning: {warning}", err=True)
    if as_json:
        emit_json(report.to_json())
        return
    history = f", {report.revlog} reviews" if report.scheduling else " (without scheduling)"
    click.echo(
        f"exported {report.notes} notes, {report.cards} cards{history}, "
        f"{report.media} media files to {report.path}"
    )
