"""Provides the "edit" action for an Obsidian card: suspend the app, open ``$EDITOR`` at the
card's source file and line, then re-import the vault so the card keeps its history."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from textual.app import App, SuspendNotSupported

from srs.domain import CardView
from srs.errors import SrsError
from tui.context import AppContext


def editor_command(
    path: Path, line: int | None, environ: dict[str, str] | None = None
) -> list[str]:
    """``$VISUAL`` / ``$EDITOR`` (default ``vi``) with ``+line`` and the file; no shell."""
    env = os.environ if environ is None else environ
    editor = shlex.split(env.get("VISUAL") or env.get("EDITOR") or "vi")
    return [*editor, *([f"+{line}"] if line else []), str(path)]


def source_file(context: AppContext, card: CardView) -> tuple[Path, Path] | None:
    """The vault root and the card's file inside it, or None if unknown or outside it."""
    if not card.source_path:
        return None
    root_text = card.extra.get("vault") or context.collection.note_vault_root(card.note_id)
    if not root_text:
        return None
    root = Path(root_text).resolve()
    path = (root / card.source_path).resolve()
    if not path.is_relative_to(root):
        return None
    return root, path


def _reimport(context: AppContext, root: Path) -> str:
    try:
        from importers.vault import import_vault
    except ImportError:
        return "Edited; the vault importer is not available, so the card was not re-imported."
    try:
        import_vault(context.collection.store, root)
    except SrsError as error:
        return f"Edited, but re-importing failed: {error}"
    return "Edited and re-imported."


def edit_obsidian_card(app: App[object], context: AppContext, card: CardView) -> str:
    """Open the editor on the card's source and re-import; returns a message for the user."""
    try:
        found = source_file(context, card)
    except SrsError as error:
        return str(error)
    if found is None:
        return "This card's source file is unknown."
    root, path = found
    command = editor_command(path, card.source_line)
    run = context.editor or subprocess.call
    try:
        try:
            with app.suspend():
                code = run(command)
        except SuspendNotSupported:  # headless (tests): nothing to hand the terminal over
            code = run(command)
    except OSError as error:
        return f"Cannot run the editor {command[0]!r}: {error.strerror}"
    if code != 0:
        return f"The editor exited with status {code}; nothing re-imported."
    return _reimport(context, root)
