"""Provides ``FlagPicker``, a small modal to set a card's flag: 0 (none) to 7, by digit key
or by moving the highlight and pressing Enter."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.flags import FLAG_NAMES, FLAG_STYLES


class FlagPicker(ModalScreen[int | None]):
    """Dismisses with the chosen flag number, or None if cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        *[Binding(str(n), f"pick({n})", show=False) for n in range(8)],
    ]

    def __init__(self, current: int) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        for number, (name, style) in enumerate(zip(FLAG_NAMES, FLAG_STYLES, strict=True)):
            label = Text.assemble((f"{number} ", "bold"), ("⚑ " if number else "  ", style), name)
            options.append(Option(label, id=str(number)))
        picker = OptionList(*options, id="flag-list")
        picker.border_title = "Flag"
        yield picker

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = self.current

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_pick(self, number: int) -> None:
        self.dismiss(number)

    def action_cancel(self) -> None:
        self.dismiss(None)
