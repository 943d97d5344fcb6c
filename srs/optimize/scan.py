"""Provides one pass over a preset's review log, in card order, that yields everything an
optimisation reads: Anki's training items (as fsrs-rs items) in answer-time order and, per
card, its memory-state input and last answer, without a Python object per review-log row.

``summarize`` (the rules of ``srs.optimize.history`` and ``memory.last_review`` applied to
``LogEntry`` rows) is the reference: ``scan_rows`` gives the same cards and items, working on
whole columns of a card's rows at once for logs without resets or cramming (nearly all of
them) and falling back to ``summarize`` for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, groupby
from operator import itemgetter, sub
from typing import Any, cast

import fsrs_rs_python as fsrs_rs
from sqlalchemy import ClauseElement
from sqlalchemy.orm import Session

from srs.domain import ReviewKind
from srs.optimize.fit import ReviewCache
from srs.optimize.history import CardHistory, LogEntry, card_history
from srs.optimize.load import DayCounter, log_statement
from srs.optimize.memory import CardSummary, LastReview, last_review

_LEARN = int(ReviewKind.LEARN)
_FILTERED = int(ReviewKind.FILTERED)
_MANUAL = int(ReviewKind.MANUAL)
_RESET_KINDS = (_FILTERED, _MANUAL)  # with factor 0: cramming, reset
_elapsed = itemgetter(1)  # of a (rating, elapsed days) pair

#: The review-log columns a scan reads, in this order.
Row = tuple[int, int, int, int, int, int, int]  # card, ms, rating, kind, factor, ivl, last ivl


@dataclass
class Scan:
    """A scanned log: per-card summaries (cards with usable history only), and the fsrs-rs
    training items of the cards not excluded with the card each belongs to, sorted by
    answer time like Anki's; ``used`` counts the log entries the items were built from."""

    cards: dict[int, CardSummary]
    items: list[fsrs_rs.FSRSItem]
    item_cards: list[int]
    used: int


def summarize(entries: Sequence[LogEntry]) -> tuple[CardSummary, CardHistory] | None:
    """The reference summary of one card's log (time order), and the history it came from;
    None when the card has no usable history."""
    if not entries:
        return None
    history = card_history(entries, training=False)
    if history is None:
        return None
    first = history.entries[0]
    summary = CardSummary(
        history.reviews,
        history.complete,
        first.factor,
        first.interval_after,
        last_review(entries),
        entries[-1].order,
    )
    return summary, history


def scan_rows(rows: Iterable[Row], day_of: DayCounter, excluded: Collection[int] = ()) -> Scan:
    """Summarise each card's rows and build the training items, in one pass.

    The items are those of ``history.training_items`` (one per kept review after the first
    whose elapsed days are > 0, holding every review up to it), made in card order, where
    a card's reviews are at hand, then put in answer-time order (a stable sort, so ties keep
    card order).

    Args:
        rows: review-log rows ``(card id, epoch ms, rating, kind, factor, interval after,
            interval before)`` sorted by card, then time.
        day_of: local day numbers for the preset's zone and rollover hour.
        excluded: cards to leave out of training (suspended), still summarised.
    """
    cards: dict[int, CardSummary] = {}
    items: list[fsrs_rs.FSRSItem] = []
    owners: list[int] = []
    times: list[int] = []
    used = 0
    lookup, make_item = ReviewCache().__getitem__, fsrs_rs.FSRSItem
    days_of = day_of.days
    for card_id, group in groupby(rows, key=itemgetter(0)):
        _, ms, ratings, kinds, factors, ivls, lasts = zip(*group, strict=True)
        if _has_reset_or_cramming(kinds, factors):
            found = _summarize_rows(ms, ratings, kinds, factors, ivls, lasts, days_of)
            if found is None:
                continue
            summary, history = found
            kept_ms: Sequence[int] = [e.order for e in history.entries]
        else:
            plain = _summarize_plain(ms, ratings, kinds, factors, ivls, lasts, days_of)
            if plain is None:
                continue
            summary, kept_ms = plain
        cards[card_id] = summary
        if not summary.complete or card_id in excluded:
            continue
        reviews = summary.reviews
        # the reviews with elapsed days > 0 (never < 0) end an item
        ends = list(compress(range(len(reviews)), map(_elapsed, reviews)))
        if ends:
            used += len(reviews)
            converted = list(map(lookup, reviews))
            items += [make_item(converted[: i + 1]) for i in ends]
            times += map(kept_ms.__getitem__, ends)
            owners += [card_id] * len(ends)
    # by answer time; the sort is stable, so ties keep card order
    order = sorted(range(len(times)), key=times.__getitem__)
    return Scan(cards, [items[i] for i in order], [owners[i] for i in order], used)


def _has_reset_or_cramming(kinds: tuple[int, ...], factors: tuple[int, ...]) -> bool:
    """Whether a log holds a reset (manual, factor 0) or cramming (filtered, factor 0) row,
    or a kind no rule knows: such logs take the reference path."""
    if min(kinds) < 0:
        return True
    if _MANUAL not in kinds and _FILTERED not in kinds:
        return False
    return any(
        factor == 0 for kind, factor in zip(kinds, factors, strict=True) if kind in _RESET_KINDS
    )


def _summarize_plain(
    ms: tuple[int, ...],
    ratings: tuple[int, ...],
    kinds: tuple[int, ...],
    factors: tuple[int, ...],
    ivls: tuple[int, ...],
    lasts: tuple[int, ...],
    days_of: Callable[[Sequence[int]], list[int]],
) -> tuple[CardSummary, Sequence[int]] | None:
    """``summarize`` of a log without resets or cramming, column by column, and the times
    of the kept entries: the history is the last learning block on (a run of rated
    learning rows), or without one the first rated interday answer on; unrated rows (set
    due date, rescheduling) are dropped from it."""
    all_rated = min(ratings) > 0
    # the kind of each rated row, -1 for an unrated one (which ends a learning block)
    marks = (
        kinds
        if all_rated
        else tuple(k if r > 0 else -1 for k, r in zip(kinds, ratings, strict=True))
    )
    if _LEARN in marks:
        start = len(marks) - 1 - marks[::-1].index(_LEARN)
        while start > 0 and marks[start - 1] == _LEARN:
            start -= 1
        complete = True
    else:
        interday = [
            index
            for index, (mark, ivl) in enumerate(zip(marks, ivls, strict=True))
            if mark >= 0 and (ivl >= 1 or ivl <= -86400)
        ]
        if not interday:
            return None
        start, complete = interday[0], False  # the first rated interday answer
    if all_rated:
        kept_ms, kept_ratings, last = ms[start:], ratings[start:], len(ms) - 1
    else:
        keep = [rating > 0 for rating in ratings[start:]]
        kept_ms = tuple(compress(ms[start:], keep))
        kept_ratings = tuple(compress(ratings[start:], keep))
        last = len(keep) - 1 - keep[::-1].index(True) + start  # the last rated row
    days = days_of(kept_ms)
    deltas = [0, *map(sub, days[1:], days[:-1])]
    if min(deltas) < 0:  # a local day that ran backwards (daylight saving)
        deltas = [max(0, d) for d in deltas]
    last_ivl = lasts[last]
    summary = CardSummary(
        tuple(zip(kept_ratings, deltas, strict=True)),
        complete,
        factors[start],
        ivls[start],
        LastReview(days[-1], last_ivl if last_ivl >= 0 and ratings[last] > 1 else None),
        ms[-1],
    )
    return summary, kept_ms


def _summarize_rows(
    ms: Sequence[int],
    ratings: Sequence[int],
    kinds: Sequence[int],
    factors: Sequence[int],
    ivls: Sequence[int],
    lasts: Sequence[int],
    days_of: Callable[[Sequence[int]], list[int]],
) -> tuple[CardSummary, CardHistory] | None:
    days = days_of(ms)
    return summarize(
        [LogEntry(*row) for row in zip(ms, days, ratings, kinds, factors, ivls, lasts, strict=True)]
    )


def read_scan(
    session: Session, deck_ids: list[int], day_of: DayCounter, excluded: Collection[int] = ()
) -> Scan:
    """Scan the log of every card whose home deck is in ``deck_ids`` (see ``scan_rows``)."""
    stmt = log_statement(deck_ids)
    cursor = raw_cursor(session, stmt)
    try:
        # streamed from the cursor: the rows are never all held at once
        return scan_rows(cast(Iterable[Row], cursor), day_of, excluded)
    finally:
        cursor.close()


def raw_cursor(session: Session, stmt: ClauseElement) -> Any:
    """``stmt`` executed on the raw DB-API cursor of the session's connection (same
    transaction, same snapshot): plain tuples of stored values (instants as epoch ms), a
    fraction of the cost of Row objects. Its parameters are rendered inline, so they must be
    trusted values such as integer ids. The caller closes the cursor."""
    sql = str(
        stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )
    cursor = session.connection().connection.cursor()
    cursor.execute(sql)
    return cursor
