"""Provides ``suggest_retention``: the desired retention that minimises workload per card
remembered, from the fsrs-rs simulator fed with the user's own answer habits and times."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypedDict

import fsrs_rs_python as fsrs_rs
from sqlalchemy import func, select

from srs.domain import ReviewKind
from srs.models import Card
from srs.optimize.fit import effective_params
from srs.optimize.history import LogEntry
from srs.optimize.load import DayCounter, card_logs, preset_deck_ids, resolve_preset
from srs.store import Store

DEFAULT_LEVELS: tuple[float, ...] = (0.70, 0.75, 0.80, 0.85, 0.90, 0.95)
#: Answers slower than this (20 minutes) are the user walking away; fsrs-rs drops them too.
_MAX_DURATION_MS = 1_200_000
#: No daily time cap: the limits that bind are the preset's new and review limits.
_NO_COST_CAP = 86_400.0


class LevelJson(TypedDict):
    retention: float
    daily_reviews: float
    daily_minutes: float
    memorized: float


class RetentionJson(TypedDict):
    preset: str
    current_retention: float
    suggested_retention: float
    days_simulated: int
    deck_size: int
    levels: list[LevelJson]


@dataclass(frozen=True)
class RetentionLevel:
    """The simulated workload at one desired retention: averages per day over the span, and
    the cards remembered at its end."""

    retention: float
    daily_reviews: float
    daily_minutes: float
    memorized: float


@dataclass(frozen=True)
class RetentionSuggestion:
    """A suggested desired retention and the workload at a few levels, to choose from."""

    preset: str
    current_retention: float
    suggested_retention: float
    days_simulated: int
    deck_size: int
    levels: list[RetentionLevel]

    def to_json(self) -> RetentionJson:
        """The ``srs optimize --retention --json`` shape."""
        return RetentionJson(
            preset=self.preset,
            current_retention=self.current_retention,
            suggested_retention=self.suggested_retention,
            days_simulated=self.days_simulated,
            deck_size=self.deck_size,
            levels=[
                LevelJson(
                    retention=level.retention,
                    daily_reviews=level.daily_reviews,
                    daily_minutes=level.daily_minutes,
                    memorized=level.memorized,
                )
                for level in self.levels
            ],
        )


@dataclass(frozen=True)
class AnswerHabits:
    """First-answer and review-answer button frequencies and mean seconds per answer."""

    first_rating_prob: list[float]
    review_rating_prob: list[float]
    state_rating_costs: list[list[float]]


def answer_habits(
    logs: Iterable[Sequence[LogEntry]], default: fsrs_rs.SimulatorConfig
) -> AnswerHabits:
    """Estimate the simulator's user model from logs (fsrs-rs ``extract_simulator_config``,
    simplified: learning-step transitions keep their defaults).

    Button frequencies come from the first answer of each card-day (a learning day or a
    review day); costs are mean durations per (learn/review/relearn, button). Where the log
    has nothing, the fsrs-rs defaults stay.
    """
    totals = [[0.0] * 4 for _ in range(3)]
    counts = [[0] * 4 for _ in range(3)]
    learn = [0] * 4
    review = [0] * 4
    for log in logs:
        seen_days: set[int] = set()
        for entry in log:
            if not 0 < entry.duration_ms < _MAX_DURATION_MS or not 1 <= entry.rating <= 4:
                continue
            if entry.kind > ReviewKind.RELEARN:
                continue
            totals[entry.kind][entry.rating - 1] += entry.duration_ms / 1000.0
            counts[entry.kind][entry.rating - 1] += 1
            if entry.day in seen_days:
                continue
            seen_days.add(entry.day)
            if entry.kind == ReviewKind.LEARN:
                learn[entry.rating - 1] += 1
            elif entry.kind == ReviewKind.REVIEW:
                review[entry.rating - 1] += 1
    first = list(default.first_rating_prob)
    if sum(learn):
        first = [n / sum(learn) for n in learn]
    passed = list(default.review_rating_prob)
    if sum(review[1:]):
        passed = [n / sum(review[1:]) for n in review[1:]]
    costs = [list(row) for row in default.state_rating_costs]
    for state in range(3):
        for rating in range(4):
            if counts[state][rating]:
                costs[state][rating] = totals[state][rating] / counts[state][rating]
    return AnswerHabits(first, passed, costs)


def suggest_retention(
    store: Store,
    *,
    preset: str | None = None,
    deck: str | None = None,
    levels: Sequence[float] = DEFAULT_LEVELS,
    days: int = 365,
    seed: int = 42,
) -> RetentionSuggestion:
    """Simulate the preset's workload at several desired retentions and suggest one.

    The simulated deck has as many cards as the preset, learned at its new-card limit under
    its review limit and maximum interval, answered with the user's own button habits and
    answer times, scheduled with the preset's parameters. The suggestion is fsrs-rs's
    optimal retention (least time per card remembered), clamped to 0.70-0.95 like Anki.

    Args:
        store: the collection.
        preset: the preset's name; or
        deck: a deck whose preset to use (the only preset if neither is given).
        levels: desired retentions to report the workload of.
        days: days to simulate.
        seed: simulator seed (results are deterministic for a seed).
    """
    with store.read() as session:
        row = resolve_preset(session, preset, deck)
        deck_ids = preset_deck_ids(session, row.id)
        home = func.coalesce(Card.original_deck_id, Card.deck_id)
        deck_size = int(session.scalar(select(func.count(Card.id)).where(home.in_(deck_ids))) or 0)
        default = fsrs_rs.default_simulator_config()
        day_of = DayCounter(store.clock.tz, row.rollover_hour)
        habits = answer_habits((log for _, log in card_logs(session, deck_ids, day_of)), default)
        params = effective_params([float(w) for w in row.fsrs_params])
        config = fsrs_rs.SimulatorConfig(
            deck_size=max(deck_size, 1),
            learn_span=days,
            max_cost_perday=_NO_COST_CAP,
            max_ivl=float(row.maximum_interval),
            first_rating_prob=habits.first_rating_prob,
            review_rating_prob=habits.review_rating_prob,
            learn_limit=max(int(row.new_per_day), 0),
            review_limit=max(int(row.reviews_per_day), 0),
            new_cards_ignore_review_limit=True,
            learning_step_transitions=default.learning_step_transitions,
            relearning_step_transitions=default.relearning_step_transitions,
            state_rating_costs=habits.state_rating_costs,
            learning_step_count=len(row.learn_steps),
            relearning_step_count=len(row.relearn_steps),
        )
        name, current = row.name, float(row.desired_retention)
    rows = []
    for level in levels:
        sim = fsrs_rs.simulate(params, float(level), config, seed)
        span = max(len(sim.review_cnt_per_day), 1)
        rows.append(
            RetentionLevel(
                retention=float(level),
                daily_reviews=sum(sim.review_cnt_per_day) / span,
                daily_minutes=sum(sim.cost_per_day) / span / 60.0,
                memorized=float(sim.memorized_cnt_per_day[-1])
                if sim.memorized_cnt_per_day
                else 0.0,
            )
        )
    best = float(fsrs_rs.optimal_retention(config, params))
    return RetentionSuggestion(
        preset=name,
        current_retention=current,
        suggested_retention=round(min(max(best, 0.70), 0.95), 2),
        days_simulated=days,
        deck_size=deck_size,
        levels=rows,
    )
