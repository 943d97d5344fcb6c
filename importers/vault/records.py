"""Provides the typed source records a vault is parsed into: one ``SourceCard`` per card block,
and ``Problem`` for what had to be skipped, each with its ``path:line``."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from srs.ingest_vault import LegacySchedule


class CardKind(StrEnum):
    """The shape of a card block."""

    BASIC = "basic"
    REVERSED = "reversed"
    CLOZE = "cloze"


@dataclass(frozen=True)
class Problem:
    """Something skipped: where (vault-relative path, 1-based line) and why."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        if self.line <= 0:  # a folder, or a file as a whole before any line is read
            return f"{self.path}: {self.reason}"
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class SourceCard:
    """One card block as written in a note.

    ``front``/``back`` are Markdown; for a cloze block ``front`` is the text with each deletion
    rewritten as Anki's ``{{cN::text::hint}}`` and ``back`` is empty. ``ords`` are the card
    ordinals the block yields. ``line`` is 1-based.
    """

    path: str
    line: int
    end_line: int
    kind: CardKind
    front: str
    back: str
    ords: tuple[int, ...]
    deck: str
    tags: tuple[str, ...] = ()
    block_id: str | None = None
    schedules: tuple[LegacySchedule | None, ...] = ()
    embeds: tuple[str, ...] = ()  # image targets as written (resolved later)

    @property
    def normalised(self) -> str:
        """The text identity is computed from: fields with whitespace collapsed."""
        return normalise(self.front) + "\n\x1f\n" + normalise(self.back)

    @cached_property
    def content_hash(self) -> str:
        """SHA-1 of the normalised text: the identity of a card without a block id."""
        return hashlib.sha1(self.normalised.encode("utf-8")).hexdigest()

    @property
    def where(self) -> str:
        """``path:line`` of the card's first line."""
        return f"{self.path}:{self.line}"


_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Collapse runs of whitespace and trim, so re-wrapping a line is not an edit."""
    return _SPACE.sub(" ", text).strip()
