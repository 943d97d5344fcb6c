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
from operator import itemgetter
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
_card = itemgetter(0)  # of a row
_make_tuple = tuple.__new__  # a named tuple without its Python-level __new__ (one per card)

#: The review-log columns a scan reads, in this order.
Row = tuple[int, int, int, int, int, int, int]  # card, ms, rating, kind, factor, ivl, last ivl


@dataclass
class Scan:
    """A scanned log: per-card summaries (cards with usable history only), and the fsrs-rs
    training items of the cards not excluded with the card each belongs to, sorted by
    answer time like Anki's; ``used`` counts the log entries the items were built from.
    ``reviews`` holds each summary's reviews as fsrs-rs reviews (for the memory states)."""

    cards: dict[int, CardSummary]
    items: list[fsrs_rs.FSRSItem]
    item_cards: list[int]
    used: int
    reviews: dict[int, tuple[fsrs_rs.FSRSReview, ...]]


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
    converted_of: dict[int, tuple[fsrs_rs.FSRSReview, ...]] = {}
    items: list[fsrs_rs.FSRSItem] = []
    owners: list[int] = []
    times: list[int] = []
    used = 0
    make_item = fsrs_rs.FSRSItem
    review_of, pair_of = _CodeReviews().__getitem__, _CodePairs().__getitem__
    lookup = ReviewCache().__getitem__  # by (rating, elapsed days), for the reference path
    sorted_days = day_of.sorted_days
    for card_id, group in groupby(rows, key=_card):
        _, ms, ratings, kinds, factors, ivls, lasts = zip(*group, strict=True)
        codes: list[int] | None = None
        if _is_plain(ratings, kinds, factors):
            plain = _summarize_plain(ms, ratings, kinds, ivls, lasts, sorted_days, pair_of)
            if plain is None:
                continue
            reviews, complete, start, kept_ms, codes, last = plain
            summary = _new_summary(reviews, complete, factors[start], ivls[start], last, ms[-1])
        else:
            found = _summarize_rows(ms, ratings, kinds, factors, ivls, lasts, day_of.days)
            if found is None:
                continue
            summary, history = found
            kept_ms = [e.order for e in history.entries]
        cards[card_id] = summary
        # fsrs-rs takes its items' reviews fastest from tuples
        converted = converted_of[card_id] = (
            tuple(map(lookup, summary.reviews)) if codes is None else tuple(map(review_of, codes))
        )
        if not summary.complete or card_id in excluded:
            continue
        # the reviews with elapsed days > 0 (never < 0) end an item
        if codes is not None:
            ends = list(compress(range(len(codes)), map(_ENDS_ITEM, codes)))
        else:
            ends = list(compress(range(len(summary.reviews)), map(_elapsed, summary.reviews)))
        if ends:
            used += len(converted)
            items += [make_item(converted[: i + 1]) for i in ends]
            times += map(kept_ms.__getitem__, ends)
            owners += [card_id] * len(ends)
    # by answer time; the sort is stable, so ties keep card order. Float keys compare
    # fastest and are exact: epoch ms are far below 2**53.
    keys = list(map(float, times))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return Scan(
        cards,
        list(map(items.__getitem__, order)),
        list(map(owners.__getitem__, order)),
        used,
        converted_of,
    )


#: On the plain path a kept review is a code, ``elapsed days * 8 + rating`` (rating 1..7).
_ENDS_ITEM = (7).__lt__  # whether a code's elapsed days are > 0
#: What ``_summarize_plain`` finds: the kept (rating, elapsed days) pairs, whether the history
#: is complete, the index of its first row, the times of the kept rows, their codes, and the
#: card's last review.
_Plain = tuple[tuple[tuple[int, int], ...], bool, int, Sequence[int], list[int], LastReview]


class _CodeReviews(dict[int, fsrs_rs.FSRSReview]):
    """fsrs-rs reviews by code, each made once."""

    def __missing__(self, code: int) -> fsrs_rs.FSRSReview:
        made = self[code] = fsrs_rs.FSRSReview(code & 7, code >> 3)
        return made


class _CodePairs(dict[int, tuple[int, int]]):
    """(rating, elapsed days) pairs by code, each made once and shared by every card."""

    def __missing__(self, code: int) -> tuple[int, int]:
        made = self[code] = (code & 7, code >> 3)
        return made


def _new_summary(
    reviews: tuple[tuple[int, int], ...],
    complete: bool,
    first_factor: int,
    first_interval: int,
    last: LastReview,
    last_order: int,
) -> CardSummary:
    return _make_tuple(
        CardSummary, (reviews, complete, first_factor, first_interval, last, last_order)
    )


def _is_plain(ratings: tuple[int, ...], kinds: tuple[int, ...], factors: tuple[int, ...]) -> bool:
    """Whether a log can take the plain path: no reset (manual, factor 0) or cramming
    (filtered, factor 0) row, no kind no rule knows, ratings that fit a review code."""
    if min(kinds) < 0 or max(ratings) > 7:
        return False
    if _MANUAL not in kinds and _FILTERED not in kinds:
        return True
    return not any(
        factor == 0 for kind, factor in zip(kinds, factors, strict=True) if kind in _RESET_KINDS
    )


def _summarize_plain(
    ms: tuple[int, ...],
    ratings: tuple[int, ...],
    kinds: tuple[int, ...],
    ivls: tuple[int, ...],
    lasts: tuple[int, ...],
    sorted_days: Callable[[Sequence[int]], list[int]],
    pair_of: Callable[[int], tuple[int, int]],
) -> _Plain | None:
    """``summarize`` of a log without resets or cramming, column by column: the history is
    the last learning block on (a run of rated learning rows), or without one the first
    rated interday answer on; unrated rows (set due date, rescheduling) are dropped from it.

    Returns:
        See ``_Plain``; None when nothing is usable.
    """
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
    days = sorted_days(kept_ms)
    codes = [kept_ratings[0]]
    codes += [
        (day - before) * 8 + rating
        for before, day, rating in zip(days, days[1:], kept_ratings[1:], strict=False)
    ]
    if min(codes) <= 0:  # a local day that ran backwards (daylight saving): elapsed 0
        codes = [kept_ratings[0]]
        codes += [
            max(0, day - before) * 8 + rating
            for before, day, rating in zip(days, days[1:], kept_ratings[1:], strict=False)
        ]
    last_ivl = lasts[last]
    return (
        tuple(map(pair_of, codes)),
        complete,
        start,
        kept_ms,
        codes,
        _make_tuple(
            LastReview, (days[-1], last_ivl if last_ivl >= 0 and ratings[last] > 1 else None)
        ),
    )


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
