"""Provides ``Heatmap``: the review calendar as weeks (columns) by weekdays (rows), each day a
block shaded by how many reviews it had, like Anki's calendar graph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

from tui.widgets.charts import blend

WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
LEVELS = 4
GUTTER = 4


def level_bounds(counts: Sequence[int], levels: int = LEVELS) -> list[int]:
    """Upper bounds of the shading levels: quantiles of the days that had reviews."""
    studied = sorted(c for c in counts if c > 0)
    if not studied:
        return []
    return [studied[min(len(studied) - 1, (len(studied) * i) // levels)] for i in range(1, levels)]


def level_of(count: int, bounds: Sequence[int]) -> int:
    """0 for no reviews, else 1..LEVELS."""
    if count <= 0:
        return 0
    for i, bound in enumerate(bounds):
        if count <= bound:
            return i + 1
    return len(bounds) + 1


@dataclass
class Heatmap:
    """Reviews per day from ``first_day`` on (``counts[i]`` is ``first_day`` + i days); as many
    of the latest weeks as fit the width. Weeks start on Sunday, as in Anki."""

    counts: Sequence[int]
    first_day: date
    color: str
    empty_color: str
    background: str
    label_color: str = "#808080"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        label = Style(color=self.label_color)
        # Index days from the Sunday on or before the first day.
        lead = (self.first_day.weekday() + 1) % 7
        start = self.first_day - timedelta(days=lead)
        cells: list[int | None] = [None] * lead + list(self.counts)
        weeks = (len(cells) + 6) // 7
        cells += [None] * (weeks * 7 - len(cells))
        room = max(1, options.max_width - GUTTER)
        cell = 2 if room >= 2 * weeks else 1  # wide enough: a space between the weeks
        shown = max(1, min(weeks, room // cell))
        first_week = weeks - shown
        bounds = level_bounds(self.counts)
        palette = [Style(color=self.empty_color)] + [
            Style(color=blend(self.background, self.color, 0.25 + 0.75 * i / LEVELS))
            for i in range(1, LEVELS + 1)
        ]
        yield Segment(" " * GUTTER + self._months(start, first_week, shown, cell), label)
        yield Segment.line()
        pad = " " * (cell - 1)
        for row in range(7):
            name = WEEKDAYS[row] if row % 2 == 1 else ""
            yield Segment(name.ljust(GUTTER), label)
            for w in range(first_week, weeks):
                count = cells[w * 7 + row]
                if count is None:
                    yield Segment(" " * cell)
                else:
                    lvl = level_of(count, bounds)
                    yield Segment(("■" if lvl else "·") + pad, palette[lvl])
            yield Segment.line()
        legend = [Segment(" " * GUTTER + "less ", label)]
        legend += [Segment("■" if i else "·", palette[i]) for i in range(LEVELS + 1)]
        legend.append(Segment(" more", label))
        yield from legend
        yield Segment.line()

    @staticmethod
    def _months(start: date, first_week: int, shown: int, cell: int) -> str:
        """Month names over the weeks in which the months start (where there is room)."""
        line = [" "] * (shown * cell)
        last_month = None
        for w in range(shown):
            saturday = start + timedelta(weeks=first_week + w, days=6)
            if saturday.month == last_month:
                continue
            last_month = saturday.month
            at = w * cell
            if at + 3 <= len(line) and all(c == " " for c in line[max(0, at - 1) : at + 3]):
                line[at : at + 3] = saturday.strftime("%b")
        return "".join(line).rstrip()
