"""Provides the review-history rules FSRS training and memory states share, as Anki applies
them: which log entries count, where a card's usable history starts, and elapsed days.

Anki's rules (rslib ``scheduler/fsrs/params.rs`` ``reviews_for_fsrs``): scanning a card's log
backwards, the history starts at the first entry of its last block of learning reviews;
a reset (manual entry with factor 0) cuts everything before it; cramming (filtered entries
with factor 0) is skipped. When training, cards without such a learning block are left out.
Manual and rescheduling entries (rating 0) and cramming are then dropped, and each kept
review gets the days elapsed since the previous one, counted by local day boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from srs.domain import ReviewKind

_LEARN = int(ReviewKind.LEARN)
_FILTERED = int(ReviewKind.FILTERED)
_MANUAL = int(ReviewKind.MANUAL)


class LogEntry(NamedTuple):
    """One review-log row reduced to what the FSRS rules read.

    ``day`` is the local scheduling day of the answer (``srs.clock.day_number`` with the
    preset's rollover hour); ``order`` orders entries in time (epoch ms of the answer).
    A named tuple because one is made per review-log row: it builds fastest.
    """

    order: int
    day: int
    rating: int
    kind: int
    factor: int
    interval_after: int
    interval_before: int = 0
    duration_ms: int = 0

    @property
    def is_reset(self) -> bool:
        """A "forget"/reset entry: manual with factor 0."""
        return self.kind == ReviewKind.MANUAL and self.factor == 0

    @property
    def is_cramming(self) -> bool:
        """A review in a filtered deck that did not reschedule the card."""
        return self.kind == ReviewKind.FILTERED and self.factor == 0

    @property
    def has_rating(self) -> bool:
        return self.rating > 0

    @property
    def counts_for_fsrs(self) -> bool:
        """Rated and not cramming: an answer that shaped the card's memory."""
        return self.rating > 0 and not self.is_cramming


@dataclass(frozen=True)
class CardHistory:
    """A card's usable history: the kept entries and their (rating, elapsed days) pairs.

    ``complete`` is False when the history does not start with a learning block (a
    truncated log); memory states then start from an SM-2 estimate of the first review,
    and training leaves the card out. A complete history is the same in both modes.
    """

    entries: tuple[LogEntry, ...]
    reviews: tuple[tuple[int, int], ...]
    complete: bool


def card_history(entries: Sequence[LogEntry], *, training: bool) -> CardHistory | None:
    """Apply Anki's history rules to one card's log, in time order.

    Args:
        entries: the card's log entries sorted by time.
        training: True to build training data (cards without a learning block are dropped),
            False for memory states (a truncated history starts at the first interday
            answer).

    Returns:
        The usable history, or None when nothing usable is left.
    """
    # Plain int comparisons rather than the properties: this runs once per review-log row.
    first_learn: int | None = None
    first_graded: int | None = None
    complete = False
    for index in range(len(entries) - 1, -1, -1):
        entry = entries[index]
        kind, rating = entry.kind, entry.rating
        if kind == _FILTERED and entry.factor == 0:  # cramming
            continue
        if rating > 0:
            ivl = entry.interval_after
            if ivl >= 1 or ivl <= -86400:  # an interday answer
                first_graded = index
            if kind == _LEARN:
                first_learn = index
                complete = True
                continue
        if kind == _MANUAL and entry.factor == 0:  # a reset
            if first_learn is not None:
                complete = True
                break
            if first_graded is not None:
                complete = False
                break
            return None
        if first_learn is not None:
            break
    if first_learn is not None:
        start = first_learn
    elif training:
        return None
    elif first_graded is not None:
        start = first_graded
    else:
        return None
    kept = tuple(
        e for e in entries[start:] if e.rating > 0 and not (e.kind == _FILTERED and e.factor == 0)
    )
    if not kept:
        return None
    reviews: list[tuple[int, int]] = []
    previous_day = kept[0].day
    for e in kept:
        reviews.append((e.rating, max(0, e.day - previous_day)))
        previous_day = e.day
    return CardHistory(entries=kept, reviews=tuple(reviews), complete=complete)


class TrainingItem(NamedTuple):
    """One training example: a card's reviews up to and including one answered review.

    ``history`` is the card's whole kept history, shared by all its items; the item is its
    first ``length`` reviews. (A named tuple: there is one per training review.)
    """

    card_id: int
    order: int
    history: tuple[tuple[int, int], ...]
    length: int

    @property
    def reviews(self) -> tuple[tuple[int, int], ...]:
        return self.history[: self.length]


def training_items(
    histories: Iterable[tuple[int, Sequence[LogEntry]]],
) -> tuple[list[TrainingItem], int]:
    """Build Anki's training items from per-card logs.

    One item per kept review after the first whose elapsed days are > 0, holding every
    review up to it; items are sorted by answer time like Anki's (card ids stay aligned).

    Returns:
        The items and the number of log entries they were built from.
    """
    return items_from_histories(
        (card_id, card_history(entries, training=True)) for card_id, entries in histories
    )


def items_from_histories(
    histories: Iterable[tuple[int, CardHistory | None]],
) -> tuple[list[TrainingItem], int]:
    """Like ``training_items`` from histories already worked out; incomplete ones (no
    learning block) are left out, as training does."""
    items: list[TrainingItem] = []
    used = 0
    for card_id, history in histories:
        if history is None or not history.complete:
            continue
        reviews, entries = history.reviews, history.entries
        card_items = [
            TrainingItem(card_id, entries[i].order, reviews, i + 1)
            for i in range(1, len(reviews))
            if reviews[i][1] > 0
        ]
        if not card_items:
            continue
        used += len(entries)
        items.extend(card_items)
    items.sort(key=itemgetter(1))  # by answer time (TrainingItem.order)
    return items, used
