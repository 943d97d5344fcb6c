"""Shared fixtures of the optimize tests: a far-from-default truth, stores and a real Anki
collection holding the same simulated history."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import fsrs_rs_python as fsrs_rs
from anki.collection import Collection

from srs.clock import FixedClock, day_number
from srs.optimize.history import LogEntry
from srs.optimize.synthetic import SimCard
from srs.store import Store

START = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 10, 1, 12, tzinfo=UTC)


def local_tz() -> tzinfo:
    """The machine's zone, which is the one Anki counts days in."""
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz


def truth_params() -> list[float]:
    """FSRS-6 parameters far from the defaults (fast forgetting, steep decay)."""
    w = [float(x) for x in fsrs_rs.DEFAULT_PARAMETERS]
    for index, value in {
        0: 0.3,
        1: 1.0,
        2: 5.0,
        3: 40.0,
        8: 2.2,
        9: 0.05,
        10: 1.5,
        11: 2.5,
        20: 0.6,
    }.items():
        w[index] = value
    return w


def open_store(path: Path, tz: tzinfo = UTC) -> Store:
    return Store.open(path, clock=FixedClock(NOW, tz=tz))


def log_entries(cards: Sequence[SimCard], tz: tzinfo = UTC) -> list[tuple[int, list[LogEntry]]]:
    """The simulated logs as the optimizer reads them (rollover 04:00 in ``tz``)."""
    return [
        (
            card.card_id,
            [
                LogEntry(
                    order=int(e.at.timestamp() * 1000),
                    day=day_number(e.at, tz, 4),
                    rating=e.rating,
                    kind=int(e.kind),
                    factor=e.factor,
                    interval_after=e.interval_after,
                    interval_before=e.interval_before,
                    duration_ms=e.duration_ms,
                )
                for e in card.entries
            ],
        )
        for card in cards
    ]


def anki_collection(path: Path, cards: Sequence[SimCard]) -> Collection:
    """A real Anki collection with one Basic note and card per simulated card and the same
    review log (ids are the answer times in ms, as Anki writes them).

    Anki creates the collection; the rows go in through sqlite3 in one transaction (``col.db``
    goes row by row through the backend), then Anki opens it again.
    """
    col = Collection(str(path))
    mid = col.models.by_name("Basic")["id"]  # type: ignore[index]
    col.close(downgrade=False)
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "insert into notes (id,guid,mid,mod,usn,tags,flds,sfld,csum,flags,data) "
            "values (?,?,?,0,-1,'',?,?,0,0,'')",
            [
                (c.card_id, f"g{c.card_id}", mid, f"q{c.card_id}\x1fa", f"q{c.card_id}")
                for c in cards
            ],
        )
        db.executemany(
            "insert into cards (id,nid,did,ord,mod,usn,type,queue,due,ivl,factor,reps,lapses,"
            "left,odue,odid,flags,data) values (?,?,1,0,0,-1,2,2,0,?,2500,0,0,0,0,0,0,'{}')",
            [(c.card_id, c.card_id, max(c.interval_days, 1)) for c in cards],
        )
        db.executemany(
            "insert into revlog (id,cid,usn,ease,ivl,lastIvl,factor,time,type) "
            "values (?,?,-1,?,?,?,?,?,?)",
            [
                (
                    int(e.at.timestamp() * 1000),
                    c.card_id,
                    e.rating,
                    e.interval_after,
                    e.interval_before,
                    e.factor,
                    e.duration_ms,
                    int(e.kind),
                )
                for c in cards
                for e in c.entries
            ],
        )
    db.close()
    return Collection(str(path))


def anki_optimize(col: Collection, params: Sequence[float] | None = None) -> tuple[Any, Any]:
    """Anki's Optimize (``compute_fsrs_params`` over the whole collection, one relearning
    step, no health check) and Evaluate of ``params`` (default: the fitted ones)."""
    fitted = col._backend.compute_fsrs_params(
        search="",
        current_params=[],
        ignore_revlogs_before_ms=0,
        num_of_relearning_steps=1,
        health_check=False,
    )
    chosen = [float(w) for w in fitted.params] if params is None else list(params)
    evaluated = col._backend.evaluate_params_legacy(
        params=chosen, search="", ignore_revlogs_before_ms=0
    )
    return fitted, evaluated
