"""Provides ``StatsScreen``: every figure of ``Collection.stats`` as charts and tables (review
calendar heatmap, forecast, true retention, distributions...), with a deck selector and a
period switch; the numbers are computed in a worker thread so the screen opens at once."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Select, Static, Tab, Tabs

from srs.errors import SrsError
from srs.stats.types import Stats
from tui.context import AppContext
from tui.widgets.stats_panels import PANELS, Palette

ALL_DECKS = "\x00all"
PERIODS = {"1m": "1 month", "3m": "3 months", "1y": "1 year", "all": "All time"}
WIDE = 120
"""From this many columns on, the panels are laid out two by two."""


class StatsPanel(Static):
    """One bordered figure; redrawn in the theme's colours whenever new stats arrive."""

    def __init__(self, key: str, title: str) -> None:
        super().__init__("", id=f"panel-{key}", classes="stats-panel")
        self.key = key
        self.border_title = title

    def show(self, stats: Stats) -> None:
        """Draw this panel's figure of ``stats``."""
        palette = Palette.from_variables(self.app.get_css_variables())
        self.update(PANELS[self.key][1](stats, palette))


class StatsScreen(Screen[None]):
    """Statistics of the whole collection or one deck tree, over a chosen period."""

    CSS_PATH = "../styles/stats.tcss"
    AUTO_FOCUS = "#stats-body"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "leave", "Back"),
        Binding("1", "period('1m')", "1 month"),
        Binding("3", "period('3m')", "3 months"),
        Binding("y", "period('1y')", "1 year"),
        Binding("a", "period('all')", "All"),
        Binding("p", "next_period", "Period", show=False),
        Binding("d", "choose_deck", "Deck"),
        Binding("r", "refresh_stats", "Refresh", show=False),
    ]

    class Computed(Message):
        """The stats worker is done (``stats`` is None and ``error`` set if it failed)."""

        def __init__(
            self, request: tuple[str | None, str], stats: Stats | None, error: str = ""
        ) -> None:
            super().__init__()
            self.request = request
            self.stats = stats
            self.error = error

    def __init__(self, context: AppContext, deck: str | None = None, period: str = "1y") -> None:
        super().__init__()
        self.context = context
        self.deck = deck
        self.period = period
        self.stats: Stats | None = None
        """The figures on screen (None until the first computation is done)."""

    def compose(self) -> ComposeResult:
        names = self.context.collection.deck_names()
        options = [("All decks", ALL_DECKS)] + [(name, name) for name in names]
        with Horizontal(id="stats-controls"):
            yield Select(options, value=self.deck if self.deck in names else ALL_DECKS,
                         allow_blank=False, id="stats-deck")  # fmt: skip
            yield Tabs(*(Tab(label, id=f"period-{key}") for key, label in PERIODS.items()),
                       active=f"period-{self.period}", id="stats-period")  # fmt: skip
        with VerticalScroll(id="stats-body"):
            yield Static("", id="stats-error")
            for key, (title, _) in PANELS.items():
                yield StatsPanel(key, title)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Statistics"
        self.watch(self.app, "theme", self._redraw, init=False)
        self.compute_stats()

    def _redraw(self) -> None:
        """Draw the panels again (in the new theme's colours)."""
        if self.stats is not None:
            for panel in self.query(StatsPanel):
                panel.show(self.stats)

    def on_resize(self, event: Resize) -> None:
        self.query_one("#stats-body").set_class(event.size.width >= WIDE, "wide")

    # -- computing ------------------------------------------------------------------------

    def compute_stats(self) -> None:
        """Start computing the stats for the current deck and period (shows a spinner)."""
        self.query_one("#stats-body").loading = True
        self._compute((self.deck, self.period))

    @work(thread=True, exclusive=True, group="stats")
    def _compute(self, request: tuple[str | None, str]) -> None:
        deck, period = request
        try:
            stats = self.context.collection.stats(deck, period)
        except SrsError as error:
            self.post_message(self.Computed(request, None, str(error)))
            return
        self.post_message(self.Computed(request, stats))

    def on_stats_screen_computed(self, event: StatsScreen.Computed) -> None:
        if event.request != (self.deck, self.period):
            return  # an answer to an earlier choice; the current one is on its way
        body = self.query_one("#stats-body")
        body.loading = False
        error = self.query_one("#stats-error", Static)
        error.update(event.error)
        error.display = bool(event.error)
        if event.stats is None:
            return
        self.stats = event.stats
        self._redraw()

    # -- choosing -------------------------------------------------------------------------

    @on(Select.Changed, "#stats-deck")
    def _deck_chosen(self, event: Select.Changed) -> None:
        deck = None if event.value == ALL_DECKS else str(event.value)
        if deck != self.deck:
            self.deck = deck
            self.compute_stats()

    @on(Tabs.TabActivated, "#stats-period")
    def _period_chosen(self, event: Tabs.TabActivated) -> None:
        tab_id = event.tab.id or ""
        period = tab_id.removeprefix("period-")
        if period in PERIODS and period != self.period:
            self.period = period
            self.compute_stats()

    def action_period(self, period: str) -> None:
        """Switch to ``period`` (the tabs follow, and their message recomputes)."""
        self.query_one("#stats-period", Tabs).active = f"period-{period}"

    def action_next_period(self) -> None:
        keys = list(PERIODS)
        self.action_period(keys[(keys.index(self.period) + 1) % len(keys)])

    def action_choose_deck(self) -> None:
        select = self.query_one("#stats-deck", Select)
        select.focus()
        select.action_show_overlay()

    def action_refresh_stats(self) -> None:
        self.compute_stats()

    def action_leave(self) -> None:
        self.dismiss(None)
