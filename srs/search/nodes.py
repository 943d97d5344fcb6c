"""Provides the syntax tree of a parsed search: boolean nodes and one leaf per search kind.

Text in leaves is kept as Anki keeps it after parsing: parser escapes (``\\" \\: \\( \\)
\\-``) are removed, while ``\\\\``, ``\\*`` and ``\\_`` stay so that wildcards can be told from
literal stars and underscores (see ``srs.search.text``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

Comparison = Literal["=", "!=", "<", ">", "<=", ">="]
TextMode = Literal["normal", "regex", "nc"]
StateName = Literal[
    "new", "learn", "review", "due", "buried", "buried-manually", "buried-sibling", "suspended"
]
NumericProp = Literal["ivl", "due", "reps", "lapses", "ease", "pos", "s", "d", "r"]
IdKind = Literal["nid", "cid", "did", "mid"]
DaysKind = Literal["added", "edited", "introduced"]


@dataclass(frozen=True)
class And:
    """All children match."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one child matches."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The child does not match."""

    child: Node


@dataclass(frozen=True)
class WholeCollection:
    """The empty search: every card."""


@dataclass(frozen=True)
class TextSearch:
    """Text anywhere in the note's fields: ``dog``, ``"a dog"``, ``re:...``, ``w:...``,
    ``nc:...`` (ignoring accents), ``sc:...`` (cloze notes, ignoring the cloze markup)."""

    text: str
    mode: Literal["normal", "regex", "word", "nc", "sc"] = "normal"


@dataclass(frozen=True)
class FieldSearch:
    """A whole field's value: ``front:dog`` (field names may hold wildcards)."""

    field: str
    text: str
    mode: TextMode = "normal"


@dataclass(frozen=True)
class DeckSearch:
    """``deck:Name``: the deck and its children (wildcards allowed)."""

    name: str


@dataclass(frozen=True)
class TagSearch:
    """``tag:x``: the tag and its ``x::child`` tags (wildcards allowed)."""

    tag: str
    mode: TextMode = "normal"


@dataclass(frozen=True)
class NotetypeSearch:
    """``note:Basic``."""

    name: str


@dataclass(frozen=True)
class TemplateSearch:
    """``card:1`` (``ordinal`` 0-based) or ``card:Forward``."""

    ordinal: int | None = None
    name: str | None = None


@dataclass(frozen=True)
class PresetSearch:
    """``preset:Default``: cards in decks using that preset."""

    name: str


@dataclass(frozen=True)
class StateSearch:
    """``is:new``, ``is:due``, ..."""

    state: StateName


@dataclass(frozen=True)
class FlagSearch:
    """``flag:0`` .. ``flag:7``."""

    flag: int


@dataclass(frozen=True)
class IdSearch:
    """``nid:1,2``, ``cid:3``, ``did:4``, ``mid:5``."""

    kind: IdKind
    ids: tuple[int, ...]


@dataclass(frozen=True)
class PropSearch:
    """``prop:ivl>=10`` and the other numeric card properties."""

    prop: NumericProp
    op: Comparison
    value: float


@dataclass(frozen=True)
class RatedSearch:
    """Review-log searches. ``rated:N[:ease]`` is ``op=">"`` with ``day=-N``; ``prop:rated``
    and ``prop:resched`` compare the review's day with ``day`` (0 today, -1 yesterday).
    ``ease`` None means any answer button; 0 means a manual reschedule."""

    op: Comparison
    day: int
    ease: int | None = None


@dataclass(frozen=True)
class DaysSearch:
    """``added:N``, ``edited:N``, ``introduced:N``: within the last N days (today = 1)."""

    kind: DaysKind
    days: int


Node: TypeAlias = (
    And
    | Or
    | Not
    | WholeCollection
    | TextSearch
    | FieldSearch
    | DeckSearch
    | TagSearch
    | NotetypeSearch
    | TemplateSearch
    | PresetSearch
    | StateSearch
    | FlagSearch
    | IdSearch
    | PropSearch
    | RatedSearch
    | DaysSearch
)
