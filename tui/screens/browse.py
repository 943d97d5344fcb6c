"""Provides ``BrowseScreen``: Anki search syntax over all cards, a sortable table (deck,
front, due, interval, stability, difficulty, retrievability, lapses), the highlighted card's
info and history, and suspend / flag / reset from there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from srs.domain import CardView
from srs.errors import SrsError
from tui.context import AppContext
from tui.flags import FLAG_NAMES, FLAG_STYLES
from tui.rendering import render_side
from tui.screens.flag_picker import FlagPicker
from tui.widgets.card_info import CardInfo, fmt_due, fmt_float, fmt_interval, fmt_percent

ROW_LIMIT = 1000


def front_text(card: CardView, width: int = 60) -> str:
    """The question as one line of plain text."""
    plain = " ".join(render_side(card.question_html, card.markup).plain.split())
    return plain if len(plain) <= width else plain[: width - 1] + "…"


def _due_key(card: CardView) -> tuple[int, float]:
    if card.sched.due is None:
        return (1, float(card.new_position))
    return (0, card.sched.due.timestamp())


@dataclass(frozen=True)
class Column:
    """A table column: its title, how to show a card in it, and how to sort by it."""

    title: str
    cell: Callable[[CardView], str | Text]
    key: Callable[[CardView], Any]


class BrowseScreen(Screen[None]):
    """Search and manage cards."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back"),
        Binding("slash", "focus_search", "Search"),
        Binding("o", "sort_next", "Sort by"),
        Binding("O", "sort_reverse", "Reverse", show=False),
        Binding("s", "suspend", "Suspend"),
        Binding("f", "flag", "Flag"),
        Binding("n", "reset", "Reset"),
        Binding("u", "undo", "Undo"),
    ]

    class Results(Message):
        """A search finished (in a worker): the cards found, or an error."""

        def __init__(self, query: str, cards: list[CardView], error: str | None) -> None:
            super().__init__()
            self.query = query
            self.cards = cards
            self.error = error

    def __init__(self, context: AppContext, query: str = "") -> None:
        super().__init__()
        self.context = context
        self.query_text = query
        self.cards: list[CardView] = []
        self.sort_column = 2
        self.sort_reverse = False
        self.front_width = 22
        tz = context.collection.tz
        self.columns = [
            Column("Deck", lambda c: c.deck.rsplit("::", 1)[-1], lambda c: c.deck.casefold()),
            Column("Front", lambda c: front_text(c, self.front_width),
                   lambda c: front_text(c, 1000).casefold()),  # fmt: skip
            Column("Due", lambda c: fmt_due(c, tz), _due_key),
            Column("Ivl", lambda c: fmt_interval(c.sched.interval_days),
                   lambda c: c.sched.interval_days),  # fmt: skip
            Column("Stab", lambda c: fmt_float(c.sched.memory.stability if c.sched.memory
                                               else None, "d"),
                   lambda c: c.sched.memory.stability if c.sched.memory else -1.0),  # fmt: skip
            Column("Diff", lambda c: fmt_float(c.sched.memory.difficulty if c.sched.memory
                                               else None),
                   lambda c: c.sched.memory.difficulty if c.sched.memory else -1.0),  # fmt: skip
            Column("R", lambda c: fmt_percent(c.retrievability),
                   lambda c: c.retrievability if c.retrievability is not None else 2.0),
            Column("Lapses", lambda c: str(c.sched.lapses), lambda c: c.sched.lapses),
        ]  # fmt: skip

    def compose(self) -> ComposeResult:
        yield Input(self.query_text, placeholder="Search (Anki syntax), Enter to run",
                    id="search")  # fmt: skip
        yield Static(id="browse-status")
        table: DataTable[str | Text] = DataTable(id="cards", cursor_type="row", zebra_stripes=True)
        yield table
        with VerticalScroll(id="info-pane"):
            yield CardInfo(id="card-info")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Browse"
        table = self.query_one(DataTable)
        for index, column in enumerate(self.columns):
            table.add_column(column.title, key=str(index))
        self.run_search(self.query_text)
        table.focus()

    # -- searching ----------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_text = event.value
        self.run_search(event.value)
        self.query_one(DataTable).focus()

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        """Search in a worker thread; posts ``Results``."""
        collection = self.context.collection
        try:
            ids = collection.search(query, limit=ROW_LIMIT)
            cards = collection.cards(ids)
        except SrsError as error:
            self.post_message(self.Results(query, [], str(error)))
            return
        self.post_message(self.Results(query, cards, None))

    def on_browse_screen_results(self, event: BrowseScreen.Results) -> None:
        status = self.query_one("#browse-status", Static)
        if event.error is not None:
            status.update(Text(event.error, style="bold red"))
            return
        self.cards = event.cards
        more = f" (first {ROW_LIMIT})" if len(event.cards) >= ROW_LIMIT else ""
        status.update(f"{len(event.cards)} cards{more}")
        self._fill_table()

    def _sorted(self) -> list[CardView]:
        key = self.columns[self.sort_column].key
        return sorted(self.cards, key=key, reverse=self.sort_reverse)

    def _fill_table(self, keep: int | None = None) -> None:
        table = self.query_one(DataTable)
        if keep is None and table.row_count:
            keep = self._current_id()
        table.clear()
        # The other columns take about 58 cells; the question gets what is left.
        self.front_width = max(16, (self.size.width or 80) - 58)
        for index, column in enumerate(self.columns):
            arrow = (" ▼" if self.sort_reverse else " ▲") if index == self.sort_column else ""
            table.columns[_column_key(table, index)].label = Text(column.title + arrow)
        for card in self._sorted():
            cells: list[str | Text] = [col.cell(card) for col in self.columns]
            if card.flag:
                cells[1] = Text(str(cells[1]), style=FLAG_STYLES[card.flag])
            if card.suspended:
                cells = [Text(str(c), style="yellow dim") for c in cells]
            table.add_row(*cells, key=str(card.card_id))
        if keep is not None and str(keep) in {k.value for k in table.rows}:
            table.move_cursor(row=table.get_row_index(str(keep)))
        self._show_info()

    def _current_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(row_key.value) if row_key.value is not None else None

    def _show_info(self) -> None:
        info = self.query_one(CardInfo)
        card_id = self._current_id()
        if card_id is None:
            info.show(None, [], self.context.collection.tz)
            return
        collection = self.context.collection
        try:
            info.show(collection.card(card_id), collection.history(card_id), collection.tz)
        except SrsError as error:
            self.notify(str(error), severity="error")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_info()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self._sort_by(event.column_index)

    # -- actions ------------------------------------------------------------------------

    def _sort_by(self, index: int) -> None:
        if index == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = index, False
        self._fill_table()

    def action_sort_next(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(self.columns)
        self.sort_reverse = False
        self._fill_table()

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._fill_table()

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def _reload(self, card_id: int) -> None:
        """Fetch one changed card again and redraw the table around it."""
        try:
            fresh = self.context.collection.card(card_id)
        except SrsError as error:
            self.notify(str(error), severity="error")
            return
        self.cards = [fresh if c.card_id == card_id else c for c in self.cards]
        self._fill_table(keep=card_id)

    def _selected(self) -> CardView | None:
        card_id = self._current_id()
        return next((c for c in self.cards if c.card_id == card_id), None)

    def action_suspend(self) -> None:
        card = self._selected()
        if card is None:
            return
        try:
            self.context.collection.suspend([card.card_id], not card.suspended)
        except SrsError as error:
            self.notify(str(error), severity="error")
            return
        self.notify("Card unsuspended." if card.suspended else "Card suspended.")
        self._reload(card.card_id)

    def action_flag(self) -> None:
        card = self._selected()
        if card is None:
            return

        def chosen(flag: int | None) -> None:
            if flag is None:
                return
            try:
                self.context.collection.flag([card.card_id], flag)
            except SrsError as error:
                self.notify(str(error), severity="error")
                return
            self.notify(f"Flag: {FLAG_NAMES[flag]}")
            self._reload(card.card_id)

        self.app.push_screen(FlagPicker(card.flag), callback=chosen)

    def action_reset(self) -> None:
        card = self._selected()
        if card is None:
            return
        try:
            self.context.collection.reset([card.card_id])
        except SrsError as error:
            self.notify(str(error), severity="error")
            return
        self.notify("Card reset to new (u to undo).")
        self._reload(card.card_id)

    def action_undo(self) -> None:
        try:
            what = self.context.collection.undo()
        except SrsError as error:
            self.notify(str(error), severity="error")
            return
        self.notify("Nothing to undo." if what is None else f"Undone: {what}")
        self.run_search(self.query_text)

    def action_leave(self) -> None:
        self.dismiss(None)


def _column_key(table: DataTable[Any], index: int) -> Any:
    return list(table.columns)[index]
