"""Provides ``EditNoteDialog``, a modal with one text area per field of an Anki note; it
dismisses with the changed fields (by name) or None if cancelled."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea

from tui.rendering import strip_control


class EditNoteDialog(ModalScreen[dict[str, str] | None]):
    """Edit a note's fields as raw HTML; Ctrl+S saves, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, notetype: str, fields: dict[str, str]) -> None:
        super().__init__()
        self.notetype = notetype
        self.fields = fields

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="edit-box") as box:
            box.border_title = f"Edit note ({strip_control(self.notetype)})"
            for index, (name, value) in enumerate(self.fields.items()):
                yield Label(strip_control(name), classes="field-name")
                yield TextArea(value, id=f"field-{index}", classes="field-value")
            with Horizontal(id="edit-buttons"):
                yield Button("Save (Ctrl+S)", variant="primary", id="save")
                yield Button("Cancel (Esc)", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        changed: dict[str, str] = {}
        for index, (name, old) in enumerate(self.fields.items()):
            value = self.query_one(f"#field-{index}", TextArea).text
            if value != old:
                changed[name] = value
        self.dismiss(changed or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
