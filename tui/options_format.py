"""Provides the text side of the deck options screen: the editable fields, parsing what the
user typed into typed values (errors name the field), and the tables of optimisation and
retention results."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from srs.presets import PresetView
from tui.rendering import strip_control

if TYPE_CHECKING:
    from srs.optimize import OptimizeResult, RetentionSuggestion

Kind = Literal["int", "float", "steps"]


@dataclass(frozen=True)
class TextField:
    """One option typed into an Input: the preset field, its label and its kind."""

    name: str
    label: str
    kind: Kind


TEXT_FIELDS: tuple[TextField, ...] = (
    TextField("new_per_day", "New cards/day", "int"),
    TextField("reviews_per_day", "Maximum reviews/day", "int"),
    TextField("learn_steps", "Learning steps", "steps"),
    TextField("relearn_steps", "Relearning steps", "steps"),
    TextField("desired_retention", "Desired retention", "float"),
    TextField("maximum_interval", "Maximum interval (days)", "int"),
    TextField("leech_threshold", "Leech threshold (lapses)", "int"),
    TextField("rollover_hour", "Next day starts at (hour)", "int"),
)
SWITCHES: tuple[tuple[str, str], ...] = (
    ("bury_new", "Bury new siblings"),
    ("bury_reviews", "Bury review siblings"),
    ("bury_interday_learning", "Bury interday learning siblings"),
)
LABELS = {f.name: f.label for f in TEXT_FIELDS} | dict(SWITCHES) | {"leech_action": "Leech action"}

_STEP = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)([smhd]?)$")
_UNIT_MINUTES = {"s": 1 / 60, "m": 1.0, "": 1.0, "h": 60.0, "d": 1440.0}


class FieldError(ValueError):
    """What the user typed into a field cannot be read."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        super().__init__(f"{LABELS.get(name, name)}: {reason}")


def format_steps(steps: tuple[float, ...]) -> str:
    """Minutes as Anki writes them: ``1m 10m 1h 1d`` (seconds below a minute)."""
    out = []
    for step in steps:
        if step >= 1440 and step % 1440 == 0:
            out.append(f"{step / 1440:g}d")
        elif step >= 60 and step % 60 == 0:
            out.append(f"{step / 60:g}h")
        elif step >= 1:
            out.append(f"{step:g}m")
        else:
            out.append(f"{step * 60:g}s")
    return " ".join(out)


def parse_steps(name: str, text: str) -> list[float]:
    """``1m 10m 1h`` (or plain minutes, spaces or commas between) as minutes."""
    steps = []
    for token in text.replace(",", " ").split():
        match = _STEP.match(token.lower())
        if match is None:
            raise FieldError(name, f"{token!r} is not a step such as 10m, 1h or 1d")
        steps.append(float(match.group(1)) * _UNIT_MINUTES[match.group(2)])
    return steps


def format_value(view: PresetView, field: TextField) -> str:
    """The field's current value as the user edits it."""
    value = getattr(view, field.name)
    if field.kind == "steps":
        return format_steps(value)
    if field.kind == "float":
        return f"{value:g}"
    return str(value)


def parse_value(field: TextField, text: str) -> int | float | list[float]:
    """What the user typed, as the field's type (ranges are checked by the engine)."""
    text = text.strip()
    if field.kind == "steps":
        return parse_steps(field.name, text)
    if field.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise FieldError(field.name, f"{text!r} is not a whole number") from None
    try:
        number = float(text)
    except ValueError:
        raise FieldError(field.name, f"{text!r} is not a number") from None
    if not math.isfinite(number):
        raise FieldError(field.name, f"{text!r} is not a number")
    return number


def preset_summary(view: PresetView, deck: str) -> Text:
    """Which preset the deck uses, which decks share it, and its FSRS parameters."""
    text = Text()
    text.append("Preset ", style="dim")
    text.append(strip_control(view.name), style="bold")
    others = [strip_control(name) for name in view.decks if name != deck]
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        text.append(f"  shared with {shown}", style="dim")
    else:
        text.append("  used by this deck only", style="dim")
    params = "default" if not view.fsrs_params else f"{len(view.fsrs_params)} fitted"
    text.append(f"\nFSRS parameters: {params}", style="dim")
    return text


def optimize_report(result: OptimizeResult) -> RenderableType:
    """Log loss and RMSE before and after, what was used and changed, and any warning."""
    if result.adopted:
        head = Text("Parameters updated.", style="bold green")
    elif result.items:
        head = Text(
            "Kept current parameters: the fitted ones do not predict your history better.",
            style="bold",
        )
    else:
        head = Text("Kept current parameters.", style="bold")
    table = Table(box=None, padding=(0, 2), show_edge=False)
    table.add_column("")
    table.add_column("Before", justify="right")
    table.add_column("After", justify="right")
    table.add_row("Log loss", f"{result.log_loss_before:.4f}", f"{result.log_loss_after:.4f}")
    table.add_row("RMSE (bins)", f"{result.rmse_bins_before:.2%}", f"{result.rmse_bins_after:.2%}")
    facts = Text(
        f"Reviews used: {result.reviews_used}   Cards rescheduled: {result.cards_rescheduled}"
    )
    parts: list[RenderableType] = [head, table, facts]
    if result.warning:
        parts.append(Text(f"Warning: {result.warning}", style="yellow"))
    if result.adopted:
        parts.append(Text(" ".join(f"{w:.4f}" for w in result.parameters), style="dim"))
    return Group(*parts)


def retention_report(suggestion: RetentionSuggestion) -> RenderableType:
    """The suggested retention and the simulated daily workload at each level."""
    head = Text(
        f"Suggested desired retention: {suggestion.suggested_retention:.2f} "
        f"(now {suggestion.current_retention:.2f}); "
        f"{suggestion.deck_size} cards over {suggestion.days_simulated} days",
        style="bold",
    )
    table = Table(box=None, padding=(0, 2), show_edge=False)
    table.add_column("Retention")
    table.add_column("Reviews/day", justify="right")
    table.add_column("Minutes/day", justify="right")
    table.add_column("Remembered", justify="right")
    for level in suggestion.levels:
        mark = ""
        if math.isclose(level.retention, suggestion.current_retention):
            mark = " (now)"
        table.add_row(
            f"{level.retention:.2f}{mark}",
            f"{level.daily_reviews:.1f}",
            f"{level.daily_minutes:.1f}",
            f"{level.memorized:.0f}",
        )
    return Group(head, table)
