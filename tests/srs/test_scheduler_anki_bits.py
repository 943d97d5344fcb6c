"""Memory states computed by srs.scheduler equal, bit for bit, the states Anki itself offers
for the four buttons of a review card (``get_scheduling_states`` of the real backend).

Anki stores stability to 4 places and difficulty to 3, so the states fed to both sides are
drawn on those grids. Anki takes the elapsed days from the card's last review time; the
driver runs in UTC and puts that time exactly ``e`` days before now, so both sides count
the same days.
"""

from __future__ import annotations

import random
from typing import Any

from srs.domain import MemoryState, Rating
from srs.scheduler import next_states
from srs.scheduler.fsrs import DEFAULT_PARAMS, as_f32
from tests.srs.anki_driver import run_driver

_DRIVER = r"""
import json, sys, time
from anki.collection import Collection
from anki.cards import FSRSMemoryState

args = json.load(sys.stdin)
col = Collection(args["path"])
col.set_config("fsrs", True)
conf = col.decks.get_config(1)
conf["fsrsParams6"] = args["params"]
conf["desiredRetention"] = args["dr"]
col.decks.update_config(conf)
now = int(time.time())


def memory(msg):
    for field, value in msg.ListFields():
        if field.name == "memory_state":
            return value
        if field.message_type is not None:
            found = memory(value)
            if found is not None:
                return found
    return None


out = []
for s, d, elapsed in args["cases"]:
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = "q"
    col.add_note(note, 1)
    card = note.cards()[0]
    card.type, card.queue, card.ivl, card.due = 2, 2, max(elapsed, 1), col.sched.today
    card.memory_state = FSRSMemoryState(stability=s, difficulty=d)
    card.last_review_time = now - elapsed * 86400
    col.update_card(card)
    states = col._backend.get_scheduling_states(card.id)
    row = []
    for state in (states.again, states.hard, states.good, states.easy):
        m = memory(state)
        row.append([m.stability, m.difficulty])
    out.append(row)
col.close()
json.dump(out, sys.stdout)
"""


def _anki_states(tmp_path: Any, cases: list[tuple[float, float, int]]) -> Any:
    args = {
        "path": str(tmp_path / "collection.anki2"),
        "params": list(DEFAULT_PARAMS),
        "dr": 0.9,
        "cases": cases,
    }
    return run_driver(_DRIVER, args, {"TZ": "UTC"})


def test_next_states_equal_ankis_bit_for_bit(tmp_path: Any) -> None:
    rng = random.Random(7)
    cases = [
        (round(rng.uniform(0.5, 400.0), 4), round(rng.uniform(1.0, 10.0), 3), rng.randint(0, 500))
        for _ in range(400)
    ]
    anki = _anki_states(tmp_path, cases)
    for (s, d, elapsed), theirs in zip(cases, anki, strict=True):
        mine = next_states(DEFAULT_PARAMS, MemoryState(as_f32(s), as_f32(d)), 0.9, elapsed)
        for rating, (their_s, their_d) in zip(Rating, theirs, strict=True):
            got = mine[rating].memory
            # protobuf floats are f32: compare the f32 values exactly
            assert (got.stability, got.difficulty) == (as_f32(their_s), as_f32(their_d)), (
                s,
                d,
                elapsed,
                rating,
            )
