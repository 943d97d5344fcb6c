"""Provides today's study queue rules: deck-list counts after daily limits, following Anki's
v3 scheduler (the selected deck's limits apply to its subdecks, and each subdeck's own limits
apply too), and the pieces ``srs.dayqueue`` picks the next card with (learning due first;
reviews and new cards mixed).

The queries are written for collections of 100k+ cards: learning and review counts scan
only the due range of a covering index, new-card counts stop at the deck's daily limit,
and today's work is read from the review log by time (a few hundred rows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import NamedTuple

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from srs.clock import DEFAULT_ROLLOVER_HOUR, day_number, day_start, to_ms
from srs.domain import CardState, DeckCounts, ReviewKind
from srs.errors import NotFound
from srs.models import Deck, Preset

LEARN_AHEAD_MS = 20 * 60 * 1000  # Anki's default "learn ahead limit"
USABLE = (
    "suspended = 0 AND orphaned = 0 "
    "AND (buried = 0 OR buried_until <= :now)"  # no end time: buried until lifted
)
LEARNING_SQL = f"state IN ({int(CardState.LEARNING)}, {int(CardState.RELEARNING)})"
REVIEW_SQL = f"state = {int(CardState.REVIEW)}"
NEW_SQL = f"state = {int(CardState.NEW)}"


@dataclass(frozen=True)
class Limits:
    """The parts of a deck's preset the queue needs (plain values, usable after the session)."""

    id: int
    new_per_day: int
    reviews_per_day: int
    rollover_hour: int

    def capped(self, new: int, review: int, new_done: int, review_done: int) -> tuple[int, int]:
        """A deck's new and review counts (its own cards and its children's counts) capped
        by these limits less what its subtree introduced and reviewed today."""
        return (
            max(0, min(new, self.new_per_day - new_done)),
            max(0, min(review, self.reviews_per_day - review_done)),
        )


@dataclass(frozen=True)
class DeckNode:
    id: int
    name: str
    preset: Limits
    children: tuple[int, ...]


@dataclass(frozen=True)
class Today:
    """The study day: its start and end as UTC instants, and the current time."""

    now: datetime
    start: datetime
    end: datetime

    @classmethod
    def at(cls, now: datetime, tz: tzinfo, rollover_hour: int) -> Today:
        day = day_number(now, tz, rollover_hour)
        return cls(now, day_start(day, tz, rollover_hour), day_start(day + 1, tz, rollover_hour))


def load_decks(session: Session) -> dict[int, DeckNode]:
    """All decks with their presets' limits and children (sorted by name)."""
    rows = (
        session.connection()
        .execute(
            select(
                Deck.id,
                Deck.name,
                Preset.id,
                Preset.new_per_day,
                Preset.reviews_per_day,
                Preset.rollover_hour,
            ).join(Preset, Preset.id == Deck.preset_id)
        )
        .all()
    )
    by_name = {name: deck_id for deck_id, name, *_ in rows}
    children: dict[int, list[int]] = defaultdict(list)
    for deck_id, name, *_ in rows:
        if "::" in name:
            parent = by_name.get(name.rsplit("::", 1)[0])
            if parent is not None:
                children[parent].append(deck_id)
    names = {deck_id: name.casefold() for deck_id, name, *_ in rows}
    return {
        deck_id: DeckNode(
            deck_id,
            name,
            Limits(preset_id, new, reviews, rollover),
            tuple(sorted(children[deck_id], key=names.__getitem__)),
        )
        for deck_id, name, preset_id, new, reviews, rollover in rows
    }


def find_deck(decks: dict[int, DeckNode], name: str) -> DeckNode:
    wanted = name.strip().casefold()
    for node in decks.values():
        if node.name.casefold() == wanted:
            return node
    raise NotFound(f"no deck called {name!r}")


def subtree(decks: dict[int, DeckNode], root: int) -> list[int]:
    out, stack = [], [root]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(decks[current].children)
    return out


def roots(decks: dict[int, DeckNode]) -> list[DeckNode]:
    names = {d.name for d in decks.values()}
    return sorted(
        (d for d in decks.values() if "::" not in d.name or d.name.rsplit("::", 1)[0] not in names),
        key=lambda d: d.name.casefold(),
    )


@dataclass
class TodayLog:
    """Today's answers per deck: new cards introduced and reviews done."""

    new_done: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    review_done: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    answers: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def record(self, card_id: int, deck_id: int, kind: int, interval_before: int) -> None:
        """Count one answer: a new card's first answer, or a review (Anki's daily limits)."""
        if kind == ReviewKind.LEARN and interval_before == 0:
            self.new_done[deck_id].add(card_id)
            self.answers[deck_id] += 1
        elif kind == ReviewKind.REVIEW:
            self.review_done[deck_id].add(card_id)
            self.answers[deck_id] += 1


def today_log(session: Session, today: Today) -> TodayLog:
    log = TodayLog()
    rows = (
        session.connection()
        .execute(
            # CROSS JOIN keeps the review log (by time) as the outer loop: only today's rows.
            text(
                "SELECT r.card_id, r.kind, r.interval_before, c.deck_id FROM revlog r "
                "CROSS JOIN cards c ON c.id = r.card_id WHERE r.reviewed_at >= :start"
            ),
            {"start": to_ms(today.start)},
        )
        .all()
    )
    for card_id, kind, interval_before, deck_id in rows:
        log.record(card_id, deck_id, kind, interval_before)
    return log


@dataclass
class RawCounts:
    new: dict[int, int]
    learn: dict[int, int]
    review: dict[int, int]
    log: TodayLog


def _grouped(session: Session, where: str, params: dict[str, int]) -> dict[int, int]:
    rows = (
        session.connection()
        .execute(
            text(
                f"SELECT deck_id, count(*) FROM cards WHERE {where} AND {USABLE} GROUP BY deck_id"
            ),
            params,
        )
        .all()
    )
    return {int(d): int(c) for d, c in rows}


def _raw_counts(session: Session, today: Today, decks: dict[int, DeckNode]) -> RawCounts:
    now = to_ms(today.now)
    learn = _grouped(
        session, f"{LEARNING_SQL} AND due <= :cutoff", {"now": now, "cutoff": now + LEARN_AHEAD_MS}
    )
    review = _grouped(
        session, f"{REVIEW_SQL} AND due < :end", {"now": now, "end": to_ms(today.end)}
    )
    # One statement: per deck, count new cards only up to the deck's daily limit.
    parts, params = [], {"now": now}
    for i, node in enumerate(decks.values()):
        if node.preset.new_per_day > 0:
            parts.append(
                f"SELECT {int(node.id)}, (SELECT count(*) FROM (SELECT 1 FROM cards "
                f"INDEXED BY ix_cards_new WHERE deck_id = {int(node.id)} AND {NEW_SQL} "
                f"AND {USABLE} LIMIT :l{i}))"
            )
            params[f"l{i}"] = node.preset.new_per_day
    new: dict[int, int] = {}
    if parts:
        rows = session.connection().execute(text(" UNION ALL ".join(parts)), params).all()
        new = {int(d): int(c) for d, c in rows}
    return RawCounts(new, learn, review, today_log(session, today))


def rollover_hour(decks: dict[int, DeckNode]) -> int:
    """The hour the study day starts: the first (default) preset's, like Anki's one setting."""
    if not decks:
        return DEFAULT_ROLLOVER_HOUR
    return min(decks.values(), key=lambda d: d.preset.id).preset.rollover_hour


def read_rollover_hour(session: Session) -> int:
    """``rollover_hour`` read straight from the database (one small query)."""
    value = (
        session.connection()
        .exec_driver_sql(
            "SELECT p.rollover_hour FROM decks d JOIN presets p ON p.id = d.preset_id "
            "ORDER BY p.id LIMIT 1"
        )
        .scalar()
    )
    return DEFAULT_ROLLOVER_HOUR if value is None else int(value)


def deck_counts(session: Session, now: datetime, tz: tzinfo) -> list[DeckCounts]:
    """Every deck with today's new / learn / review counts after limits, in tree order."""
    decks = load_decks(session)
    raw = _raw_counts(session, Today.at(now, tz, rollover_hour(decks)), decks)
    return counts_from_raw(raw, decks, roots(decks))


def counts_from_raw(
    raw: RawCounts, decks: dict[int, DeckNode], tops: list[DeckNode]
) -> list[DeckCounts]:
    """Counts after limits for ``tops`` and their subdecks, in tree order, from raw counts
    (see ``limited_counts``)."""
    totals = limited_counts(raw, decks, tops)
    rows: list[DeckCounts] = []

    def walk(node: DeckNode, depth: int) -> None:
        learn, new, review = totals[node.id]
        rows.append(DeckCounts(node.id, node.name, new, learn, review, depth))
        for child in node.children:
            walk(decks[child], depth + 1)

    for top in tops:
        walk(top, 0)
    return rows


def limited_counts(
    raw: RawCounts, decks: dict[int, DeckNode], tops: list[DeckNode]
) -> dict[int, tuple[int, int, int]]:
    """``(learn, new, review)`` after limits of ``tops`` and every deck below them, by id.

    A deck's new (review) count is its own cards plus its children's capped counts, capped
    by its limit less what its whole subtree introduced (reviewed) today; learning cards
    are not limited. One pass from the leaves up.
    """
    totals: dict[int, tuple[int, int, int]] = {}
    learn_of, new_of, review_of = raw.learn, raw.new, raw.review
    new_done_of, review_done_of = raw.log.new_done, raw.log.review_done

    def visit(node: DeckNode) -> tuple[int, int, int, int, int]:
        node_id = node.id
        learn = learn_of.get(node_id, 0)
        done = new_done_of.get(node_id)
        new_done = len(done) if done else 0
        done = review_done_of.get(node_id)
        review_done = len(done) if done else 0
        new = new_of.get(node_id, 0)
        review = review_of.get(node_id, 0)
        for child in node.children:
            c_learn, c_new_done, c_review_done, c_new, c_review = visit(decks[child])
            learn += c_learn
            new_done += c_new_done
            review_done += c_review_done
            new += c_new
            review += c_review
        new, review = node.preset.capped(new, review, new_done, review_done)
        totals[node_id] = (learn, new, review)
        return learn, new_done, review_done, new, review

    for top in tops:
        visit(top)
    return totals


class QueuePick(NamedTuple):
    """The next card to show and the counts that remain (the card included)."""

    card_id: int | None
    new: int
    learn: int
    review: int


def new_turn(answered: int, new_left: int, review_left: int) -> bool:
    """Spread new cards evenly among reviews, like Anki's "mix with reviews"."""
    if new_left <= 0:
        return False
    every = max(1, (review_left + new_left) // new_left)
    return (answered + 1) % every == 0
