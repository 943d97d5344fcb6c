"""The engine facade: queue order, daily limits, bury, suspend, flags, leeches and undo."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from srs.clock import FixedClock, from_ms
from srs.collection import Collection
from srs.domain import BuryKind, CardState, Rating
from srs.errors import NotFound, UsageError
from srs.models import Card, Deck, Preset, ReviewLog
from srs.study_answer import SNAPSHOT_KEYS


def add_cards(col: Collection, n: int, deck: str = "Default") -> list[int]:
    for i in range(n):
        col.add_basic(f"front {i}", f"back {i}", deck=deck)
    return col.search(f'deck:"{deck}"')


def set_preset(col: Collection, **values: object) -> None:
    with col.store.write() as s:
        for preset in s.scalars(select(Preset)):
            for key, value in values.items():
                setattr(preset, key, value)


def test_new_cards_come_in_position_order(col: Collection) -> None:
    for i in range(3):
        col.add_basic(f"q{i}", f"a{i}")
    state = col.study_state()
    assert state.card is not None and "q0" in state.card.question_html
    assert (state.new, state.learn, state.review) == (3, 0, 0)


def test_answering_good_moves_a_new_card_into_learning_and_logs_it(col: Collection) -> None:
    (card_id,) = add_cards(col, 1)
    col.answer(card_id, Rating.GOOD, duration_ms=4200)
    sched = col.sched(card_id)
    assert sched.state == CardState.LEARNING and sched.reps == 1 and sched.memory is not None
    (entry,) = col.history(card_id)
    assert entry.rating == Rating.GOOD and entry.duration_ms == 4200
    assert entry.interval_before == 0 and entry.interval_after < 0  # seconds, Anki's convention


def test_new_per_day_limit_counts_cards_introduced_today(col: Collection) -> None:
    set_preset(col, new_per_day=2)
    ids = add_cards(col, 5)
    assert col.deck_counts()[0].new == 2
    col.answer(ids[0], Rating.EASY)
    counts = col.deck_counts()[0]
    assert counts.new == 1  # one of today's two already introduced


def test_child_limits_and_parent_limits_both_apply(col: Collection) -> None:
    add_cards(col, 4, deck="P::A")
    add_cards(col, 4, deck="P::B")
    with col.store.write() as s:
        strict = Preset(name="strict", new_per_day=1)
        s.add(strict)
        s.flush()
        deck_a = s.scalars(select(Deck).where(Deck.name == "P::A")).one()
        deck_a.preset_id = strict.id
    counts = {c.name: c.new for c in col.deck_counts()}
    assert counts == {"P": 5, "P::A": 1, "P::B": 4}
    set_preset(col, new_per_day=3)  # now the parent (and both children) allow 3
    counts = {c.name: c.new for c in col.deck_counts()}
    assert counts["P"] == 3 and counts["P::A"] == 3


def test_due_learning_cards_come_before_new_ones(col: Collection, clock: FixedClock) -> None:
    ids = add_cards(col, 3)
    col.answer(ids[0], Rating.AGAIN)  # due again in 1 minute
    clock.advance(timedelta(minutes=2))
    state = col.study_state()
    assert state.card is not None and state.card.card_id == ids[0]
    assert state.learn == 1


def test_finished_deck_offers_learning_cards_within_the_learn_ahead_limit(
    col: Collection,
) -> None:
    (card_id,) = add_cards(col, 1)
    col.answer(card_id, Rating.AGAIN)
    state = col.study_state()
    assert state.card is not None and state.card.card_id == card_id  # due within 20 minutes


def test_review_cards_due_today_are_counted_and_shown(col: Collection, clock: FixedClock) -> None:
    (card_id,) = add_cards(col, 1)
    col.answer(card_id, Rating.EASY)
    due = col.sched(card_id).due
    assert due is not None
    assert col.study_state().card is None
    clock.set(due + timedelta(hours=1))
    state = col.study_state()
    assert state.review == 1 and state.card is not None and state.card.card_id == card_id
    assert set(state.intervals) == set(Rating)


def test_day_rolls_over_at_the_preset_hour(col: Collection, clock: FixedClock) -> None:
    set_preset(col, new_per_day=1)
    ids = add_cards(col, 3)
    col.answer(ids[0], Rating.EASY)
    assert col.deck_counts()[0].new == 0
    clock.set(clock.now().replace(hour=3, minute=59) + timedelta(days=1))
    assert col.deck_counts()[0].new == 0  # still yesterday's study day
    clock.advance(timedelta(minutes=2))
    assert col.deck_counts()[0].new == 1


def test_bury_hides_until_the_next_day(col: Collection, clock: FixedClock) -> None:
    ids = add_cards(col, 2)
    col.bury([ids[0]])
    assert col.card(ids[0]).buried == BuryKind.MANUAL
    assert col.deck_counts()[0].new == 1
    clock.advance(timedelta(days=1))
    assert col.deck_counts()[0].new == 2
    assert col.card(ids[0]).buried == BuryKind.NONE


def test_answering_buries_siblings_when_the_preset_says_so(col: Collection) -> None:
    set_preset(col, bury_new=True)
    with col.store.write() as s:
        s.add(Preset(name="unused"))
    note_id = col.add_note("Cloze", ["{{c1::a}} and {{c2::b}}", ""])
    ids = col.search(f"nid:{note_id}")
    assert len(ids) == 2
    result = col.answer(ids[0], Rating.GOOD)
    assert result.buried_siblings == 1
    assert col.card(ids[1]).buried == BuryKind.SIBLING


def test_suspend_and_unsuspend(col: Collection) -> None:
    ids = add_cards(col, 1)
    col.suspend(ids)
    assert col.deck_counts()[0].new == 0
    with pytest.raises(UsageError):
        col.answer(ids[0], Rating.GOOD)
    col.suspend(ids, suspended=False)
    assert col.deck_counts()[0].new == 1


def test_flags_are_validated(col: Collection) -> None:
    ids = add_cards(col, 1)
    col.flag(ids, 7)
    assert col.card(ids[0]).flag == 7
    with pytest.raises(UsageError):
        col.flag(ids, 8)


def test_leech_is_tagged_and_suspended_when_configured(col: Collection, clock: FixedClock) -> None:
    set_preset(col, leech_threshold=2, leech_action="suspend", relearn_steps=[])
    (card_id,) = add_cards(col, 1)
    col.answer(card_id, Rating.EASY)
    lapses = 0
    while not col.card(card_id).suspended:
        due = col.sched(card_id).due
        assert due is not None
        clock.set(due + timedelta(hours=1))
        result = col.answer(card_id, Rating.AGAIN)
        lapses += 1
        assert lapses <= 2
    assert result.suspended_as_leech and "leech" in col.card(card_id).tags


def test_undo_several_levels_restores_cards_and_log(col: Collection, clock: FixedClock) -> None:
    ids = add_cards(col, 2)
    col.answer(ids[0], Rating.GOOD)
    clock.advance(timedelta(seconds=10))
    col.answer(ids[1], Rating.AGAIN)
    col.flag([ids[0]], 3)
    assert col.undo() == "flag"
    assert col.card(ids[0]).flag == 0
    assert col.undo() == "answer"
    assert col.sched(ids[1]).state == CardState.NEW and col.history(ids[1]) == []
    assert col.undo() == "answer"
    assert col.sched(ids[0]).reps == 0 and col.history(ids[0]) == []
    assert col.undo() is None


def _card_row(col: Collection, card_id: int) -> tuple[object, ...]:
    with col.store.raw_read() as tx:
        row = tx.db.execute("SELECT * FROM cards WHERE id = ?", (card_id,)).fetchone()
    return tuple(row)


def test_undoing_an_answer_restores_the_row_exactly(col: Collection, clock: FixedClock) -> None:
    """Every column comes back bit for bit: reals that need 17 digits, instants, flags."""
    (card_id,) = add_cards(col, 1)
    col.answer(card_id, Rating.GOOD)
    clock.advance(timedelta(days=3))
    with col.store.write() as s:
        card = s.get(Card, card_id)
        assert card is not None
        card.stability, card.difficulty = 0.1 + 0.2, 1 / 3
        card.ease_factor = 2500
        card.state, card.interval_days, card.flag = CardState.REVIEW, 2, 5
        card.due = clock.now() - timedelta(hours=1)
        card.buried_until = clock.now() - timedelta(days=1)
    before = _card_row(col, card_id)
    col.answer(card_id, Rating.HARD)
    assert _card_row(col, card_id) != before
    assert col.undo() == "answer"
    assert _card_row(col, card_id) == before


def test_undo_restores_an_infinite_stability(col: Collection) -> None:
    """A shared deck's card data may say Infinity, which strict JSON cannot hold."""
    (card_id,) = add_cards(col, 1)
    with col.store.write() as s:
        card = s.get(Card, card_id)
        assert card is not None
        card.stability, card.difficulty = float("inf"), 5.0  # a new card: not used
    before = _card_row(col, card_id)
    col.answer(card_id, Rating.GOOD)
    assert _card_row(col, card_id) != before
    assert col.undo() == "answer"
    assert _card_row(col, card_id) == before


def test_undo_reads_entries_with_instants_as_iso_text(col: Collection, clock: FixedClock) -> None:
    """Entries that earlier versions wrote keep their instants as ISO text."""
    (card_id,) = add_cards(col, 1)
    before = _card_row(col, card_id)
    col.answer(card_id, Rating.GOOD)
    with col.store.raw_write() as tx:
        (text,) = tx.db.execute("SELECT cards_before FROM undo").fetchone()
        # the object form, as earlier versions wrote it
        snap = dict(zip(SNAPSHOT_KEYS, json.loads(text)[0], strict=True))
        for name in ("due", "last_review", "buried_until", "modified_at"):
            if snap[name] is not None:
                snap[name] = from_ms(snap[name]).isoformat()
        snap["suspended"] = bool(snap["suspended"])
        tx.db.execute("UPDATE undo SET cards_before = ?", (json.dumps([snap]),))
    assert col.undo() == "answer"
    assert _card_row(col, card_id) == before


def test_undo_survives_reopening_the_collection(col: Collection) -> None:
    from srs.store import Store

    ids = add_cards(col, 1)
    col.answer(ids[0], Rating.GOOD)
    reopened = Collection(Store.open(col.store.path, clock=col.clock))
    try:
        assert reopened.undo() == "answer"
        assert reopened.sched(ids[0]).state == CardState.NEW
    finally:
        reopened.close()


def test_reset_forgets_but_keeps_history(col: Collection) -> None:
    ids = add_cards(col, 1)
    col.answer(ids[0], Rating.EASY)
    col.reset(ids)
    assert col.sched(ids[0]).state == CardState.NEW
    assert len(col.history(ids[0])) == 1


def test_an_answer_is_committed_before_the_call_returns(col: Collection) -> None:
    import sqlite3

    ids = add_cards(col, 1)
    col.answer(ids[0], Rating.GOOD)
    with sqlite3.connect(col.store.path) as raw:  # a different connection sees it at once
        assert raw.execute("select count(*) from revlog").fetchone() == (1,)


def test_unknown_things_raise_not_found(col: Collection) -> None:
    with pytest.raises(NotFound):
        col.card(424242)
    with pytest.raises(NotFound):
        col.check_deck("Nope")


def test_review_log_times_stay_unique_per_card(col: Collection) -> None:
    ids = add_cards(col, 1)
    col.answer(ids[0], Rating.AGAIN)
    col.answer(ids[0], Rating.AGAIN)  # same fixed instant
    with col.store.read() as s:
        times = s.scalars(select(ReviewLog.reviewed_at).where(ReviewLog.card_id == ids[0])).all()
        assert len(set(times)) == 2
        assert s.get(Card, ids[0]) is not None


def test_button_labels_count_whole_days_past_the_day_boundary(
    col: Collection, clock: FixedClock
) -> None:
    set_preset(col, learn_steps=[1.0, 600.0])  # the second step is 10 hours
    clock.set(clock.now().replace(hour=20))  # the step would end after the 04:00 rollover
    (card_id,) = add_cards(col, 1)
    col.answer(card_id, Rating.AGAIN)  # back to the first step, due in a minute
    clock.advance(timedelta(minutes=2))
    state = col.study_state()
    assert state.card is not None and state.card.card_id == card_id
    assert state.intervals[Rating.AGAIN] == "1m"
    assert state.intervals[Rating.GOOD] == "1d"  # the 10 h step, labelled as Anki does


def test_a_bury_with_no_end_time_holds_in_queue_view_and_search(col: Collection) -> None:
    ids = add_cards(col, 2)
    with col.store.write() as s:
        card = s.get(Card, ids[0])
        assert card is not None
        card.buried, card.buried_until = int(BuryKind.MANUAL), None
    assert col.deck_counts()[0].new == 1
    assert col.card(ids[0]).buried == BuryKind.MANUAL
    assert col.search("is:buried") == [ids[0]]
    state = col.study_state()
    assert state.card is not None and state.card.card_id == ids[1]


def _label_then_answer(col: Collection, rating: Rating) -> int | None:
    """Answer the card shown with ``rating``, checking its label; the interval it got in
    days (0 for a learning step), or None when no card is due."""
    from srs.scheduler import format_interval

    state = col.study_state()
    if state.card is None:
        return None
    label = state.intervals[rating]
    after = col.answer(state.card.card_id, rating).outcome.review.interval_after
    assert label == format_interval(after * 86_400 if after > 0 else -after)
    return max(after, 0)


@pytest.mark.parametrize("rating", list(Rating))
def test_each_button_label_is_the_interval_its_answer_schedules(
    col: Collection, clock: FixedClock, rating: Rating
) -> None:
    """As in Anki, the labels show the fuzzed intervals of the very states the answer uses
    (Anki's describe_next_states of get_scheduling_states), so a label never promises 8 days
    for an answer that schedules 9: new cards answered Easy, then review cards due."""
    add_cards(col, 20)  # the default new cards a day
    graduated = [_label_then_answer(col, Rating.EASY) for _ in range(20)]
    assert all(days is not None and days >= 3 for days in graduated)
    clock.advance(timedelta(days=40))  # every card is due
    got = [_label_then_answer(col, rating) for _ in range(20)]
    fuzzed = sum(1 for days in got if days is not None and days >= 3)
    assert fuzzed > 15 or rating == Rating.AGAIN  # Again leads to a relearning step
