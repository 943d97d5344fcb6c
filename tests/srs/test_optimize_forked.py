"""The fit in a forked child gives what the same work in one process gives (and Anki's
results); a child that fails or is not wanted changes nothing but the time taken."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import fsrs_rs_python as fsrs_rs
import pytest
from sqlalchemy import select

from srs.clock import day_number
from srs.domain import ReviewKind
from srs.models import Card, ReviewLog
from srs.optimize import forked, optimize_preset, service
from srs.optimize.fit import evaluate
from srs.optimize.forked import can_fork, in_child
from srs.optimize.scan import read_scan
from srs.optimize.synthetic import SimCard, simulate_cards, write_collection
from srs.store import Store
from tests.srs.optimize_support import (
    NOW,
    START,
    anki_collection,
    anki_optimize,
    local_tz,
    open_store,
    truth_params,
)


@pytest.fixture
def fork_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork even where there is a single core (the work is the same, only slower)."""
    monkeypatch.setattr(forked, "can_fork", lambda: True)


def _squares(count: int) -> Iterator[int]:
    for k in range(count):
        yield k * k


@pytest.mark.usefixtures("fork_allowed")
def test_values_come_from_the_child_in_order() -> None:
    parent = os.getpid()
    stream = in_child(lambda: iter([os.getpid(), *_squares(4)]))
    try:
        assert next(stream) != parent  # made in another process
        assert [next(stream) for _ in range(4)] == [0, 1, 4, 9]
    finally:
        stream.close()


@pytest.mark.usefixtures("fork_allowed")
def test_a_failing_child_is_replaced_by_local_work() -> None:
    parent = os.getpid()
    made_here: list[int] = []

    def produce() -> Iterator[int]:
        yield 1
        if os.getpid() != parent:
            raise RuntimeError("the child fails after its first value")
        made_here.append(2)
        yield 2
        yield 3

    stream = in_child(produce)
    try:
        assert [next(stream), next(stream), next(stream)] == [1, 2, 3]
    finally:
        stream.close()
    assert made_here == [2]  # the first value came from the child, the rest from here


@pytest.mark.usefixtures("fork_allowed")
def test_closing_early_stops_and_reaps_the_child() -> None:
    def slow() -> Iterator[int]:
        yield 1
        threading.Event().wait(60)  # never finishes on its own within the test
        yield 2

    stream = in_child(slow)
    pid = stream._pid
    assert pid is not None
    assert next(stream) == 1
    stream.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left behind


@pytest.mark.usefixtures("fork_allowed")
def test_a_program_ignoring_its_children_still_gets_the_values() -> None:
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reaped on exit
    try:
        stream = in_child(lambda: _squares(3))
        assert stream.forked
        assert [next(stream), next(stream), next(stream)] == [0, 1, 4]
        stream.close()  # the child is or will be reaped by the system: no error
    finally:
        signal.signal(signal.SIGCHLD, previous)


def test_no_fork_while_other_threads_run() -> None:
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert not can_fork()
        stream = in_child(lambda: iter([os.getpid()]))
        assert next(stream) == os.getpid()  # computed here, lazily
        stream.close()
    finally:
        release.set()
        worker.join()
    stream = in_child(lambda: iter([os.getpid()]), fork=False)
    assert next(stream) == os.getpid()
    stream.close()


def test_no_fork_on_a_busy_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "getloadavg", lambda: (cores - 0.5, 0.0, 0.0))
    assert not can_fork()  # not a core to spare
    stream = in_child(lambda: iter([os.getpid()]))
    assert not stream.forked and next(stream) == os.getpid()
    stream.close()
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert can_fork() == (cores > 1 and forked._thread_count() == 1)


def _cards_and_log(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with store.read() as session:
        cards = [
            (c.id, c.stability, c.difficulty, c.due, c.interval_days, c.desired_retention, c.decay)
            for c in session.scalars(select(Card).order_by(Card.id))
        ]
        log = [
            (r.card_id, r.reviewed_at, r.rating, r.kind, r.interval_after, r.stability, r.factor)
            for r in session.scalars(select(ReviewLog).order_by(ReviewLog.id))
        ]
    return cards, log


@pytest.mark.usefixtures("fork_allowed")
def test_history_changed_while_fitting_is_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cards = simulate_cards(truth_params(), cards=400, days=150, start=START, seed=43)
    answered = cards[0]
    scans: list[int] = []
    answers: list[int] = []
    stores: list[Store] = []

    def counted_scan(*args: Any, **kwargs: Any) -> Any:
        scans.append(1)
        return read_scan(*args, **kwargs)

    def evaluate_then_answer(*args: Any) -> Any:
        # a review arrives while the fit runs (this process evaluates meanwhile)
        if len(scans) == 1 and not answers:
            answers.append(1)
            with stores[-1].write() as session:
                session.add(
                    ReviewLog(
                        card_id=answered.card_id,
                        reviewed_at=NOW - timedelta(hours=1),
                        rating=1,
                        kind=int(ReviewKind.REVIEW),
                        interval_before=answered.interval_days,
                        interval_after=1,
                        factor=2500,
                    )
                )
        return evaluate(*args)

    monkeypatch.setattr(service, "read_scan", counted_scan)
    monkeypatch.setattr(service, "evaluate", evaluate_then_answer)
    tables = {}
    for label, threshold in (("one process", 10**9), ("forked", 0)):
        monkeypatch.setattr(service, "FORK_MIN_ITEMS", threshold)
        store = open_store(tmp_path / f"{threshold}.db")
        stores.append(store)
        write_collection(store, cards, created=START)
        scans.clear()
        answers.clear()
        result = optimize_preset(store)
        assert len(scans) == 2  # the log was read again before writing
        tables[label] = (result.parameters, result.cards_updated, _cards_and_log(store))
        store.close()
    assert tables["forked"] == tables["one process"]
    # the card answered meanwhile got the state its new history gives
    model = fsrs_rs.FSRS(tables["forked"][0])
    history = [fsrs_rs.FSRSReview(r, d) for r, d in _history(answered)]
    expected = model.memory_state(fsrs_rs.FSRSItem(history))
    before_answer = model.memory_state(fsrs_rs.FSRSItem(history[:-1]))
    stored = next(c for c in tables["forked"][2][0] if c[0] == answered.card_id)
    assert stored[1] == pytest.approx(expected.stability, rel=1e-3)
    assert stored[1] < 0.9 * before_answer.stability  # the lapse really was replayed


def _history(card: SimCard) -> list[tuple[int, int]]:
    """The card's (rating, elapsed days) after its simulated log and one more Again answer
    one hour before NOW (UTC days, rollover 04:00)."""
    instants = [e.at for e in card.entries if e.rating > 0] + [NOW - timedelta(hours=1)]
    ratings = [e.rating for e in card.entries if e.rating > 0] + [1]
    days = [day_number(at, UTC, 4) for at in instants]
    return [(r, 0 if i == 0 else days[i] - days[i - 1]) for i, r in enumerate(ratings)]


@pytest.mark.usefixtures("fork_allowed")
def test_forked_fit_equals_one_process_and_anki(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cards = simulate_cards(truth_params(), cards=900, days=180, start=START, seed=41)
    forks: list[bool] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        stream = in_child(*args, **kwargs)
        forks.append(stream._pid is not None)
        return stream

    monkeypatch.setattr(service, "in_child", counting)
    results = {}
    tables = {}
    for label, threshold in (("one process", 10**9), ("forked", 0)):
        monkeypatch.setattr(service, "FORK_MIN_ITEMS", threshold)
        store = open_store(tmp_path / f"{threshold}.db", tz=local_tz())
        write_collection(store, cards, created=START)
        results[label] = (optimize_preset(store, dry_run=True), optimize_preset(store))
        tables[label] = _cards_and_log(store)
        store.close()
    assert forks == [False, False, True, True]
    # the forked run wrote exactly what the one-process run wrote
    assert tables["forked"] == tables["one process"]

    for one, two in zip(results["one process"], results["forked"], strict=True):
        assert one.adopted and two.adopted
        assert (one.parameters, one.fitted, one.items, one.reviews_used) == (
            two.parameters,
            two.fitted,
            two.items,
            two.reviews_used,
        )
        assert (one.log_loss_before, one.log_loss_after) == (
            two.log_loss_before,
            two.log_loss_after,
        )
        # fsrs-rs sums the RMSE bins in hash-map order: the last bits may differ per call
        assert one.rmse_bins_before == pytest.approx(two.rmse_bins_before, rel=1e-6)
        assert one.rmse_bins_after == pytest.approx(two.rmse_bins_after, rel=1e-6)
        assert (one.cards_rescheduled, one.cards_updated) == (
            two.cards_rescheduled,
            two.cards_updated,
        )
    dry, full = results["forked"]
    assert dry.dry_run and not full.dry_run
    # the dry run counts exactly the changes the real run then makes
    assert (dry.cards_rescheduled, dry.cards_updated) == (
        full.cards_rescheduled,
        full.cards_updated,
    )
    assert dry.cards_rescheduled > 0 and dry.cards_updated > 0

    col = anki_collection(tmp_path / "anki.anki2", cards)
    try:
        anki, anki_eval = anki_optimize(col)
    finally:
        col.close()
    assert dry.items == anki.fsrs_items
    for mine, theirs in zip(dry.parameters, anki.params, strict=True):
        assert mine == pytest.approx(theirs, rel=1e-3, abs=1e-4)
    assert dry.log_loss_after == pytest.approx(anki_eval.log_loss, rel=1e-4)
