"""Provides RichDoc, card content for a terminal, and strip_control for untrusted text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.text import Text

_CONTROL = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL / ST
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b.?"  # any other escape
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # remaining C0 (except \t, \n), DEL, C1
)


def strip_control(text: str) -> str:
    """Remove terminal control sequences and control characters, keeping ``\\n`` and ``\\t``."""
    return _CONTROL.sub("", text)


@dataclass(frozen=True)
class RichDoc:
    """Card content ready for a terminal: styled text plus the media it refers to."""

    text: Text
    sounds: tuple[str, ...] = ()
    images: tuple[str, ...] = ()

    @property
    def plain(self) -> str:
        """The text without styles (for ``--plain`` output, search results, columns)."""
        return self.text.plain

    def __rich__(self) -> Text:
        return self.text

    def __str__(self) -> str:
        return self.plain
