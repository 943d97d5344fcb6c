"""Provides ``CardInfo``, the browse screen's pane with one card's details and its whole
review history (Anki's Card Info), and the cell formatters the browse table shares."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from srs.domain import CardState, CardView, ReviewKind, ReviewRecord
from tui.flags import FLAG_NAMES
from tui.rendering import strip_control

RATING_NAMES = {0: "Manual", 1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
RATING_STYLES = {1: "red", 2: "yellow", 3: "green", 4: "blue"}


def fmt_due(card: CardView, tz: tzinfo) -> str:
    """The due date in the local zone, ``New #n`` for new cards, with (susp.) marks."""
    if card.suspended:
        return "(suspended)"
    if card.sched.due is None:
        return f"New #{card.new_position}"
    learning = card.sched.state in (CardState.LEARNING, CardState.RELEARNING)
    return card.sched.due.astimezone(tz).strftime("%d %b %H:%M" if learning else "%Y-%m-%d")


def fmt_interval(days: int) -> str:
    """Anki's revlog interval convention: days if positive, -seconds if negative."""
    if days < 0:
        minutes = -days / 60
        return f"{minutes:.0f}m" if minutes < 60 else f"{minutes / 60:.1f}h"
    if days == 0:
        return "—"
    if days < 31:
        return f"{days}d"
    if days < 365:
        return f"{days / 30.4:.1f}mo"
    return f"{days / 365:.1f}y"


def fmt_float(value: float | None, suffix: str = "", digits: int = 1) -> str:
    """``value`` rounded with a unit suffix, or a dash if unknown."""
    return "—" if value is None else f"{value:.{digits}f}{suffix}"


def fmt_percent(value: float | None) -> str:
    """A 0..1 share as a whole percentage, or a dash if unknown."""
    return "—" if value is None else f"{value:.0%}"


def history_table(records: list[ReviewRecord], tz: tzinfo) -> Table:
    """The review log, newest first, as Anki's card info shows it."""
    table = Table(box=None, padding=(0, 1), header_style="bold", expand=False)
    for name in ("Date", "Type", "Rating", "Interval", "Stab.", "Diff.", "Time"):
        table.add_column(name, justify="left" if name in {"Date", "Type"} else "right")
    for record in reversed(records):
        when: datetime = record.reviewed_at.astimezone(tz)
        table.add_row(
            when.strftime("%Y-%m-%d %H:%M"),
            ReviewKind(record.kind).name.title(),
            Text(
                RATING_NAMES.get(record.rating, str(record.rating)),
                style=RATING_STYLES.get(record.rating, ""),
            ),  # fmt: skip
            fmt_interval(record.interval_after),
            fmt_float(record.stability, "d"),
            fmt_float(record.difficulty),
            f"{record.duration_ms / 1000:.1f}s",
        )
    return table


def card_details(card: CardView, records: list[ReviewRecord], tz: tzinfo) -> RenderableType:
    """Card facts in two columns, then the history."""
    sched = card.sched
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_column(style="bold")
    facts.add_column()
    memory = sched.memory
    facts.add_row("Deck", strip_control(card.deck), "State", sched.state.name.title())
    facts.add_row("Due", fmt_due(card, tz), "Interval", fmt_interval(sched.interval_days))
    facts.add_row(
        "Stability", fmt_float(memory.stability if memory else None, "d"),
        "Difficulty", fmt_float(memory.difficulty if memory else None),
    )  # fmt: skip
    facts.add_row("Retrievability", fmt_percent(card.retrievability), "Reviews", str(sched.reps))
    facts.add_row("Lapses", str(sched.lapses), "Flag", FLAG_NAMES[card.flag])
    facts.add_row("Note type", strip_control(card.notetype),
                  "Card id", str(card.card_id))  # fmt: skip
    if card.tags:
        facts.add_row("Tags", strip_control(" ".join(card.tags)), "", "")
    if not records:
        return Group(facts, Text("\nNo reviews yet.", style="dim"))
    return Group(facts, Text(""), history_table(records, tz))


class CardInfo(Static):
    """Shows ``card_details`` for the highlighted card (or a hint when none is)."""

    DEFAULT_CSS = """
    CardInfo {
        height: auto;
        padding: 0 1;
    }
    """

    def show(self, card: CardView | None, records: list[ReviewRecord], tz: tzinfo) -> None:
        """Show ``card`` and its history, or a hint if there is no card."""
        if card is None:
            self.update(Text("No card selected.", style="dim"))
        else:
            self.update(card_details(card, records, tz))
