"""Provides ``HelpScreen``, a modal listing every keyboard shortcut of the app."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Deck list", (
        ("Enter", "study the deck (with its subdecks)"),
        ("Space ← →", "expand / collapse"),
        ("/ or b", "browse cards"), ("t", "statistics"), ("o", "deck options, FSRS"),
        ("i", "import"),
        ("?", "this help"), ("q", "quit"),
    )),
    ("Review", (
        ("Space, Enter", "show the answer (then Enter = Good)"),
        ("1 2 3 4", "Again, Hard, Good, Easy"),
        ("u", "undo (several levels)"), ("s", "suspend"), ("b", "bury"),
        ("f", "flag"), ("e", "edit the note"), ("r", "replay audio"),
        ("Esc, q", "back to the deck list"),
    )),
    ("Deck options", (
        ("Tab, Shift+Tab", "next / previous option"), ("Ctrl+S", "save"),
        ("Ctrl+O", "optimize FSRS"), ("Ctrl+R", "suggest a retention"), ("Esc", "back"),
    )),
    ("Browse", (
        ("/", "search (Anki syntax)"), ("o, O", "sort by the next column, reverse"),
        ("s", "suspend / unsuspend"), ("f", "flag"), ("n", "reset to new"),
        ("u", "undo"), ("Esc", "back"),
    )),
)  # fmt: skip


class HelpScreen(ModalScreen[None]):
    """Shortcuts by screen; any of Escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for title, rows in SECTIONS:
            table.add_row(f"[b]{title}[/b]", "")
            for key, what in rows:
                table.add_row(key, what)
            table.add_row("", "")
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
