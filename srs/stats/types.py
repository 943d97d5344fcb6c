"""Provides the serialisable shapes of the statistics (TypedDicts; ``json.dumps`` takes them
as they are): what ``compute_stats`` returns, the CLI prints and the TUI draws."""

from __future__ import annotations

from typing import Literal, TypedDict

Period = Literal["1m", "3m", "1y", "all"]
PERIOD_DAYS: dict[str, int | None] = {"1m": 30, "3m": 90, "1y": 365, "all": None}
RETENTION_PERIODS = ("today", "yesterday", "week", "month", "year", "all_time")
# The rows of the true-retention table as Anki labels them.
RETENTION_LABELS = {
    "today": "Today",
    "yesterday": "Yesterday",
    "week": "Last week",
    "month": "Last month",
    "year": "Last year",
    "all_time": "All time",
}


class Retention(TypedDict):
    """Passed/failed counts of reviews that count for true retention, and the rates (None
    when nothing counted)."""

    young_passed: int
    young_failed: int
    mature_passed: int
    mature_failed: int
    young: float | None
    mature: float | None
    total: float | None
    count: int


class Today(TypedDict):
    """What was studied on the current local day (Anki's "Today")."""

    date: str
    answered: int
    cards: int
    time_ms: int
    average_ms: float | None
    again: int
    correct: int
    learn: int
    review: int
    relearn: int
    filtered: int
    mature: int
    mature_correct: int
    true_retention: Retention


class Forecast(TypedDict):
    """Reviews due per day from today on; overdue cards are folded into ``days[0]``."""

    horizon_days: int
    days: list[int]
    overdue: int
    total: int
    due_tomorrow: int
    average_per_day: float
    daily_load: int


class Calendar(TypedDict):
    """Reviews per local day for the past year (``counts[i]`` is ``first_day`` + i days)."""

    first_day: str
    last_day: str
    counts: list[int]
    days_studied: int
    days_in_range: int
    total: int
    average_per_studied_day: float | None
    streak: int
    longest_streak: int


class Counts(TypedDict):
    """Cards by state; suspended and buried cards are counted apart from their state."""

    new: int
    learning: int
    relearning: int
    young: int
    mature: int
    suspended: int
    buried: int
    total: int


class Histogram(TypedDict):
    """A distribution as ``[value, count]`` pairs in value order."""

    bins: list[list[int]]
    count: int
    mean: float | None
    median: float | None


class Retrievability(TypedDict):
    """Current recall probability of cards with a memory state; bins in whole percent."""

    bins: list[list[int]]
    count: int
    average: float | None
    sum_by_card: float
    sum_by_note: float


class CalibrationBin(TypedDict):
    low: float
    high: float
    count: int
    predicted: float
    measured: float


class Calibration(TypedDict):
    """FSRS's predicted recall probability at review time against the measured pass rate."""

    bins: list[CalibrationBin]
    count: int
    predicted: float | None
    measured: float | None


class Buttons(TypedDict):
    """Answer-button counts ([again, hard, good, easy]) by card kind over the period."""

    period: str
    learning: list[int]
    young: list[int]
    mature: list[int]


class Hour(TypedDict):
    hour: int
    total: int
    correct: int
    retention: float | None


class Hours(TypedDict):
    """Reviews and their pass rate by local hour of day over the period."""

    period: str
    hours: list[Hour]


class ReviewDay(TypedDict):
    day: int
    learn: int
    young: int
    mature: int
    relearn: int
    filtered: int
    time_ms: int


class Reviews(TypedDict):
    """Reviews per day (``day`` relative to today) over the period, with time spent."""

    period: str
    days: list[ReviewDay]
    total: int
    time_ms: int
    average_ms: float | None


class Added(TypedDict):
    """Cards added per day (``[day relative to today, count]``) over the period."""

    period: str
    days: list[list[int]]
    total: int


class Knowledge(TypedDict):
    """Estimated total knowledge: the sum of retrievability over cards and over notes."""

    cards: float
    notes: float


class Meta(TypedDict):
    now: str
    timezone: str
    today: str
    rollover_hour: int
    deck: str | None
    period: str


class Stats(TypedDict):
    """Every statistic of a deck tree (or the whole collection)."""

    meta: Meta
    today: Today
    true_retention: dict[str, Retention]
    forecast: Forecast
    calendar: Calendar
    counts: Counts
    intervals: Histogram
    stability: Histogram
    difficulty: Histogram
    retrievability: Retrievability
    calibration: Calibration
    buttons: Buttons
    hours: Hours
    reviews: Reviews
    added: Added
    knowledge: Knowledge
