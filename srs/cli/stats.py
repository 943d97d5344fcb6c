"""Provides ``srs stats``: retention statistics of a deck tree or the whole collection, as a
report in the terminal (rich tables, bars, a calendar heatmap) or as JSON."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

import click
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from srs.cli.common import (
    CONTEXT_SETTINGS,
    deck_option,
    emit_json,
    get_ctx,
    handles_errors,
    json_option,
)
from srs.stats import Period, Stats, compute_stats
from srs.stats.types import RETENTION_LABELS, Histogram, Retention

_SPARK = "▁▂▃▄▅▆▇█"
_HEAT = ("·", "░", "▒", "▓", "█")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PERIOD_NAMES = {"1m": "1 month", "3m": "3 months", "1y": "1 year", "all": "all time"}


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _duration(ms: float) -> str:
    secs = ms / 1000
    if secs < 60:
        return f"{secs:.0f}s"
    if secs < 3600:
        return f"{secs / 60:.0f} min"
    return f"{secs / 3600:.1f} h"


def sparkline(values: Sequence[float], width: int = 60) -> str:
    """Values as a line of block characters, summed into at most ``width`` columns."""
    if not values:
        return ""
    step = max(1, -(-len(values) // width))
    cols = [sum(values[i : i + step]) for i in range(0, len(values), step)]
    top = max(cols)
    if top <= 0:
        return _SPARK[0] * len(cols)
    return "".join(
        _SPARK[min(int(v / top * (len(_SPARK) - 1) + 0.5), len(_SPARK) - 1)] if v else " "
        for v in cols
    )


def heatmap(first_day: str, counts: Sequence[int]) -> Text:
    """A GitHub-style calendar: rows Monday..Sunday, one column per week."""
    start = date.fromisoformat(first_day)
    offset = start.weekday()
    weeks = (offset + len(counts) + 6) // 7
    grid = [[" "] * weeks for _ in range(7)]
    top = max(counts, default=0)
    for i, n in enumerate(counts):
        cell = offset + i
        level = 0 if n == 0 or top == 0 else min(4, 1 + int(n / top * 3.999))
        grid[cell % 7][cell // 7] = _HEAT[level]
    months = [" "] * weeks
    for w in range(weeks):
        d = start + timedelta(days=w * 7 - offset)
        if d.day <= 7 and w + 3 <= weeks:
            label = d.strftime("%b")
            months[w : w + 3] = list(label)
    out = Text("    " + "".join(months[:weeks]) + "\n", style="dim")
    for row, name in enumerate(("Mon", "", "Wed", "", "Fri", "", "Sun")):
        out.append(f"{name:<4}", style="dim")
        for ch in grid[row]:
            out.append(ch, style="green" if ch not in (" ", "·") else "dim")
        out.append("\n")
    return out


def _retention_table(stats: Stats) -> Table:
    table = Table(title="True retention", title_justify="left")
    if stats["meta"]["period"] != "all":
        # Anki's table counts only the reviews its chosen range loaded; so does ours.
        table.caption = "Rows count this period's reviews only, as Anki's do (--period all)"
    for col in ("Period", "Young", "Mature", "Total", "Count"):
        table.add_column(col, justify="left" if col == "Period" else "right")

    def cell(passed: int, failed: int, rate: float | None) -> str:
        return f"{_pct(rate)} ({passed}/{passed + failed})"

    for key, label in RETENTION_LABELS.items():
        r: Retention = stats["true_retention"][key]
        table.add_row(
            label,
            cell(r["young_passed"], r["young_failed"], r["young"]),
            cell(r["mature_passed"], r["mature_failed"], r["mature"]),
            _pct(r["total"]),
            str(r["count"]),
        )
    return table


def _counts_table(stats: Stats) -> Table:
    counts = stats["counts"]
    table = Table(title=f"Card counts ({counts['total']} cards)", title_justify="left")
    table.add_column("State")
    table.add_column("Cards", justify="right")
    table.add_column("%", justify="right")
    table.add_column("")
    total = max(counts["total"], 1)
    for key in ("new", "learning", "relearning", "young", "mature", "suspended", "buried"):
        n: int = counts[key]
        table.add_row(
            key.capitalize(), str(n), f"{n / total * 100:.1f}", "█" * round(n / total * 30)
        )
    return table


def _histogram_line(name: str, hist: Histogram, unit: str) -> Text:
    values = [0] * ((hist["bins"][-1][0] + 1) if hist["bins"] else 0)
    for value, count in hist["bins"]:
        if value >= 0:
            values[value] += count
    line = Text(f"{name:<15}", style="bold")
    if not hist["count"]:
        return line.append("no cards")
    line.append(sparkline(values, 30), style="cyan")
    line.append(f" n={hist['count']} mean {_num(hist['mean'], unit)}")
    if hist["median"] is not None:
        line.append(f" median {_num(hist['median'], unit)}")
    return line


def _num(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{value:.1f}{unit}"


def _buttons_table(stats: Stats) -> Table:
    b = stats["buttons"]
    table = Table(title=f"Answer buttons ({_PERIOD_NAMES[b['period']]})", title_justify="left")
    for col in ("Cards", "Again", "Hard", "Good", "Easy", "Correct"):
        table.add_column(col, justify="left" if col == "Cards" else "right")
    for key in ("learning", "young", "mature"):
        row: list[int] = b[key]
        total = sum(row)
        table.add_row(
            key.capitalize(), *map(str, row), _pct((total - row[0]) / total if total else None)
        )
    return table


def _calibration_table(stats: Stats) -> Table:
    cal = stats["calibration"]
    table = Table(title=f"Calibration ({cal['count']} reviews)", title_justify="left")
    for col in ("Predicted R", "Reviews", "Predicted", "Measured"):
        table.add_column(col, justify="right")
    for b in cal["bins"]:
        if b["count"]:
            table.add_row(
                f"{b['low'] * 100:.0f}–{b['high'] * 100:.0f}%",
                str(b["count"]),
                _pct(b["predicted"]),
                _pct(b["measured"]),
            )
    table.add_row(
        "All", str(cal["count"]), _pct(cal["predicted"]), _pct(cal["measured"]), style="bold"
    )
    return table


def render(stats: Stats) -> RenderableType:
    """The human report of ``stats``."""
    meta, today, fc, cal = stats["meta"], stats["today"], stats["forecast"], stats["calendar"]
    deck = _clean(meta["deck"]) if meta["deck"] else "all decks"
    parts: list[RenderableType] = [
        Text(
            f"Statistics: {deck}  ·  {meta['today']}  ·  {_PERIOD_NAMES[meta['period']]}",
            style="bold underline",
        ),
    ]
    if today["answered"]:
        parts.append(
            Text(
                f"Today: {today['cards']} cards, {today['answered']} answers in "
                f"{_duration(today['time_ms'])} ({(today['average_ms'] or 0) / 1000:.1f}s each); "
                f"again {today['again']} ({_pct(today['again'] / today['answered'])}); "
                f"learn {today['learn']}, review {today['review']}, relearn {today['relearn']}, "
                f"filtered {today['filtered']}; "
                f"true retention {_pct(today['true_retention']['total'])}"
            )
        )
    else:
        parts.append(Text("Today: no cards studied yet."))
    parts.append(_retention_table(stats))
    parts.append(
        Text(
            f"Forecast, next {fc['horizon_days']} days (today includes {fc['overdue']} overdue)",
            style="bold",
        )
    )
    parts.append(Text(sparkline(fc["days"], 60), style="yellow"))
    parts.append(
        Text(
            f"due today {fc['days'][0]}, tomorrow {fc['due_tomorrow']}, "
            f"total {fc['total']}, {fc['average_per_day']:.1f}/day, "
            f"daily load {fc['daily_load']}"
        )
    )
    parts.append(Text(f"Reviews, {cal['first_day']} to {cal['last_day']}", style="bold"))
    parts.append(heatmap(cal["first_day"], cal["counts"]))
    avg = cal["average_per_studied_day"]
    parts.append(
        Text(
            f"days studied {cal['days_studied']}/{cal['days_in_range']}, total {cal['total']}, "
            f"{avg or 0:.1f} per day studied, streak {cal['streak']}, "
            f"longest {cal['longest_streak']}"
        )
    )
    parts.append(_counts_table(stats))
    parts.append(Text("Distributions", style="bold"))
    parts.append(_histogram_line("Intervals", stats["intervals"], "d"))
    parts.append(_histogram_line("Stability", stats["stability"], "d"))
    parts.append(_histogram_line("Difficulty", stats["difficulty"], "%"))
    retr = stats["retrievability"]
    r_hist = Histogram(bins=retr["bins"], count=retr["count"], mean=retr["average"], median=None)
    parts.append(_histogram_line("Retrievability", r_hist, "%"))
    parts.append(
        Text(
            f"Estimated knowledge: {stats['knowledge']['cards']:.0f} cards "
            f"({stats['knowledge']['notes']:.0f} notes)"
        )
    )
    parts.append(_calibration_table(stats))
    parts.append(_buttons_table(stats))
    hours = stats["hours"]["hours"]
    parts.append(Text(f"Hours ({_PERIOD_NAMES[stats['hours']['period']]}), 0h → 23h", style="bold"))
    parts.append(Text(sparkline([h["total"] for h in hours], 24), style="magenta"))
    rv = stats["reviews"]
    parts.append(
        Text(
            f"Reviews in period: {rv['total']} in {_duration(rv['time_ms'])}, "
            f"average answer {(rv['average_ms'] or 0) / 1000:.1f}s; "
            f"cards added {stats['added']['total']}"
        )
    )
    return Group(*parts)


@click.command("stats", context_settings=CONTEXT_SETTINGS)
@deck_option
@click.option(
    "--period",
    type=click.Choice(["1m", "3m", "1y", "all"]),
    default="1y",
    show_default=True,
    help="Window of the forecast, buttons, hours and reviews.",
)
@json_option
@handles_errors
def command(deck: str | None, period: Period, as_json: bool) -> None:
    """Show retention statistics (Anki's, computed the same way) for a deck or everything."""
    with get_ctx().open_store() as store, store.read() as session:
        stats = compute_stats(
            session,
            now=store.clock.now(),
            tz=store.clock.tz,
            deck=deck,
            period=period,
            log_cache=store.stats_cache,
        )
    if as_json:
        emit_json(stats)
        return
    Console(highlight=False).print(render(stats))
