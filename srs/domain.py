"""Provides the plain domain types shared by the engine, the importers and the TUI.

These are frozen dataclasses and enums with no database behind them: the scheduler
computes on them, the store converts ORM rows to and from them, widgets render them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum


class CardState(IntEnum):
    """Where a card is in its life; the numbers are Anki's ``cards.type``."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


class Rating(IntEnum):
    """An answer button; the numbers are Anki's ``revlog.ease``."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class ReviewKind(IntEnum):
    """What a review-log row records; the numbers are Anki's ``revlog.type``."""

    LEARN = 0
    REVIEW = 1
    RELEARN = 2
    FILTERED = 3
    MANUAL = 4
    RESCHEDULE = 5


class BuryKind(IntEnum):
    """Why a card is buried; Anki's queue values negated (-2 sibling, -3 manual)."""

    NONE = 0
    SIBLING = 2
    MANUAL = 3


def buried_now(kind: int, until: datetime | None, now: datetime) -> bool:
    """Whether a card with bury ``kind`` and end ``until`` is buried at ``now`` (a bury with
    no end lasts until it is lifted, as in Anki's search)."""
    return kind != BuryKind.NONE and (until is None or until > now)


class NotetypeKind(StrEnum):
    STANDARD = "standard"
    CLOZE = "cloze"


class SourceKind(StrEnum):
    """Where a note came from."""

    MANUAL = "manual"
    ANKI = "anki"
    OBSIDIAN = "obsidian"


class LeechAction(StrEnum):
    SUSPEND = "suspend"
    TAG_ONLY = "tag"


@dataclass(frozen=True)
class MemoryState:
    """FSRS memory state: stability in days, difficulty 1..10."""

    stability: float
    difficulty: float


@dataclass(frozen=True)
class SchedulingConfig:
    """The part of a preset the scheduler needs to answer a card."""

    learn_steps_minutes: tuple[float, ...] = (1.0, 10.0)
    relearn_steps_minutes: tuple[float, ...] = (10.0,)
    desired_retention: float = 0.9
    maximum_interval_days: int = 36500
    fsrs_params: tuple[float, ...] = ()  # empty: the FSRS-6 defaults
    leech_threshold: int = 8
    leech_action: LeechAction = LeechAction.TAG_ONLY
    rollover_hour: int = 4
    fuzz: bool = True


@dataclass(frozen=True)
class CardSched:
    """The scheduling state of one card, as the pure scheduler sees it.

    ``due`` is None for new cards (their order is ``new_position``). ``step`` counts learning
    (or relearning) steps already passed. ``interval_days`` is the last scheduled interval of
    a review card (Anki's ``ivl``).
    """

    state: CardState = CardState.NEW
    step: int = 0
    due: datetime | None = None
    memory: MemoryState | None = None
    last_review: datetime | None = None
    interval_days: int = 0
    reps: int = 0
    lapses: int = 0


@dataclass(frozen=True)
class ReviewRecord:
    """One review-log entry as the scheduler produces it (the store adds the card id)."""

    reviewed_at: datetime
    rating: int  # 0 for manual changes, else Rating
    kind: ReviewKind
    interval_before: int  # Anki convention: days if > 0, -seconds if < 0
    interval_after: int
    factor: int  # Anki's revlog.factor (difficulty mapped to 100..1100 under FSRS)
    stability: float | None
    difficulty: float | None
    duration_ms: int = 0


@dataclass(frozen=True)
class AnswerOutcome:
    """What answering a card produces: the new state, the log row, and leech news."""

    card: CardSched
    review: ReviewRecord
    became_leech: bool = False


@dataclass(frozen=True)
class CardView:
    """A card as a screen or a command shows it: plain values, no ORM."""

    card_id: int
    note_id: int
    guid: str
    deck: str
    ord: int
    notetype: str
    sched: CardSched
    new_position: int
    suspended: bool
    buried: BuryKind
    flag: int
    tags: tuple[str, ...]
    question_html: str = ""
    answer_html: str = ""
    source_kind: SourceKind = SourceKind.MANUAL
    source_path: str | None = None
    source_line: int | None = None
    retrievability: float | None = None
    markup: str = "html"  # "html" (Anki fields) or "markdown" (Obsidian cards)
    css: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeckCounts:
    """A row of the deck list: today's counts after limits, like Anki's deck browser."""

    deck_id: int
    name: str
    new: int
    learn: int
    review: int
    depth: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learn + self.review
