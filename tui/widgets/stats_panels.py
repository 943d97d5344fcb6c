"""Provides the stats screen's panel bodies: one function per figure of ``Collection.stats``
that turns it into a rich renderable (tables, bars, the calendar heatmap) in theme colours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from srs.stats.types import RETENTION_LABELS, RETENTION_PERIODS, Histogram, Retention, Stats
from tui.widgets.card_info import fmt_percent
from tui.widgets.charts import BarChart, HBar, blend, histogram_columns, short_number
from tui.widgets.heatmap import Heatmap
from tui.widgets.study_bar import format_elapsed

HIST_COLUMNS = 30


@dataclass(frozen=True)
class Palette:
    """Colours taken from the app's theme (hex strings)."""

    primary: str
    secondary: str
    accent: str
    success: str
    warning: str
    error: str
    muted: str
    background: str
    empty: str

    @classmethod
    def from_variables(cls, v: dict[str, str]) -> Palette:
        """Build from ``App.get_css_variables()``."""

        def pick(name: str, fallback: str) -> str:
            value = v.get(name, fallback)
            return value if value.startswith("#") else fallback

        return cls(
            primary=pick("primary", "#0178D4"),
            secondary=pick("secondary", "#004578"),
            accent=pick("accent", "#ffa62b"),
            success=pick("success", "#4EBF71"),
            warning=pick("warning", "#ffa62b"),
            error=pick("error", "#ba3c5b"),
            muted=pick("foreground-darken-3", pick("panel-lighten-3", "#808080")),
            background=pick("background", "#121212"),
            empty=pick("panel-lighten-1", pick("panel", "#2b2b2b")),
        )


def _kv(rows: Sequence[tuple[str, str]]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1), expand=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


def pct1(value: float | None) -> str:
    """A 0..1 share with one decimal, as Anki's true retention table shows it."""
    return "—" if value is None else f"{value:.1%}"


def _muted(text: str, palette: Palette) -> Text:
    return Text(text, style=palette.muted)


def today_panel(stats: Stats, palette: Palette) -> RenderableType:
    """Cards studied today, time, again count, the learn/review/relearn split."""
    t = stats["today"]
    if not t["answered"]:
        return _muted("No cards have been studied today.", palette)
    average = t["average_ms"]
    return _kv([
        ("Studied", f"{t['cards']} cards, {t['answered']} answers"),
        ("Time", format_elapsed(t["time_ms"] / 1000)
         + (f" ({average / 1000:.1f}s/card)" if average else "")),
        ("Again", f"{t['again']} ({fmt_percent(1 - t['correct'] / t['answered'])})"),
        ("Learn / review / relearn", f"{t['learn']} / {t['review']} / {t['relearn']}"),
        ("True retention", pct1(t["true_retention"]["total"])),
    ])  # fmt: skip


def _rate(values: Retention, kind: str) -> str:
    if kind == "young":
        passed, failed, rate = values["young_passed"], values["young_failed"], values["young"]
    elif kind == "mature":
        passed, failed, rate = values["mature_passed"], values["mature_failed"], values["mature"]
    else:
        passed = values["young_passed"] + values["mature_passed"]
        failed = values["young_failed"] + values["mature_failed"]
        rate = values["total"]
    return f"{pct1(rate)} ({passed}/{passed + failed})" if passed + failed else "—"


def retention_panel(stats: Stats, palette: Palette) -> RenderableType:
    """Anki's true retention table: young, mature and total, by period, with counts."""
    table = Table(box=None, padding=(0, 1), header_style=f"bold {palette.muted}")
    table.add_column("")
    for name in ("Young", "Mature", "Total"):
        table.add_column(name, justify="right")
    for period in RETENTION_PERIODS:
        values = stats["true_retention"].get(period)
        if values is None:
            continue
        table.add_row(RETENTION_LABELS.get(period, period), *(
            _rate(values, kind) for kind in ("young", "mature", "total")))  # fmt: skip
    return table


def counts_panel(stats: Stats, palette: Palette) -> RenderableType:
    """Cards by state, each with a bar of its share."""
    c = stats["counts"]
    colours = {
        "new": palette.primary, "learning": palette.warning, "relearning": palette.error,
        "young": palette.success, "mature": palette.secondary, "suspended": palette.muted,
        "buried": palette.muted,
    }  # fmt: skip
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column()
    for name, colour in colours.items():
        value = int(c[name])  # type: ignore[literal-required]
        table.add_row(name.capitalize(), str(value), HBar(value, c["total"], colour, width=20))
    table.add_row("Total", str(c["total"]), "")
    return table


def forecast_panel(stats: Stats, palette: Palette) -> RenderableType:
    """Reviews due per day from today (overdue in today's bar)."""
    f = stats["forecast"]
    if not f["total"]:
        return _muted("Nothing is due.", palette)
    chart = BarChart(f["days"], palette.primary, labels=("today", f"+{f['horizon_days'] - 1}d"),
                     axis_color=palette.muted, folded_by_mean=True)  # fmt: skip
    summary = (f"Total {f['total']}  ·  overdue {f['overdue']}  ·  tomorrow {f['due_tomorrow']}"
               f"  ·  {f['average_per_day']:.1f}/day  ·  load {f['daily_load']}/day")  # fmt: skip
    return Group(chart, _muted(summary, palette))


def calendar_panel(stats: Stats, palette: Palette) -> RenderableType:
    """The past year's reviews per day as a heatmap, with the streaks."""
    c = stats["calendar"]
    heatmap = Heatmap(c["counts"], date.fromisoformat(c["first_day"]), palette.success,
                      palette.empty, palette.background, palette.muted)  # fmt: skip
    average = c["average_per_studied_day"]
    summary = (f"{c['days_studied']}/{c['days_in_range']} days  ·  {c['total']} reviews"
               f"  ·  {average or 0:.1f}/day  ·  streak {c['streak']}"
               f" (best {c['longest_streak']})")  # fmt: skip
    return Group(heatmap, _muted(summary, palette))


REVIEW_KINDS = ("learn", "young", "mature", "relearn", "filtered")


def _kind_colours(palette: Palette) -> dict[str, str]:
    return {
        "learn": palette.primary,
        "young": blend(palette.background, palette.success, 0.6),
        "mature": palette.success,
        "relearn": palette.error,
        "filtered": palette.warning,
    }


def reviews_panel(stats: Stats, palette: Palette) -> RenderableType:
    """Reviews per day over the period, stacked by kind (as Anki's Reviews graph), and the
    time spent."""
    r = stats["reviews"]
    if not r["total"]:
        return _muted("No reviews in this period.", palette)
    first = r["days"][0]["day"]
    by_day = {d["day"]: d for d in r["days"]}
    colours = _kind_colours(palette)
    layers = [
        (colours[kind], [float(by_day[i][kind]) if i in by_day else 0.0  # type: ignore[literal-required]
                         for i in range(first, 1)])
        for kind in REVIEW_KINDS
    ]  # fmt: skip
    chart = BarChart((), palette.success, labels=(f"{first}d", "today"), layers=layers,
                     axis_color=palette.muted, folded_by_mean=True)  # fmt: skip
    legend = Text()
    for kind in REVIEW_KINDS:
        n = sum(d[kind] for d in r["days"])  # type: ignore[literal-required]
        if n:
            legend.append("■ ", style=colours[kind]).append(f"{kind} {n}  ", style=palette.muted)
    average = r["average_ms"]
    summary = (f"Reviews {r['total']}  ·  time {format_elapsed(r['time_ms'] / 1000)}"
               + (f"  ·  {average / 1000:.1f}s/review" if average else ""))  # fmt: skip
    return Group(chart, legend, _muted(summary, palette))


def histogram_panel(
    hist: Histogram, palette: Palette, colour: str, unit: str, scale: Callable[[int], str]
) -> RenderableType:
    """A distribution as bars, the top 5% folded into the last bar."""
    if not hist["count"]:
        return _muted("No cards with this figure yet.", palette)
    columns, lo, hi, step = histogram_columns(hist["bins"], columns=HIST_COLUMNS)
    last = scale(hi) + ("+" if hist["bins"][-1][0] > hi else "")
    chart = BarChart(columns, colour, height=5, labels=(scale(lo), last), axis_color=palette.muted)
    mean, median = hist["mean"], hist["median"]
    summary = f"Cards {hist['count']}"
    if mean is not None and median is not None:
        summary += f"  ·  mean {mean:.1f}{unit}  ·  median {median:.1f}{unit}"
    return Group(chart, _muted(summary, palette))


def retrievability_panel(stats: Stats, palette: Palette) -> RenderableType:
    """Current recall probability of the cards, and the estimated total knowledge."""
    r = stats["retrievability"]
    if not r["count"]:
        return _muted("No cards with a memory state yet.", palette)
    values = [0.0] * 100
    for value, count in r["bins"]:
        values[value] += count
    lo = next((i for i, v in enumerate(values) if v), 0)
    chart = BarChart(values[lo:], palette.accent, height=5, labels=(f"{lo}%", "100%"),
                     axis_color=palette.muted)  # fmt: skip
    k = stats["knowledge"]
    summary = (f"Average {fmt_percent((r['average'] or 0) / 100)}  ·  knowledge "
               f"{k['cards']:.0f} cards, {k['notes']:.0f} notes")  # fmt: skip
    return Group(chart, _muted(summary, palette))


def buttons_panel(stats: Stats, palette: Palette) -> RenderableType:
    """Answer-button counts by card kind, with the share of correct answers."""
    b = stats["buttons"]
    table = Table(box=None, padding=(0, 1), header_style=f"bold {palette.muted}")
    table.add_column("")
    for name, colour in (("Again", palette.error), ("Hard", palette.warning),
                         ("Good", palette.success), ("Easy", palette.primary)):  # fmt: skip
        table.add_column(Text(name, style=colour), justify="right")
    table.add_column("Correct", justify="right")
    for kind in ("learning", "young", "mature"):
        row: list[int] = b[kind]
        total = sum(row)
        correct = fmt_percent((total - row[0]) / total) if total else "—"
        table.add_row(kind.capitalize(), *(str(n) for n in row), correct)
    return table


def hours_panel(stats: Stats, palette: Palette) -> RenderableType:
    """Reviews by hour of day, and below them each hour's pass rate."""
    hours = stats["hours"]["hours"]
    by_hour = {h["hour"]: h for h in hours}
    values = [float(by_hour[i]["total"]) if i in by_hour else 0.0 for i in range(24)]
    if not any(values):
        return _muted("No reviews in this period.", palette)
    gutter = len(short_number(max(values))) + 1
    chart = BarChart(values, palette.secondary, height=4, labels=("0h", "12h", "23h"),
                     axis_color=palette.muted, min_gutter=max(gutter, 4))  # fmt: skip
    rates = [
        (by_hour[i]["retention"] or 0.0) * 100 if i in by_hour else 0.0 for i in range(24)
    ]  # fmt: skip
    passed = BarChart(rates, palette.success, height=3, axis_color=palette.muted, ceiling=100.0,
                      min_gutter=max(gutter, 4))  # fmt: skip
    busiest = max(hours, key=lambda h: h["total"])
    summary = f"Busiest {busiest['hour']}h ({busiest['total']} reviews)"
    rated = [h for h in hours if h["retention"] is not None and h["total"]]
    if rated:
        best = max(rated, key=lambda h: (h["retention"] or 0.0, h["total"]))
        summary += f"  ·  best {best['hour']}h ({fmt_percent(best['retention'])} passed)"
    return Group(chart, _muted("Passed (%)", palette), passed, _muted(summary, palette))


def calibration_panel(stats: Stats, palette: Palette) -> RenderableType:
    """FSRS's predicted recall against the measured pass rate, by prediction bin."""
    c = stats["calibration"]
    if not c["count"]:
        return _muted("No reviews with an FSRS prediction in this period.", palette)
    table = Table(box=None, padding=(0, 1), header_style=f"bold {palette.muted}")
    for name in ("Predicted", "Reviews", "Expected", "Measured"):
        table.add_column(name, justify="right")
    for b in c["bins"]:
        if b["count"]:
            table.add_row(f"{b['low'] * 100:.0f}–{b['high'] * 100:.0f}%", str(b["count"]),
                          fmt_percent(b["predicted"]), fmt_percent(b["measured"]))  # fmt: skip
    table.add_row(Text("All", style="bold"), str(c["count"]), fmt_percent(c["predicted"]),
                  fmt_percent(c["measured"]))  # fmt: skip
    return table


def added_panel(stats: Stats, palette: Palette) -> RenderableType:
    """Cards added per day over the period."""
    a = stats["added"]
    if not a["total"]:
        return _muted("No cards added in this period.", palette)
    by_day = {d: n for d, n in a["days"]}
    first = min(by_day)
    values = [float(by_day.get(i, 0)) for i in range(first, 1)]
    chart = BarChart(values, palette.primary, height=4, labels=(f"{first}d", "today"),
                     axis_color=palette.muted, folded_by_mean=True)  # fmt: skip
    return Group(chart, _muted(f"Added {short_number(a['total'])}", palette))


def days(value: int) -> str:
    """A day count as ``12d``, ``3mo`` or ``2.1y``."""
    if value >= 365:
        return f"{value / 365:.1f}y"
    if value >= 60:
        return f"{value / 30:.0f}mo"
    return f"{value}d"


def percent(value: int) -> str:
    return f"{value}%"


PANELS: dict[str, tuple[str, Callable[[Stats, Palette], RenderableType]]] = {
    "today": ("Today", today_panel),
    "retention": ("True retention", retention_panel),
    "calendar": ("Review calendar", calendar_panel),
    "counts": ("Card counts", counts_panel),
    "forecast": ("Forecast", forecast_panel),
    "reviews": ("Reviews per day", reviews_panel),
    "intervals": ("Review intervals",
                  lambda s, p: histogram_panel(s["intervals"], p, p.primary, "d", days)),
    "stability": ("Stability",
                  lambda s, p: histogram_panel(s["stability"], p, p.secondary, "d", days)),
    "difficulty": ("Difficulty",
                   lambda s, p: histogram_panel(s["difficulty"], p, p.error, "%", percent)),
    "retrievability": ("Retrievability", retrievability_panel),
    "buttons": ("Answer buttons", buttons_panel),
    "hours": ("Hours of the day", hours_panel),
    "calibration": ("Calibration (FSRS)", calibration_panel),
    "added": ("Added cards", added_panel),
}  # fmt: skip
"""Panel id -> (title, body builder), in display order."""
