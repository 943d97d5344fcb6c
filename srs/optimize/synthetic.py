"""Provides synthetic review histories simulated from known FSRS parameters, and writing them
into a store, so that tests and benchmarks can check that a fit recovers the truth."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import fsrs_rs_python as fsrs_rs
from sqlalchemy import insert

from srs.clock import day_number, day_start
from srs.domain import CardState, ReviewKind
from srs.models import Card, Deck, Note, Notetype, Preset, ReviewLog
from srs.store import Store


@dataclass(frozen=True)
class SimEntry:
    """One simulated log row."""

    at: datetime
    rating: int
    kind: ReviewKind
    interval_before: int
    interval_after: int
    factor: int
    duration_ms: int


@dataclass
class SimCard:
    """A simulated card: its log and its scheduling state at the end."""

    card_id: int
    entries: list[SimEntry] = field(default_factory=list)
    state: CardState = CardState.NEW
    interval_days: int = 0
    due: datetime | None = None
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None


def recall_probability(params: Sequence[float], stability: float, days: float) -> float:
    """FSRS-6 retrievability after ``days`` at ``stability``."""
    decay = params[20]
    factor = 0.9 ** (-1.0 / decay) - 1.0
    return float((1.0 + factor * days / stability) ** (-decay))


def _factor(difficulty: float) -> int:
    return int(((difficulty - 1.0) / 9.0 + 0.1) * 1000)


def simulate_cards(
    params: Sequence[float],
    *,
    cards: int,
    days: int,
    start: datetime,
    seed: int = 1,
    desired_retention: float = 0.9,
    new_per_day: int = 20,
    first_id: int = 1,
) -> list[SimCard]:
    """Simulate learners answering ``cards`` cards over ``days`` days with ``params`` as the
    truth: each card is learned on a learning day (Again/Hard repeat the step, then Good),
    reviewed when due (UTC day boundaries at 04:00), recalled with the FSRS probability,
    relearned the same day after a lapse. Answer instants are unique across all cards
    (Anki's review-log ids are the answer times in ms).
    """
    used: set[int] = set()

    def unique(at: datetime) -> datetime:
        ms = int(at.timestamp() * 1000) + rng.randrange(1000)
        while ms in used:
            ms += 1
        used.add(ms)
        return datetime.fromtimestamp(ms / 1000, UTC)

    rng = random.Random(seed)
    model = fsrs_rs.FSRS(list(params))
    first_probs = (0.2, 0.1, 0.55, 0.15)
    out: list[SimCard] = []
    start_day = start.replace(hour=4, minute=0, second=0, microsecond=0)
    for index in range(cards):
        card = SimCard(card_id=first_id + index)
        learn_day = min(index // max(new_per_day, 1), days - 1)
        day_base = start_day + timedelta(days=learn_day)
        t = day_base + timedelta(hours=6, seconds=rng.randrange(0, 8 * 3600))
        mem: Any = None
        elapsed = 0
        rating = rng.choices((1, 2, 3, 4), first_probs)[0]
        # learning block: repeat until Good or Easy
        while True:
            states = model.next_states(mem, desired_retention, elapsed)
            mem = (states.again, states.hard, states.good, states.easy)[rating - 1].memory
            graduate = rating >= 3
            ivl = 0
            if graduate:
                ivl = max(
                    1, math.floor(model.next_interval(mem.stability, desired_retention, 0) + 0.5)
                )
            card.entries.append(
                SimEntry(
                    unique(t),
                    rating,
                    ReviewKind.LEARN,
                    0,
                    ivl if graduate else -600,
                    _factor(mem.difficulty),
                    rng.randrange(3000, 15000),
                )
            )
            elapsed = 0
            if graduate:
                break
            t += timedelta(minutes=10)
            rating = rng.choices((1, 2, 3), (0.3, 0.2, 0.5))[0]
        last = t
        interval = ivl
        end = start_day + timedelta(days=days)
        while True:
            due_day = day_start_utc(last) + timedelta(days=interval)
            t = due_day + timedelta(hours=6, seconds=rng.randrange(0, 8 * 3600))
            if t >= end:
                break
            elapsed = (due_day - day_start_utc(last)).days
            recall = recall_probability(params, mem.stability, elapsed)
            states = model.next_states(mem, desired_retention, elapsed)
            previous = interval
            if rng.random() < recall:
                rating = rng.choices((2, 3, 4), (0.15, 0.7, 0.15))[0]
                mem = (states.hard, states.good, states.easy)[rating - 2].memory
                interval = max(
                    1, math.floor(model.next_interval(mem.stability, desired_retention, 0) + 0.5)
                )
                card.entries.append(
                    SimEntry(
                        unique(t),
                        rating,
                        ReviewKind.REVIEW,
                        previous,
                        interval,
                        _factor(mem.difficulty),
                        rng.randrange(2000, 12000),
                    )
                )
            else:
                mem = states.again.memory
                card.entries.append(
                    SimEntry(
                        unique(t),
                        1,
                        ReviewKind.REVIEW,
                        previous,
                        -600,
                        _factor(mem.difficulty),
                        rng.randrange(5000, 20000),
                    )
                )
                t += timedelta(minutes=10)
                mem = model.next_states(mem, desired_retention, 0).good.memory
                interval = max(
                    1, math.floor(model.next_interval(mem.stability, desired_retention, 0) + 0.5)
                )
                card.entries.append(
                    SimEntry(
                        unique(t),
                        3,
                        ReviewKind.RELEARN,
                        -600,
                        interval,
                        _factor(mem.difficulty),
                        rng.randrange(3000, 12000),
                    )
                )
            last = t
        card.state = CardState.REVIEW
        card.interval_days = interval
        card.due = day_start_utc(last) + timedelta(days=interval)
        card.stability, card.difficulty = float(mem.stability), float(mem.difficulty)
        card.last_review = last
        out.append(card)
    return out


def day_start_utc(at: datetime) -> datetime:
    """Start of the UTC scheduling day (04:00 rollover) containing ``at``."""
    return day_start(day_number(at, UTC, 4), UTC, 4)


def write_collection(
    store: Store,
    cards: Sequence[SimCard],
    *,
    preset_name: str = "Default",
    deck_name: str = "Default",
    fsrs_params: Sequence[float] = (),
    relearn_steps: Sequence[float] = (10.0,),
    created: datetime,
) -> tuple[int, int]:
    """Insert a preset, a deck, a note type, one note and card per simulated card, and the
    logs, in one transaction. Returns (preset id, deck id)."""
    with store.write() as session:
        preset = Preset(
            name=preset_name, fsrs_params=list(fsrs_params), relearn_steps=list(relearn_steps)
        )
        session.add(preset)
        session.flush()
        deck = Deck(name=deck_name, preset_id=preset.id)
        notetype = Notetype(
            name=f"Basic {preset_name}",
            fields=[{"name": "Front"}],
            templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": ""}],
            modified_at=created,
        )
        session.add_all([deck, notetype])
        session.flush()
        note_rows: list[dict[str, Any]] = []
        card_rows: list[dict[str, Any]] = []
        log_rows: list[dict[str, Any]] = []
        for sim in cards:
            note_rows.append(
                dict(
                    id=sim.card_id,
                    guid=f"{preset_name}-{sim.card_id}",
                    notetype_id=notetype.id,
                    fields=f"q{sim.card_id}",
                    created_at=created,
                    modified_at=created,
                )
            )
            card_rows.append(
                dict(
                    id=sim.card_id,
                    note_id=sim.card_id,
                    ord=0,
                    deck_id=deck.id,
                    state=sim.state,
                    due=sim.due,
                    stability=sim.stability,
                    difficulty=sim.difficulty,
                    last_review=sim.last_review,
                    interval_days=sim.interval_days,
                    reps=len(sim.entries),
                    created_at=created,
                    modified_at=created,
                )
            )
            for e in sim.entries:
                log_rows.append(
                    dict(
                        card_id=sim.card_id,
                        reviewed_at=e.at,
                        rating=e.rating,
                        kind=int(e.kind),
                        interval_before=e.interval_before,
                        interval_after=e.interval_after,
                        factor=e.factor,
                        duration_ms=e.duration_ms,
                    )
                )
        if note_rows:
            session.execute(insert(Note), note_rows)
            session.execute(insert(Card), card_rows)
        if log_rows:
            session.execute(insert(ReviewLog), log_rows)
        return preset.id, deck.id
