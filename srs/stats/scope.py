"""Provides ``Scope``: which cards the statistics cover (a deck tree or everything), as SQL
filters, and the day settings (rollover hour, default FSRS decay) of their presets."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from srs.clock import DEFAULT_ROLLOVER_HOUR
from srs.errors import NotFound, UsageError
from srs.models import Deck, Preset
from srs.scheduler.fsrs import DEFAULT_PARAMS, params_or_default
from srs.stats.columns import int_columns, scaled

DEFAULT_DECAY = DEFAULT_PARAMS[20]


def _preset_decay(params: list[float]) -> float:
    """The preset's decay (w20); the default when its parameters are unusable (the decay
    is written into SQL, so it must be a plain finite float)."""
    try:
        return float(params_or_default(params)[20])
    except (UsageError, ValueError, TypeError):
        return DEFAULT_DECAY


@dataclass(frozen=True)
class Scope:
    """The decks the statistics cover (``deck_ids`` None: the whole collection;
    ``every_card``: the decks hold every card, so the review log needs no filter)."""

    deck: str | None
    deck_ids: tuple[int, ...] | None
    rollover_hour: int
    decay_by_deck: dict[int, float]
    every_card: bool = False

    def card_filter(self, alias: str = "") -> str:
        """SQL condition on the cards table (``alias.``-prefixed columns) for this scope."""
        if self.deck_ids is None:
            return "1"
        ids = ", ".join(str(i) for i in self.deck_ids)
        p = f"{alias}." if alias else ""
        return f"({p}deck_id IN ({ids}) OR {p}original_deck_id IN ({ids}))"

    def revlog_filter(self, column: str = "card_id") -> str:
        """SQL condition on a review-log card-id column for this scope."""
        if self.deck_ids is None or self.every_card:
            return "1"
        return f"{column} IN (SELECT id FROM cards WHERE {self.card_filter()})"

    def revlog_probe(self, column: str = "card_id") -> str:
        """Like ``revlog_filter``, as a per-row lookup of the card: for queries over few rows
        or that stop at the first match (``revlog_filter`` first lists every card in scope,
        per query)."""
        if self.deck_ids is None or self.every_card:
            return "1"
        cond = self.card_filter("c")
        return f"EXISTS (SELECT 1 FROM cards c WHERE c.id = {column} AND {cond})"

    def decay_sql(self, deck_column: str) -> str:
        """SQL giving the preset's default decay for a deck-id expression."""
        if not self.decay_by_deck:
            return repr(DEFAULT_DECAY)
        cases = " ".join(f"WHEN {d} THEN {v!r}" for d, v in sorted(self.decay_by_deck.items()))
        return f"(CASE {deck_column} {cases} ELSE {DEFAULT_DECAY!r} END)"


def resolve_scope(session: Session, deck: str | None, rollover_hour: int | None) -> Scope:
    """Find the decks named by ``deck`` (with their children) and their day settings.

    Args:
        session: an open session on the collection.
        deck: a full deck name (``A::B``, case-insensitive), or None for all decks.
        rollover_hour: force this rollover hour; None takes it from the deck's preset
            (for the whole collection: the first preset), else 4.

    Raises:
        NotFound: when no deck has that name.
    """
    rows = session.execute(
        select(Deck.id, Deck.name, Preset.id, Preset.rollover_hour, Preset.fsrs_params).join(
            Preset, Deck.preset_id == Preset.id
        )
    ).all()
    decay_by_deck = {row[0]: _preset_decay(list(row[4] or [])) for row in rows}
    if deck is None:
        ids: tuple[int, ...] | None = None
        first = min(rows, key=lambda r: r[2], default=None)
        hour = first[3] if first is not None else DEFAULT_ROLLOVER_HOUR
    else:
        key = deck.strip().casefold()
        chosen = [
            r for r in rows if r[1].casefold() == key or r[1].casefold().startswith(key + "::")
        ]
        if not chosen:
            raise NotFound(f"deck {deck!r} does not exist")
        ids = tuple(sorted(r[0] for r in chosen))
        top = min(chosen, key=lambda r: r[1].count("::"))
        hour = top[3]
    if rollover_hour is not None:
        hour = rollover_hour
    if not 0 <= hour <= 23:
        raise UsageError(f"rollover hour {hour} is not between 0 and 23")
    scope = Scope(deck, ids, hour, decay_by_deck)
    if ids is None:
        return scope
    # A deck tree that holds every card (one top deck) filters nothing: the review log is
    # then read without looking up each row's card (the log only holds existing cards).
    outside = session.execute(
        text(f"SELECT EXISTS (SELECT 1 FROM cards WHERE ({scope.card_filter()}) IS NOT 1)")
    ).scalar_one()
    return scope if outside else Scope(deck, ids, hour, decay_by_deck, every_card=True)


DECAY_TOTALS = ("min(decay)", "max(decay)", "count(decay)", "count(*)")
"""Aggregates over the cards in scope that ``single_decay_of`` takes (read with the cards)."""


def single_decay_of(
    scope: Scope, lo: float | None, hi: float | None, with_own: int, n: int
) -> float | None:
    """The decay every card in scope uses (its own, else its preset's), when they all use the
    same one (a constant then serves every card), from the ``DECAY_TOTALS`` of the cards in
    scope; None when they differ."""
    if with_own == n and n and lo == hi:
        return float(lo)  # type: ignore[arg-type]
    if with_own:
        return None
    presets = set(scope.decay_by_deck.values())  # all decks: a card's home may lie outside
    return presets.pop() if len(presets) == 1 else (DEFAULT_DECAY if not presets else None)


_DECAY_SCALE = 2.0**60  # decays in [2**-8, 8) are whole multiples of 2**-60 below 2**63


def _factor(decay: float) -> float:
    """``0.9 ** (-1 / decay) - 1``, or NaN where SQL's pow would give NULL (no prediction)."""
    try:
        return math.pow(0.9, -1.0 / decay) - 1.0
    except ZeroDivisionError:
        return math.nan
    except OverflowError:
        return math.inf


def card_decays(
    session: Session, scope: Scope, single: float | None
) -> float | tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The FSRS decay of the cards in scope: ``single`` (``single_decay_of``'s answer) when
    not None, else the card ids (sorted), each card's decay (its own, else its home deck
    preset's) and the factor ``0.9 ** (-1 / decay) - 1`` of that decay."""
    if single is not None:
        return single
    decay = f"coalesce(decay, {scope.decay_sql('coalesce(original_deck_id, deck_id)')})"
    source = f"FROM cards WHERE {scope.card_filter()}"
    distinct = [
        float(v) for v in session.execute(text(f"SELECT DISTINCT {decay} {source}")).scalars()
    ]
    if all(abs(v) < 8.0 and (v * _DECAY_SCALE).is_integer() for v in distinct):
        ids, code = int_columns(
            session, ["id", f"CAST({decay} * {_DECAY_SCALE!r} AS INTEGER)"], source
        )
        decays = scaled(code, 1.0 / _DECAY_SCALE)
    else:  # decays too small or too large to travel as integers: read them as floats
        rows = session.execute(text(f"SELECT id, {decay} {source}")).all()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        decays = np.array([r[1] for r in rows], dtype=np.float64)
    order = np.argsort(ids, kind="stable")
    ids, decays = ids[order], decays[order]
    values, where = np.unique(decays, return_inverse=True)
    factors = np.array([_factor(v) for v in values.tolist()], dtype=np.float64)[where]
    return ids, decays, factors
