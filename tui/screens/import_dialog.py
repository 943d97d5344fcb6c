"""Provides ``ImportDialog``, a modal asking for the path of an Anki package (.apkg, .colpkg)
or an Obsidian vault folder; it dismisses with the path, or None if cancelled."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class ImportDialog(ModalScreen[Path | None]):
    """Type a path, Enter imports, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="import-box") as box:
            box.border_title = "Import"
            yield Label("Anki package (.apkg, .colpkg) or Obsidian vault folder:")
            yield Input(placeholder="~/Downloads/deck.apkg", id="import-path")
            yield Static("", id="import-error")
            yield Static("Enter: import   Esc: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        path = Path(text).expanduser()
        if not path.exists():
            self.query_one("#import-error", Static).update(f"{text}: no such file or folder")
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
