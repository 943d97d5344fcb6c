"""Provides chart renderables drawn with block characters (rich only, no plotting library):
``BarChart`` (vertical bars that fit the width they are given), ``HBar`` (a one-line bar)
and the helpers that fold many values into fewer columns."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.color import Color, blend_rgb
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

EIGHTHS = " ▁▂▃▄▅▆▇█"
HORIZONTAL_EIGHTHS = " ▏▎▍▌▋▊▉█"


def blend(low: str, high: str, fraction: float) -> str:
    """A colour ``fraction`` of the way from ``low`` to ``high`` (hex in, hex out)."""
    a = Color.parse(low).get_truecolor()
    b = Color.parse(high).get_truecolor()
    return Color.from_triplet(blend_rgb(a, b, max(0.0, min(1.0, fraction)))).get_truecolor().hex


def fold(values: Sequence[float], columns: int, *, mean: bool = False) -> list[float]:
    """Fold ``values`` into ``columns`` buckets of consecutive values (sums, or means) when
    there are more values than columns; the buckets differ in size by one value at most.

    Args:
        values: the values in order.
        columns: how many buckets there is room for (at least 1).
        mean: average each bucket instead of summing it.
    """
    n = len(values)
    if n <= columns:
        return list(values)
    out: list[float] = []
    for i in range(columns):
        chunk = values[i * n // columns : (i + 1) * n // columns]
        out.append(sum(chunk) / len(chunk) if mean else float(sum(chunk)))
    return out


def short_number(value: float) -> str:
    """``1234`` as ``1.2k``, ``2500000`` as ``2.5M``; small numbers as they are."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    if value == int(value) or value >= 10:
        return f"{value:.0f}"
    return f"{value:.1f}"


@dataclass
class BarChart:
    """Vertical bars, scaled to the tallest, folded to fit the width at render time.

    ``labels`` are the x-axis texts under the first and last value (and the middle one when
    given three); ``folded_by_mean`` averages folded columns (for rates and per-day
    figures) instead of summing them.
    With ``layers`` (colour, values) the bars are stacked: ``values`` are then ignored and
    each cell takes the colour of the layer that fills most of it.
    """

    values: Sequence[float]
    color: str
    height: int = 6
    labels: Sequence[str] = ()
    folded_by_mean: bool = False
    axis_color: str = "#808080"
    layers: Sequence[tuple[str, Sequence[float]]] = ()
    ceiling: float | None = None
    """The value at the top of the chart (None: the tallest bar)."""
    min_gutter: int = 2
    """Columns kept for the y-axis label and line (to align charts drawn one above another)."""

    def _columns(self, room: int) -> list[list[float]]:
        """Per column, the value of each layer (one layer when not stacked)."""
        if not self.layers:
            return [[v] for v in fold(self.values, room, mean=self.folded_by_mean)]
        folded = [fold(values, room, mean=self.folded_by_mean) for _, values in self.layers]
        return [list(parts) for parts in zip(*folded, strict=True)]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        axis = Style(color=self.axis_color)
        colours = [Style(color=c) for c, _ in self.layers] or [Style(color=self.color)]
        gutter = max(2, self.min_gutter)
        for _ in range(3):  # the axis label's width depends on the folding, and back
            cols = self._columns(max(1, options.max_width - gutter))
            top = max((sum(c) for c in cols), default=0.0)
            if self.ceiling is not None:
                top = self.ceiling
            axis_text = short_number(top) if top else "0"
            if len(axis_text) + 1 <= gutter:
                break
            gutter = len(axis_text) + 1
        # A wide chart with few values gets wider bars with a gap between them.
        width = max(1, min(3, (options.max_width - gutter) // max(1, len(cols))))
        bar = width - 1 if width > 1 else 1
        gap = " " * (width - bar)
        scale = self.height * 8 / top if top else 0.0
        # Cumulative layer tops in eighths of a cell, per column.
        stacks = []
        for parts in cols:
            running, tops = 0.0, []
            for part in parts:
                running += part
                tops.append(min(self.height * 8, math.ceil(running * scale)) if running > 0 else 0)
            stacks.append(tops)
        for row in range(self.height, 0, -1):
            label = axis_text if row == self.height else ""
            yield Segment(label.rjust(gutter - 1) + "│", axis)
            floor = (row - 1) * 8
            for tops in stacks:
                fill = max(0, min(8, tops[-1] - floor))
                yield Segment(EIGHTHS[fill] * bar, colours[_layer_in(tops, floor)])
                if gap:
                    yield Segment(gap)
            yield Segment.line()
        span = len(cols) * width
        yield Segment(" " * (gutter - 1) + "└" + "─" * span, axis)
        yield Segment.line()
        if self.labels:
            yield Segment(" " * gutter + _spread(self.labels, span), axis)
            yield Segment.line()


def _layer_in(tops: Sequence[int], floor: int) -> int:
    """The layer that fills most of the cell from ``floor`` to ``floor + 8`` eighths."""
    best, best_share, bottom = 0, -1, 0
    for i, top in enumerate(tops):
        share = max(0, min(top, floor + 8) - max(bottom, floor))
        if share > best_share:
            best, best_share = i, share
        bottom = top
    return best


def _spread(labels: Sequence[str], span: int) -> str:
    """The labels laid over ``span`` cells: first at the left, last at the right."""
    line = [" "] * max(span, sum(len(t) + 1 for t in labels))
    first, last = labels[0], labels[-1]
    line[: len(first)] = first
    if len(labels) > 2:
        middle = labels[len(labels) // 2]
        start = max(len(first) + 1, span // 2 - len(middle) // 2)
        line[start : start + len(middle)] = middle
    if len(labels) > 1:
        start = max(len(line) - len(last), 0)
        line[start:] = last
    return "".join(line).rstrip()


@dataclass
class HBar:
    """A one-line horizontal bar of ``value`` out of ``total`` (``width`` cells at full)."""

    value: float
    total: float
    color: str
    width: int = 20

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, min(self.width, options.max_width))
        eighths = round(self.value / self.total * width * 8) if self.total > 0 else 0
        full, part = divmod(eighths, 8)
        text = "█" * full + (HORIZONTAL_EIGHTHS[part] if part else "")
        yield Segment(text.ljust(width), Style(color=self.color))


def histogram_columns(
    bins: Sequence[Sequence[int]], *, columns: int, cap_quantile: float = 0.95
) -> tuple[list[float], int, int, int]:
    """Spread ``[value, count]`` bins over equal-width buckets from the smallest value up to
    the ``cap_quantile`` value; larger values go into the last bucket.

    Returns:
        (counts per bucket, first value, last value shown, bucket width).
    """
    if not bins:
        return [], 0, 0, 1
    total = sum(c for _, c in bins)
    lo = bins[0][0]
    hi = bins[-1][0]
    seen = 0
    for value, count in bins:
        seen += count
        if seen >= total * cap_quantile:
            hi = value
            break
    step = max(1, math.ceil((hi - lo + 1) / columns))
    buckets = [0.0] * max(1, math.ceil((hi - lo + 1) / step))
    for value, count in bins:
        index = min((value - lo) // step, len(buckets) - 1)
        buckets[index] += count
    return buckets, lo, hi, step
