"""Provides ``StatsScreen``: today's numbers, true retention, card counts and the due
forecast from ``srs.stats.compute_stats``, computed in a worker thread (a placeholder text if
the stats module is not available)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from srs.errors import SrsError
from tui.context import AppContext
from tui.widgets.card_info import fmt_percent
from tui.widgets.study_bar import format_elapsed

PLACEHOLDER = "Statistics are not available yet (srs.stats is missing)."


def _table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=title, title_style="bold", title_justify="left", box=None,
                  show_header=False, padding=(0, 2))  # fmt: skip
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


def stats_view(stats: Mapping[str, Any]) -> RenderableType:
    """The headline figures of ``compute_stats`` as rich tables."""
    today = stats.get("today", {})
    parts: list[RenderableType] = []
    parts.append(_table("Today", [
        ("Cards studied", str(today.get("cards", 0))),
        ("Answers", str(today.get("answered", 0))),
        ("Time", format_elapsed(today.get("time_ms", 0) / 1000)),
        ("Again", str(today.get("again", 0))),
    ]))  # fmt: skip
    retention = stats.get("true_retention", {})
    parts.append(_table("True retention", [
        (period.replace("_", " ").capitalize(),
         f"{fmt_percent(values.get('total'))} ({values.get('count', 0)})")
        for period, values in retention.items()
    ]))  # fmt: skip
    counts = stats.get("counts", {})
    parts.append(_table("Cards", [(k.capitalize(), str(v)) for k, v in counts.items()]))
    forecast = stats.get("forecast", {})
    parts.append(_table("Forecast", [
        ("Due tomorrow", str(forecast.get("due_tomorrow", 0))),
        ("Overdue", str(forecast.get("overdue", 0))),
        ("Average per day", f"{forecast.get('average_per_day', 0.0):.1f}"),
    ]))  # fmt: skip
    spaced: list[RenderableType] = []
    for part in parts:
        spaced.extend([part, Text("")])
    return Group(*spaced)


class StatsScreen(Screen[None]):
    """Statistics of the whole collection (or one deck)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "leave", "Back")]

    class Computed(Message):
        """The stats worker is done."""

        def __init__(self, body: RenderableType) -> None:
            super().__init__()
            self.body = body

    def __init__(self, context: AppContext, deck: str | None = None) -> None:
        super().__init__()
        self.context = context
        self.deck = deck

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats-body"):
            yield Static("Computing statistics…", id="stats")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Statistics"
        self.compute()

    @work(thread=True, exclusive=True, group="stats")
    def compute(self) -> None:
        """Compute the stats in a worker thread; posts ``Computed``."""
        try:
            from srs.stats import compute_stats
        except ImportError:
            self.post_message(self.Computed(Text(PLACEHOLDER, style="dim")))
            return
        collection = self.context.collection
        try:
            # The engine's read transaction; the stats module is the engine's own reader.
            with collection.store.read() as session:
                stats = compute_stats(session, now=collection.now(), tz=collection.tz,
                                      deck=self.deck)  # fmt: skip
        except SrsError as error:
            self.post_message(self.Computed(Text(str(error), style="bold red")))
            return
        self.post_message(self.Computed(stats_view(stats)))

    def on_stats_screen_computed(self, event: StatsScreen.Computed) -> None:
        self.query_one("#stats", Static).update(event.body)

    def action_leave(self) -> None:
        self.dismiss(None)
