"""Provides ``search_cards``: run an Anki search over the collection and list card ids."""

from __future__ import annotations

import math
import sqlite3
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from srs.clock import DEFAULT_ROLLOVER_HOUR
from srs.domain import CardState
from srs.errors import UsageError
from srs.models import Card, Note
from srs.search.nodes import And, Node, Or, StateSearch
from srs.search.parser import parse_query
from srs.search.sql import card_filter
from srs.search.sqlparts import NO_COMBINING_SQL, STRIP_CLOZES_SQL
from srs.search.text import strip_clozes, without_combining

ORDERS: dict[str, tuple[Any, ...]] = {
    # new cards first in queue order, then by due time, as Anki's "due" column sorts
    "due": (
        case((Card.state == CardState.NEW, 0), else_=1),
        case((Card.state == CardState.NEW, Card.new_position), else_=0),
        Card.due,
        Card.id,
    ),
    "added": (Card.created_at, Card.id),
    "id": (Card.id,),
    "interval": (Card.interval_days, Card.id),
    "ease": (Card.ease_factor, Card.id),
    "reps": (Card.reps, Card.id),
    "lapses": (Card.lapses, Card.id),
    "sort-field": (Note.sort_field, Card.ord, Card.id),
    "modified": (Card.modified_at, Card.id),
}
"""The orders ``search_cards`` knows, by name."""

# "due" for a search that cannot match a new card: its first two keys are the same for
# every match, and sorting thousands of rows on them costs a tenth of an is:due search.
_DUE_SEEN = (Card.due, Card.id)
_NOT_NEW_STATES = frozenset({"due", "learn", "review"})


def _excludes_new(node: Node) -> bool:
    """Whether no new card can match ``node``."""
    if isinstance(node, StateSearch):
        return node.state in _NOT_NEW_STATES
    if isinstance(node, And):
        return any(_excludes_new(child) for child in node.children)
    if isinstance(node, Or):
        return all(_excludes_new(child) for child in node.children)
    return False


def _safe_pow(base: float, exponent: float) -> float | None:
    try:
        return math.pow(base, exponent)
    except (ValueError, OverflowError, TypeError):
        return None


def _no_combining(text: str | None) -> str | None:
    return None if text is None else without_combining(text)


def _strip_clozes(text: str | None) -> str | None:
    return None if text is None else strip_clozes(text)


def prepare_connection(session: Session) -> None:
    """Give the session's SQLite connection the functions ``card_filter`` expressions may
    call; run it before executing one. It adds ``srs_no_combining()`` (for ``nc:``),
    ``srs_strip_clozes()`` (for ``sc:``) and, when SQLite was built without its math
    functions, ``pow()`` (for ``prop:r``).
    (``REGEXP`` is registered by SQLAlchemy on every connection it opens.)"""
    pooled = session.connection().connection
    raw = pooled.driver_connection
    # Once per connection: registering a function also expires every statement SQLite
    # has prepared on it.
    if not isinstance(raw, sqlite3.Connection) or pooled.info.get("srs_search_functions"):
        return
    pooled.info["srs_search_functions"] = True
    raw.create_function(NO_COMBINING_SQL, 1, _no_combining, deterministic=True)
    raw.create_function(STRIP_CLOZES_SQL, 1, _strip_clozes, deterministic=True)
    try:
        raw.execute("select pow(2.0, 0.5)").fetchone()
    except sqlite3.OperationalError:
        raw.create_function("pow", 2, _safe_pow, deterministic=True)


def _mentions_notes(*clauses: Any) -> bool:
    """Whether any clause (subqueries included) refers to the notes table."""
    notes = Note.__table__
    return any(
        element is notes or getattr(element, "table", None) is notes
        for clause in clauses
        for element in visitors.iterate(clause)
    )


def search_cards(
    session: Session,
    text: str,
    *,
    now: datetime,
    tz: tzinfo,
    limit: int | None = None,
    order: str = "due",
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR,
) -> list[int]:
    """Find the cards an Anki search matches.

    Args:
        session: an open session (``store.read()``).
        text: the search, in Anki's syntax (``deck:French is:due -tag:leech``).
        now: the current instant (aware).
        tz: the user's time zone.
        limit: at most this many ids (None: all).
        order: one of ``ORDERS`` (default ``due``).
        rollover_hour: the local hour at which a new day starts.

    Returns:
        Card ids in the requested order.

    Raises:
        SearchSyntaxError: the search cannot be parsed.
        UsageError: an unknown order or a negative limit.
    """
    if order not in ORDERS:
        raise UsageError(f"unknown order {order!r}; use one of {', '.join(ORDERS)}")
    if limit is not None and limit < 0:
        raise UsageError(f"limit must be 0 or more, not {limit}")
    query = parse_query(text)
    condition = card_filter(query, now=now, tz=tz, rollover_hour=rollover_hour)
    keys = _DUE_SEEN if order == "due" and _excludes_new(query) else ORDERS[order]
    statement = select(Card.id)
    if _mentions_notes(condition, *keys):
        # only when needed: joining 100k notes costs six times the search itself
        statement = statement.join(Note, Card.note_id == Note.id)
    statement = statement.where(condition).order_by(*keys).limit(limit)
    prepare_connection(session)
    # Only ids come back: read them off the DBAPI cursor, since building result rows for
    # thousands of ids costs as much as the query itself.
    result = session.connection().execute(statement)
    return [row[0] for row in result.cursor.fetchall()]
