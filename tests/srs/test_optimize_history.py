"""Anki's review-history rules for FSRS training and memory states (the cases of rslib's
``scheduler/fsrs/params.rs`` tests, restated)."""

from __future__ import annotations

from srs.domain import ReviewKind
from srs.optimize.history import LogEntry, card_history, training_items

LEARN, REVIEW, RELEARN = ReviewKind.LEARN, ReviewKind.REVIEW, ReviewKind.RELEARN
FILTERED, MANUAL, RESCHEDULE = ReviewKind.FILTERED, ReviewKind.MANUAL, ReviewKind.RESCHEDULE


def entry(
    kind: ReviewKind,
    day: int,
    *,
    rating: int | None = None,
    factor: int = 2500,
    ivl: int = 1,
    minute: int = 0,
) -> LogEntry:
    if rating is None:
        rating = 0 if kind in (MANUAL, RESCHEDULE) else 3
    return LogEntry(
        order=day * 1440 + minute,
        day=day,
        rating=rating,
        kind=kind,
        factor=factor,
        interval_after=ivl,
    )


def items_of(entries: list[LogEntry]) -> list[tuple[tuple[int, int], ...]]:
    items, _ = training_items([(1, entries)])
    return [item.reviews for item in items]


def test_elapsed_days_by_day_number_and_one_item_per_interday_review() -> None:
    log = [entry(LEARN, 0), entry(LEARN, 2), entry(REVIEW, 5), entry(REVIEW, 10)]
    assert items_of(log) == [
        ((3, 0), (3, 2)),
        ((3, 0), (3, 2), (3, 3)),
        ((3, 0), (3, 2), (3, 3), (3, 5)),
    ]


def test_same_day_reviews_are_kept_in_history_but_make_no_item() -> None:
    log = [
        entry(LEARN, 0, rating=1, ivl=-60),
        entry(LEARN, 0, minute=10),
        entry(REVIEW, 3, rating=1, ivl=-600),
        entry(RELEARN, 3, minute=10),
        entry(REVIEW, 6),
    ]
    assert items_of(log) == [
        ((1, 0), (3, 0), (1, 3)),
        ((1, 0), (3, 0), (1, 3), (3, 0), (3, 3)),
    ]


def test_cramming_is_dropped_but_filtered_with_rescheduling_is_kept() -> None:
    cram = [entry(LEARN, 0), entry(REVIEW, 1), entry(FILTERED, 3, factor=0), entry(REVIEW, 6)]
    assert items_of(cram) == [((3, 0), (3, 1)), ((3, 0), (3, 1), (3, 5))]
    resched = [entry(LEARN, 0), entry(REVIEW, 1), entry(FILTERED, 3, factor=2500)]
    assert items_of(resched) == [((3, 0), (3, 1)), ((3, 0), (3, 1), (3, 2))]


def test_set_due_date_and_rescheduling_entries_are_dropped() -> None:
    log = [
        entry(LEARN, 0),
        entry(REVIEW, 1),
        entry(MANUAL, 3, factor=100),
        entry(RESCHEDULE, 4),
        entry(REVIEW, 6),
    ]
    assert items_of(log) == [((3, 0), (3, 1)), ((3, 0), (3, 1), (3, 5))]


def test_reset_drops_history_before_it() -> None:
    log = [entry(LEARN, 0), entry(MANUAL, 3, factor=0), entry(LEARN, 6), entry(REVIEW, 10)]
    assert items_of(log) == [((3, 0), (3, 4))]


def test_training_ignores_cards_without_a_learning_block() -> None:
    after_reset = [
        entry(LEARN, 0),
        entry(REVIEW, 1),
        entry(MANUAL, 3, factor=0),
        entry(REVIEW, 9),
        entry(RELEARN, 10),
    ]
    assert items_of(after_reset) == []
    assert items_of([entry(REVIEW, 0), entry(REVIEW, 5)]) == []
    assert items_of([entry(LEARN, 1)]) == []


def test_memory_history_of_a_truncated_log_starts_at_first_interday_answer() -> None:
    log = [entry(REVIEW, 1, ivl=-600), entry(REVIEW, 2), entry(REVIEW, 6)]
    history = card_history(log, training=False)
    assert history is not None
    assert not history.complete
    assert history.reviews == ((3, 0), (3, 4))


def test_memory_history_after_reset_with_only_manual_entries_is_empty() -> None:
    log = [
        entry(LEARN, 0),
        entry(REVIEW, 1),
        entry(MANUAL, 3, factor=0),
        entry(MANUAL, 3, factor=100, minute=1),
    ]
    assert card_history(log, training=False) is None


def test_only_the_last_learning_block_counts() -> None:
    log = [entry(LEARN, 0), entry(REVIEW, 2), entry(LEARN, 5), entry(REVIEW, 7)]
    assert items_of(log) == [((3, 0), (3, 2))]
    history = card_history(log, training=False)
    assert history is not None and history.complete
    assert history.reviews == ((3, 0), (3, 2))


def test_items_are_sorted_by_answer_time_with_card_ids_aligned() -> None:
    card_1 = [entry(LEARN, 0), entry(REVIEW, 3), entry(REVIEW, 9)]
    card_2 = [entry(LEARN, 1), entry(REVIEW, 2)]
    items, used = training_items([(1, card_1), (2, card_2)])
    assert [item.card_id for item in items] == [2, 1, 1]
    assert [len(item.reviews) for item in items] == [2, 2, 3]
    assert used == 5
