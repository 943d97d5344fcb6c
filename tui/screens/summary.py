"""Provides ``SummaryScreen``, the modal shown when a review session ends: cards studied,
time spent, how many were Again, and the retention on review cards."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.rendering import strip_control
from tui.session import SessionStats
from tui.widgets.study_bar import format_elapsed


class SummaryScreen(ModalScreen[None]):
    """Congratulations and the session's numbers; any of Enter/Escape/Space closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,space,q", "close", "Back to decks"),
    ]

    def __init__(self, stats: SessionStats, now: float, *, deck: str | None) -> None:
        super().__init__()
        self.stats = stats
        self.now = now
        self.deck = deck

    def compose(self) -> ComposeResult:
        stats = self.stats
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_row("Cards studied", str(stats.cards))
        table.add_row("Time", format_elapsed(self.now - stats.started))
        table.add_row("Again", str(stats.again))
        retention = stats.retention
        table.add_row("Retention", "—" if retention is None else f"{retention:.0%}")
        title = "Congratulations! You have finished this deck for now."
        if stats.cards == 0:
            title = "Nothing to study in this deck right now."
        with Vertical(id="summary-box"):
            yield Static(title, id="summary-title")
            yield Static(strip_control(self.deck or "All decks"), id="summary-deck")
            yield Static(table, id="summary-table")
            yield Static("Enter: back to the deck list", id="summary-hint")

    def action_close(self) -> None:
        self.dismiss(None)
