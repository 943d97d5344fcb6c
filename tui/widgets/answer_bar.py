"""Provides ``AnswerBar``: "Show answer" while the question is up, then the four rating
buttons, each labelled with the interval it would give (as Anki shows them)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button
from textual.widgets.button import ButtonVariant

from srs.domain import Rating

LABELS = {Rating.AGAIN: "Again", Rating.HARD: "Hard", Rating.GOOD: "Good", Rating.EASY: "Easy"}
VARIANTS: dict[Rating, ButtonVariant] = {
    Rating.AGAIN: "error",
    Rating.HARD: "warning",
    Rating.GOOD: "success",
    Rating.EASY: "primary",
}


class BarButton(Button, can_focus=False):
    """A button driven by the keyboard shortcuts, so it never takes the focus (and so never
    swallows Space or Enter)."""


class AnswerBar(Horizontal):
    """The bottom bar of the review screen."""

    DEFAULT_CSS = """
    AnswerBar {
        height: 1;
        width: 1fr;
        align-horizontal: center;
    }
    AnswerBar BarButton {
        width: 1fr;
        margin: 0 1;
    }
    AnswerBar #show-answer {
        width: 40;
    }
    """

    def compose(self) -> ComposeResult:
        yield BarButton("Space  Show answer", id="show-answer", compact=True,
                        action="screen.show_answer")  # fmt: skip
        for rating in Rating:
            yield BarButton(
                LABELS[rating],
                variant=VARIANTS[rating],
                id=f"rate-{int(rating)}",
                compact=True,
                action=f"screen.rate({int(rating)})",
            )

    def show_question(self) -> None:
        """Only the "Show answer" button."""
        self.query_one("#show-answer").display = True
        for rating in Rating:
            self.query_one(f"#rate-{int(rating)}").display = False

    def show_ratings(self, intervals: dict[Rating, str]) -> None:
        """The four rating buttons with their next intervals."""
        self.query_one("#show-answer").display = False
        for rating in Rating:
            button = self.query_one(f"#rate-{int(rating)}", BarButton)
            interval = intervals.get(rating, "")
            button.label = f"{int(rating)} {LABELS[rating]} {interval}".rstrip()
            button.display = True

    def hide_all(self) -> None:
        """Nothing to answer (the session is over)."""
        for button in self.query(BarButton):
            button.display = False
