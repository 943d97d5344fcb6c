"""Provides ``srs import``: an Anki package (.apkg/.colpkg) or an Obsidian vault folder."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from srs.cli.common import CONTEXT_SETTINGS, emit_json, get_ctx, handles_errors, json_option
from srs.errors import UsageError


@contextmanager
def progress_bar(enabled: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _one_line(text: object, width: int = 70) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _print_details(details: dict[str, list[dict[str, Any]]], limit: int = 50) -> None:
    """What a dry run would do, one line per card (vault imports report these)."""
    for kind, mark in (("added", "+"), ("updated", "~"), ("moved", ">"), ("retired", "-")):
        entries = details.get(kind, [])
        for entry in entries[:limit]:
            if kind == "updated":
                old, new = entry["old"], entry["new"]
                click.echo(
                    f"{mark} {new['where']}: {_one_line(old['front'], 30)} -> "
                    f"{_one_line(new['front'], 30)}"
                )
            elif kind == "moved":
                click.echo(f"{mark} {entry['old']} -> {entry['new']}")
            else:
                click.echo(f"{mark} {entry['where']}: {_one_line(entry['front'])}")
        if len(entries) > limit:
            click.echo(f"  ... and {len(entries) - limit} more {kind} (see --json)")


def _print_report(report: Any) -> None:
    data = report.to_json()
    if data.get("dry_run") and isinstance(data.get("details"), dict):
        _print_details(data["details"])
    for kind, counts in data.items():
        if isinstance(counts, dict) and {"added", "updated", "unchanged"} <= set(counts):
            parts = [f"{k} {v}" for k, v in counts.items() if isinstance(v, int) and v]
            click.echo(f"{kind:<12} {', '.join(parts) if parts else 'nothing'}")
    reasons = data.get("skipped_reasons", [])
    for reason in reasons[:20]:
        click.echo(f"skipped: {reason}", err=True)
    if len(reasons) > 20:
        click.echo(f"... and {len(reasons) - 20} more skipped (see --json)", err=True)
    for notice in data.get("notices", []):
        click.echo(f"note: {notice}", err=True)


@click.command("import", context_settings=CONTEXT_SETTINGS)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--tag", "tags", multiple=True, help="Vault: flashcards tag (default #flashcards).")
@click.option("--all-notes", is_flag=True, help="Vault: read every note, tagged or not.")
@click.option("--decks-from-folders", is_flag=True, help="Vault: deck = the note's folder.")
@json_option
@handles_errors
def command(
    path: Path,
    dry_run: bool,
    tags: tuple[str, ...],
    all_notes: bool,
    decks_from_folders: bool,
    as_json: bool,
) -> None:
    """Import an Anki package (.apkg/.colpkg) or the Q&A blocks of an Obsidian vault folder.

    Imports are one transaction and idempotent: importing the same thing twice changes
    nothing; a failed import leaves the collection as it was.
    """
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    with get_ctx().open_store() as store, progress_bar(not as_json, f"importing {path.name}") as cb:
        if path.is_dir():
            from importers.vault import import_vault
            from importers.vault.options import VaultOptions

            options = VaultOptions(
                flashcard_tags=tuple(t.lstrip("#") for t in tags) or ("flashcards",),
                all_notes=all_notes,
                decks_from_folders=decks_from_folders,
            )
            report: Any = import_vault(store, path, options=options, dry_run=dry_run, progress=cb)
        else:
            from importers.anki import import_package

            report = import_package(store, path, dry_run=dry_run, progress=cb)
    if as_json:
        emit_json(report.to_json())
    else:
        _print_report(report)
        if dry_run:
            click.echo("dry run: nothing was written")
