"""The in-memory day queue, kept up to date answer by answer, picks exactly what a queue read
afresh picks, after every answer, bury, suspend, undo, deck switch, passing hour and write
from another process; and the next state an answer hands back is the one asked for after."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from srs.clock import FixedClock, to_ms
from srs.collection import Collection, StudyState
from srs.dayqueue import DayQueue
from srs.domain import CardState, Rating
from srs.errors import UsageError
from srs.models import Deck, Preset
from srs.store import Store
from srs.study_answer import restored_values

DECKS = ["A", "A::B", "A::C", "D"]


def _setup(col: Collection, rng: random.Random) -> None:
    for i in range(60):
        deck = rng.choice(DECKS)
        if i % 3 == 0:
            col.add_note("Cloze", [f"{{{{c1::x{i}}}}} and {{{{c2::y{i}}}}}", ""], deck=deck)
        else:
            col.add_basic(f"q{i}", f"a{i}", deck=deck)
    now = col.now()
    with col.store.write() as s:
        strict = Preset(
            name="Strict",
            new_per_day=3,
            reviews_per_day=7,
            bury_new=True,
            bury_reviews=True,
            bury_interday_learning=True,
            leech_threshold=2,
            leech_action="suspend",
            learn_steps=[1.0, 10.0, 1440.0],
            extra={},
        )
        s.add(strict)
        s.flush()
        for row in s.scalars(select(Deck).where(Deck.name.in_(["A::B", "D"]))):
            row.preset_id = strict.id
        # A third of the cards are reviews, some due today, some overdue, some later.
        ids = [r[0] for r in s.execute(text("SELECT id FROM cards ORDER BY id"))]
        for cid in ids[::3]:
            due = now + timedelta(hours=rng.randint(-60, 40))
            s.execute(
                text(
                    "UPDATE cards SET state = :st, due = :due, stability = :s, difficulty = 5, "
                    "last_review = :last, interval_days = 3, reps = 3 WHERE id = :id"
                ),
                {
                    "st": int(CardState.REVIEW),
                    "due": to_ms(due),
                    "s": rng.uniform(1, 20),
                    "last": to_ms(due - timedelta(days=3)),
                    "id": cid,
                },
            )
        # The second card of each cloze note lives in another deck, so burying siblings
        # reaches across decks.
        deck_ids = {d.name: d.id for d in s.scalars(select(Deck))}
        for cid, deck_id in s.execute(text("SELECT id, deck_id FROM cards WHERE ord = 1")):
            others = [i for name, i in deck_ids.items() if name in DECKS and i != deck_id]
            s.execute(
                text("UPDATE cards SET deck_id = :d WHERE id = :id"),
                {"d": rng.choice(others), "id": cid},
            )


def _reference(col: Collection, deck: str | None) -> tuple[int | None, int, int, int]:
    """The pick of a queue read afresh from the database, whose counts are the deck list's
    (counted by ``srs.queue`` in SQL, apart from the queue)."""
    with col.store.read() as session:
        fresh = DayQueue.build(session, deck, col.now(), col.tz, Store.generation(session))
    pick = fresh.pick(col.now())
    rows = [r for r in col.deck_counts() if (r.name == deck if deck else r.depth == 0)]
    listed = tuple(sum(getattr(r, name) for r in rows) for name in ("new", "learn", "review"))
    assert (pick.new, pick.learn, pick.review) == listed
    return pick.card_id, pick.new, pick.learn, pick.review


def _fast(col: Collection, deck: str | None) -> tuple[int | None, int, int, int]:
    state = col.study_state(deck)
    card = state.card.card_id if state.card is not None else None
    return card, state.new, state.learn, state.review


@pytest.mark.parametrize("seed", range(6))
def test_day_queue_matches_the_queue_read_from_scratch(
    col: Collection, clock: FixedClock, seed: int
) -> None:
    rng = random.Random(seed)
    _setup(col, rng)
    other = Collection(Store.open(col.store.path, clock=clock))
    deck: str | None = None
    incremental = 0
    try:
        for _ in range(160):
            expected = _reference(col, deck)
            before = col._queue
            assert _fast(col, deck) == expected
            incremental += before is not None and col._queue is before
            card = expected[0]
            roll = rng.random()
            if card is not None and roll < 0.70:
                rating = rng.choice([Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.GOOD])
                if rng.random() < 0.5:
                    col.answer(card, rating)
                else:
                    # The review screen's call: the next state comes with the answer.
                    _, given = col.answer_and_next(card, rating, deck)
                    assert given == col.study_state(deck)
            elif card is not None and roll < 0.74:
                col.bury([card])
            elif card is not None and roll < 0.77:
                col.suspend([card])
            elif roll < 0.82:
                col.undo()
            elif card is not None and roll < 0.85:
                other.answer(card, Rating.GOOD)  # another process answers it
            elif roll < 0.90:
                deck = rng.choice([None, *DECKS])
            if rng.random() < 0.6:
                clock.advance(timedelta(minutes=rng.choice([0, 1, 2, 5, 11, 25])))
            elif rng.random() < 0.1:
                clock.advance(timedelta(hours=rng.choice([3, 19])))  # across the day boundary
    finally:
        other.close()
    assert incremental > 40  # most steps were served by the queue kept in memory


def test_an_answer_from_another_process_rebuilds_the_queue(
    col: Collection, clock: FixedClock
) -> None:
    for i in range(3):
        col.add_basic(f"q{i}", f"a{i}")
    first = col.study_state()
    assert first.card is not None and first.new == 3
    other = Collection(Store.open(col.store.path, clock=clock))
    try:
        other.answer(first.card.card_id, Rating.EASY)
    finally:
        other.close()
    after = col.study_state()
    assert after.card is not None and after.card.card_id != first.card.card_id
    assert after.new == 2


def test_a_failed_answer_leaves_no_half_updated_queue(col: Collection) -> None:
    col.add_basic("q", "a")
    state = col.study_state()
    assert state.card is not None
    col.suspend([state.card.card_id])
    with pytest.raises(Exception, match="suspended"):
        col.answer(state.card.card_id, Rating.GOOD)
    col.suspend([state.card.card_id], suspended=False)
    again = col.study_state()
    assert again.card is not None and again.card.card_id == state.card.card_id
    assert again.new == 1


def _rows(col: Collection) -> Any:
    """Everything an answer writes, without ids that differ between collections."""
    with col.store.raw_read() as tx:
        cards = tx.db.execute(
            "SELECT ord, state, step, due, stability, difficulty, last_review, interval_days, "
            "reps, lapses, suspended, buried, modified_at FROM cards ORDER BY id"
        ).fetchall()
        log = tx.db.execute(
            "SELECT reviewed_at, rating, kind, interval_before, interval_after, factor, "
            "stability, difficulty, duration_ms FROM revlog ORDER BY id"
        ).fetchall()
        undo = [
            [
                {k: v for k, v in restored_values(snap).items() if k not in ("id", "deck_id")}
                for snap in json.loads(c)
            ]
            for (c,) in tx.db.execute("SELECT cards_before FROM undo ORDER BY id")
        ]
    return cards, log, undo


def test_answer_and_next_gives_what_answering_afresh_gives(
    col: Collection, clock: FixedClock
) -> None:
    """The review screen's path (next state handed back, the card's row and scheduling
    prepared while it was shown) against a twin collection that reads everything afresh."""
    for i in range(4):
        col.add_basic(f"q{i}", f"a{i}")
    twin = Collection(Store.open(col.store.path.with_name("twin.db"), clock=clock))
    try:
        for i in range(4):
            twin.add_basic(f"q{i}", f"a{i}")
        state, twin_state = col.study_state(), twin.study_state()
        ratings = [Rating.GOOD, Rating.AGAIN, Rating.EASY, Rating.HARD, Rating.GOOD] * 3
        answered = 0
        for rating in ratings:
            if state.card is None:
                break
            assert twin_state.card is not None
            done, state = col.answer_and_next(state.card.card_id, rating, None, 1500)
            answered += 1
            twin._known = None  # nothing prepared: the answer reads and computes it all
            twin_done = twin.answer(twin_state.card.card_id, rating, 1500)
            twin_state = twin.study_state()
            assert done.outcome == twin_done.outcome
            assert (state.new, state.learn, state.review) == (
                twin_state.new,
                twin_state.learn,
                twin_state.review,
            )
            assert state.intervals == twin_state.intervals
            assert (state.card is None) == (twin_state.card is None)
            if state.card is not None and twin_state.card is not None:
                assert state.card.question_html == twin_state.card.question_html
            clock.advance(timedelta(minutes=7))
        assert answered >= 10
        assert _rows(col) == _rows(twin)
    finally:
        twin.close()


def test_a_card_changed_elsewhere_after_it_was_shown_is_read_again(
    col: Collection, clock: FixedClock
) -> None:
    col.add_basic("q", "a")
    col.add_basic("q2", "a2")
    shown = col.study_state()
    assert shown.card is not None
    other = Collection(Store.open(col.store.path, clock=clock))
    try:
        other.answer(shown.card.card_id, Rating.GOOD)  # another process answers it first
        done = col.answer(shown.card.card_id, Rating.GOOD)
        assert done.outcome.card.reps == 2  # built on the other answer, not the shown row
        shown = col.study_state()
        assert shown.card is not None
        other.suspend([shown.card.card_id])
    finally:
        other.close()
    with pytest.raises(UsageError, match="suspended"):
        col.answer(shown.card.card_id, Rating.GOOD)


def _first_of(col: Collection, notes: int) -> StudyState:
    """The first study state after adding ``notes`` Basic notes."""
    for i in range(notes):
        col.add_basic(f"q{i}", f"a{i}")
    return col.study_state()


def test_answer_and_next_when_rendering_fails_keeps_the_answer(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from srs import views

    state = _first_of(col, 2)
    assert state.card is not None
    build = views.CardRead.build_and_know
    calls: list[threading.Thread] = []

    def failing_once(self: views.CardRead, now: Any, tz: Any) -> Any:
        calls.append(threading.current_thread())
        if len(calls) == 1:
            raise RuntimeError("render failed")
        return build(self, now, tz)

    monkeypatch.setattr(views.CardRead, "build_and_know", failing_once)
    done, after = col.answer_and_next(state.card.card_id, Rating.GOOD, None)
    # The work ran beside the commit, on the store's helper thread; its failure did not undo
    # the answer, and the state was then asked for afresh.
    assert calls[0] is not threading.main_thread()
    with col.store.read() as session:
        logged = session.execute(
            text("SELECT count(*) FROM revlog WHERE card_id = :c"), {"c": done.card_id}
        ).scalar_one()
    assert logged == 1
    assert after == col.study_state()
    assert after.card is not None and after.card.card_id != state.card.card_id


def test_a_failed_commit_leaves_nothing_prepared_behind(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = _first_of(col, 3)
    assert state.card is not None
    real_commit = Store._commit

    def failing_commit(self: Store, tx: Any) -> None:
        if tx.overlap is not None:
            tx.overlap()  # the next card is prepared, as beside a real commit...
        raise sqlite3.OperationalError("disk I/O error")  # ...and then the commit fails

    monkeypatch.setattr(Store, "_commit", failing_commit)
    with pytest.raises(sqlite3.OperationalError):
        col.answer_and_next(state.card.card_id, Rating.GOOD, None)
    assert col._known is None and col._queue is None
    monkeypatch.setattr(Store, "_commit", real_commit)
    again = col.study_state()
    assert again.card is not None and again.card.card_id == state.card.card_id
    with col.store.read() as session:
        assert session.execute(text("SELECT count(*) FROM revlog")).scalar_one() == 0
