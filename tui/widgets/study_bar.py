"""Provides ``StudyBar``, the always-visible line with the deck, the remaining new / learn /
review counts (in Anki's blue / red / green) and the time spent in the session."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.flags import FLAG_NAMES, FLAG_STYLES
from tui.rendering import strip_control


def format_elapsed(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss`` past an hour) for a duration in seconds."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class StudyBar(Widget):
    """One line: deck name on the left, counts and elapsed time on the right."""

    DEFAULT_CSS = """
    StudyBar {
        height: 1;
        width: 1fr;
        background: $panel;
        padding: 0 1;
    }
    """

    deck: reactive[str] = reactive("")
    new: reactive[int] = reactive(0)
    learn: reactive[int] = reactive(0)
    review: reactive[int] = reactive(0)
    elapsed: reactive[float] = reactive(0.0)
    current: reactive[str] = reactive("")  # "new" | "learn" | "review" | ""
    flag: reactive[int] = reactive(0)

    def render(self) -> Text:
        counts = Text()
        for label, value, style, key in (
            ("New", self.new, "bold blue", "new"),
            ("Learn", self.learn, "bold red", "learn"),
            ("Due", self.review, "bold green", "review"),
        ):
            text = f"{label} {value}"
            counts.append(text, style=style + (" underline" if key == self.current else ""))
            counts.append("  ")
        counts.append(format_elapsed(self.elapsed), style="bold")
        flag = Text()
        if self.flag:
            flag = Text(f" ⚑ {FLAG_NAMES[self.flag]}", style=f"bold {FLAG_STYLES[self.flag]}")
        width = max(0, self.size.width - counts.cell_len - flag.cell_len - 1)
        name = strip_control(self.deck or "All decks")
        left = Text(name if len(name) <= width else "…" + name[-(width - 1) :] if width else "")
        left.append_text(flag)
        left.pad_right(max(0, self.size.width - counts.cell_len - left.cell_len))
        return left + counts
