"""Provides today's study queue: deck-list counts after daily limits and the next card to
show, following Anki's v3 scheduler (learning due first; reviews and new cards mixed; the
selected deck's limits apply to its subdecks, and each subdeck's own limits apply too)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from srs.clock import day_number, day_start
from srs.domain import CardState, DeckCounts, ReviewKind
from srs.errors import NotFound
from srs.models import Card, Deck, Preset, ReviewLog

LEARN_AHEAD = timedelta(minutes=20)  # Anki's default "learn ahead limit"


@dataclass(frozen=True)
class DeckNode:
    id: int
    name: str
    preset: Preset
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


def active_card() -> ColumnElement[bool]:
    """Cards that may be studied: not suspended, not orphaned, not buried right now."""
    return and_(Card.suspended.is_(False), Card.orphaned.is_(False))


def not_buried(now: datetime) -> ColumnElement[bool]:
    return or_(Card.buried == 0, Card.buried_until.is_(None), Card.buried_until <= now)


def load_decks(session: Session) -> dict[int, DeckNode]:
    decks = session.scalars(select(Deck)).all()
    presets = {p.id: p for p in session.scalars(select(Preset)).all()}
    by_name = {d.name: d for d in decks}
    children: dict[int, list[int]] = defaultdict(list)
    for d in decks:
        if "::" in d.name:
            parent = by_name.get(d.name.rsplit("::", 1)[0])
            if parent is not None:
                children[parent.id].append(d.id)
    names = {d.id: d.name.casefold() for d in decks}
    return {
        d.id: DeckNode(
            d.id, d.name, presets[d.preset_id], tuple(sorted(children[d.id], key=names.__getitem__))
        )
        for d in decks
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
class _Raw:
    new: dict[int, int]
    learn: dict[int, int]
    review: dict[int, int]
    new_done: dict[int, int]
    review_done: dict[int, int]


def _raw_counts(session: Session, today: Today) -> _Raw:
    now = today.now
    usable = and_(active_card(), not_buried(now))

    def grouped(cond: ColumnElement[bool]) -> dict[int, int]:
        rows = session.execute(
            select(Card.deck_id, func.count()).where(usable, cond).group_by(Card.deck_id)
        ).all()
        return {int(d): int(c) for d, c in rows}

    learning = Card.state.in_((int(CardState.LEARNING), int(CardState.RELEARNING)))
    new = grouped(Card.state == int(CardState.NEW))
    learn = grouped(and_(learning, Card.due <= now + LEARN_AHEAD))
    review = grouped(and_(Card.state == int(CardState.REVIEW), Card.due < today.end))

    def done(cond: ColumnElement[bool]) -> dict[int, int]:
        rows = session.execute(
            select(Card.deck_id, func.count(func.distinct(ReviewLog.card_id)))
            .join(Card, Card.id == ReviewLog.card_id)
            .where(ReviewLog.reviewed_at >= today.start, cond)
            .group_by(Card.deck_id)
        ).all()
        return {int(d): int(c) for d, c in rows}

    new_done = done(and_(ReviewLog.kind == int(ReviewKind.LEARN), ReviewLog.interval_before == 0))
    review_done = done(ReviewLog.kind == int(ReviewKind.REVIEW))
    return _Raw(new, learn, review, new_done, review_done)


def deck_counts(
    session: Session, now: datetime, tz: tzinfo, rollover_hour: int
) -> list[DeckCounts]:
    """Every deck with today's new / learn / review counts after limits, in tree order."""
    today = Today.at(now, tz, rollover_hour)
    decks = load_decks(session)
    raw = _raw_counts(session, today)
    rows: list[DeckCounts] = []

    def subtotal(raw_map: dict[int, int], deck_id: int) -> int:
        return sum(raw_map.get(d, 0) for d in subtree(decks, deck_id))

    def capped(deck_id: int, kind: str) -> int:
        node = decks[deck_id]
        own_counts: dict[int, int] = raw.new if kind == "new" else raw.review
        own = own_counts.get(deck_id, 0)
        total = own + sum(capped(c, kind) for c in node.children)
        if kind == "new":
            limit = node.preset.new_per_day - subtotal(raw.new_done, deck_id)
        else:
            limit = node.preset.reviews_per_day - subtotal(raw.review_done, deck_id)
        return max(0, min(total, limit))

    def walk(node: DeckNode, depth: int) -> None:
        rows.append(
            DeckCounts(
                deck_id=node.id,
                name=node.name,
                new=capped(node.id, "new"),
                learn=subtotal(raw.learn, node.id),
                review=capped(node.id, "review"),
                depth=depth,
            )
        )
        for child in node.children:
            walk(decks[child], depth + 1)

    for root in roots(decks):
        walk(root, 0)
    return rows


@dataclass(frozen=True)
class QueuePick:
    """The next card to show and the counts that remain (the card included)."""

    card_id: int | None
    new: int
    learn: int
    review: int


def next_card(
    session: Session,
    deck_name: str | None,
    now: datetime,
    tz: tzinfo,
    rollover_hour: int,
) -> QueuePick:
    """Pick the next card to study in ``deck_name`` (and subdecks; all decks if None)."""
    today = Today.at(now, tz, rollover_hour)
    decks = load_decks(session)
    counts = {c.deck_id: c for c in deck_counts(session, now, tz, rollover_hour)}
    if deck_name is None:
        tops = roots(decks)
        deck_ids = [d for r in tops for d in subtree(decks, r.id)]
        new_total = sum(counts[r.id].new for r in tops)
        review_total = sum(counts[r.id].review for r in tops)
        learn_total = sum(counts[r.id].learn for r in tops)
    else:
        root = find_deck(decks, deck_name)
        deck_ids = subtree(decks, root.id)
        new_total, review_total = counts[root.id].new, counts[root.id].review
        learn_total = counts[root.id].learn
    usable = and_(active_card(), not_buried(now), Card.deck_id.in_(deck_ids))
    learning = Card.state.in_((int(CardState.LEARNING), int(CardState.RELEARNING)))

    def first(cond: ColumnElement[bool]) -> int | None:
        value = session.scalars(
            select(Card.id).where(usable, cond).order_by(Card.due, Card.id).limit(1)
        ).first()
        return int(value) if value is not None else None

    pick = first(and_(learning, Card.due <= now))
    if pick is None:
        choose_new = new_total > 0 and (
            review_total == 0 or _new_turn(session, deck_ids, today, new_total, review_total)
        )
        if review_total > 0 and not choose_new:
            pick = first(and_(Card.state == int(CardState.REVIEW), Card.due < today.end))
        if pick is None and new_total > 0:
            pick = _first_new(session, decks, deck_ids, counts, now)
    if pick is None:
        pick = first(and_(learning, Card.due <= now + LEARN_AHEAD))
    return QueuePick(pick, new_total, learn_total, review_total)


def _new_turn(
    session: Session, deck_ids: list[int], today: Today, new_left: int, review_left: int
) -> bool:
    """Spread new cards evenly among reviews, like Anki's "mix with reviews"."""
    done = (
        session.scalar(
            select(func.count())
            .select_from(ReviewLog)
            .join(Card, Card.id == ReviewLog.card_id)
            .where(
                ReviewLog.reviewed_at >= today.start,
                Card.deck_id.in_(deck_ids),
                ReviewLog.kind.in_((int(ReviewKind.REVIEW), int(ReviewKind.LEARN))),
                or_(ReviewLog.kind == int(ReviewKind.REVIEW), ReviewLog.interval_before == 0),
            )
        )
        or 0
    )
    every = max(1, (review_left + new_left) // new_left)
    return (int(done) + 1) % every == 0


def _first_new(
    session: Session,
    decks: dict[int, DeckNode],
    deck_ids: list[int],
    counts: dict[int, DeckCounts],
    now: datetime,
) -> int | None:
    usable = and_(active_card(), not_buried(now), Card.state == int(CardState.NEW))
    allowed = [d for d in deck_ids if counts[d].new > 0]
    if not allowed:
        return None
    value = session.scalars(
        select(Card.id)
        .where(usable, Card.deck_id.in_(allowed))
        .order_by(Card.new_position, Card.ord, Card.id)
        .limit(1)
    ).first()
    return int(value) if value is not None else None
