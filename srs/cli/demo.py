"""Provides ``srs demo``: a throw-away collection seeded from the samples shipped in the
package, opened for review."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from srs.cli.common import CONTEXT_SETTINGS, get_ctx, handles_errors
from srs.cli.review import plain_review
from srs.collection import Collection
from srs.demo import seed_demo


@click.command("demo", context_settings=CONTEXT_SETTINGS)
@click.option("--plain", is_flag=True, help="Line-mode review instead of the TUI.")
@click.option(
    "--keep",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the demo collection here instead of a temporary folder.",
)
@handles_errors
def command(plain: bool, keep: Path | None) -> None:
    """Review a small AI/ML sample deck in a throw-away collection."""
    ctx = get_ctx()
    with tempfile.TemporaryDirectory(prefix="srs-demo-") as tmp:
        path = keep if keep is not None else Path(tmp) / "collection.db"
        if path.exists():
            raise click.UsageError(f"{path} already exists; choose a new file for --keep")
        store = seed_demo(path, ctx.get_clock())
        try:
            col = Collection(store)
            if plain:
                plain_review(col, None)
            else:
                from tui.app import run_app

                run_app(col, deck=None, start_in_review=True)
        finally:
            store.close()
