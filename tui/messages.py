"""Provides the messages screens post to the app to move between screens, and the ones
workers post back when their work is done."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


class Navigate(Message):
    """Open another screen: "study" (with a deck), "browse", "stats", "import" or "help"."""

    def __init__(self, target: str, deck: str | None = None) -> None:
        super().__init__()
        self.target = target
        self.deck = deck


@dataclass
class ImportFinished(Message):
    """An import worker is done: a summary line, or an error message."""

    summary: str
    error: bool = False
