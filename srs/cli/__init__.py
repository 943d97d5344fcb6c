"""Provides the ``srs`` command line: the composition root that wires the engine, the
importers and the TUI together. Each command lives in its own module here."""

from __future__ import annotations

from pathlib import Path

import click

from srs.cli.common import CONTEXT_SETTINGS, CliContext


@click.group(context_settings=CONTEXT_SETTINGS, invoke_without_command=True)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Collection file (default: $SRS_DB, else collection.db in the user data folder).",
)
@click.version_option(package_name="srs", message="srs %(version)s")
@click.pass_context
def cli(ctx: click.Context, db: Path | None) -> None:
    """srs: spaced repetition in the terminal, for people who live in Anki and Obsidian.

    With no command, opens the app on the deck list.
    """
    ctx.ensure_object(CliContext).db = db
    if ctx.invoked_subcommand is None:
        from srs.cli.review import open_app

        open_app(ctx.obj, deck=None, review=False)


def _register() -> None:
    from srs.cli import (
        add,
        check,
        decks,
        demo,
        export,
        import_,
        optimize,
        review,
        search,
        stats,
    )

    for module in (add, check, decks, demo, export, import_, optimize, review, search, stats):
        cli.add_command(module.command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="srs")
