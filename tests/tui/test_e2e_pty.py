"""End to end: ``srs review --db <file>`` in a real pseudo-terminal (pexpect), answering a card
with the keyboard, then checking the answer in the database."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pexpect

from srs.clock import FixedClock
from srs.collection import Collection
from srs.store import Store
from tests.conftest import FIXED_NOW


def _srs_command() -> list[str]:
    script = Path(sys.executable).with_name("srs")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from srs.cli import main; main()"]


def test_review_in_a_real_terminal(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with Store.open(db, clock=FixedClock(FIXED_NOW)) as store:
        Collection(store).add_basic("Capital of Italy?", "Rome", deck="Geo")
    env = {
        **os.environ,
        "SRS_NOW": FIXED_NOW.isoformat(),
        "TERM": "xterm-256color",
        "COLUMNS": "80",
        "LINES": "24",
    }
    command = [*_srs_command(), "--db", str(db), "review"]
    child = pexpect.spawn(
        command[0], command[1:], env=env, dimensions=(24, 80), timeout=30, encoding="utf-8"
    )
    try:
        child.expect("Capital of Italy")
        child.expect("Show answer")
        child.send(" ")
        child.expect("Rome")
        child.expect("Easy")
        child.send("4")
        child.expect("Congratulations")
        child.send("\r")
        child.expect("Decks")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    with Store.open(db, clock=FixedClock(FIXED_NOW)) as store:
        col = Collection(store)
        (card_id,) = col.search("deck:Geo", limit=None)
        history = col.history(card_id)
        assert [r.rating for r in history] == [4]
        assert history[0].reviewed_at == FIXED_NOW


def test_an_answer_survives_a_killed_terminal(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with Store.open(db, clock=FixedClock(FIXED_NOW)) as store:
        col = Collection(store)
        col.add_basic("First question", "one", deck="Geo")
        col.add_basic("Second question", "two", deck="Geo")
    env = {**os.environ, "SRS_NOW": FIXED_NOW.isoformat(), "TERM": "xterm-256color"}
    command = [*_srs_command(), "--db", str(db), "review", "--deck", "Geo"]
    child = pexpect.spawn(
        command[0], command[1:], env=env, dimensions=(24, 80), timeout=30, encoding="utf-8"
    )
    try:
        child.expect("First question")
        child.expect("Show answer")
        child.send(" ")
        child.expect("Easy")
        child.send("4")
        child.expect("Second question")
        child.kill(signal.SIGKILL)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    with Store.open(db, clock=FixedClock(FIXED_NOW)) as store:
        col = Collection(store)
        ids = col.search("deck:Geo", limit=None)
        ratings = [[r.rating for r in col.history(card_id)] for card_id in ids]
        assert len(ids) == 2 and sorted(ratings) == [[], [4]]
