"""Answer cards in a real Anki collection and replay the same answers through srs.scheduler.

Anki runs in a subprocess with ANKI_TEST_MODE set (Anki's switch that turns fuzz off; it
is read once per process) and TZ set (Anki takes day boundaries from the process's local
zone). Anki cannot be given a clock, so answers happen at the real time; days passing are
simulated by moving the card's last review time and due back, and the replay does the same.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from srs.clock import day_number
from srs.domain import CardSched, CardState, MemoryState, Rating, ReviewKind, SchedulingConfig
from srs.scheduler import answer_card, format_interval, fuzz_range, next_states, preview_seconds
from tests.srs.anki_driver import run_driver

_DRIVER = r"""
import json, sys
from anki.collection import Collection

args = json.load(sys.stdin)
col = Collection(args["path"])
col.set_config("fsrs", True)
conf = col.decks.get_config(1)
conf["new"]["delays"] = args["learn"]
conf["lapse"]["delays"] = args["relearn"]
conf["lapse"]["leechFails"] = args["leech"]
conf["rev"]["maxIvl"] = args["max_ivl"]
conf["desiredRetention"] = args["dr"]
params = args["params"]
if len(params) == 19:
    conf["fsrsParams5"], conf["fsrsParams6"] = params, []
elif params:
    conf["fsrsParams6"] = params
col.decks.update_config(conf)
note = col.new_note(col.models.by_name("Basic"))
note["Front"] = "q"
col.add_note(note, 1)
cid = note.cards()[0].id
out = []
for rating, wait in args["plan"]:
    card = col.get_card(cid)
    if wait:
        if card.last_review_time is not None:
            card.last_review_time -= wait * 86400
        if card.queue in (2, 3):
            card.due -= wait
        elif card.queue == 1:
            card.due -= wait * 86400
        col.update_card(card)
        card = col.get_card(cid)
    card.start_timer()
    states = col._backend.get_scheduling_states(cid)
    labels = col.sched.describe_next_states(states)
    today = col.sched.today
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating - 1))
    card = col.get_card(cid)
    rev = col.db.first(
        "select id, ease, ivl, lastIvl, factor, type from revlog where cid=? "
        "order by id desc limit 1", cid)
    ms = card.memory_state
    note = col.get_note(card.nid)
    tags = list(note.tags)
    if "leech" in tags:
        note.remove_tag("leech")
        col.update_note(note)
    out.append({
        "labels": [s.replace("\u2068", "").replace("\u2069", "") for s in labels],
        "today": today, "type": card.type, "queue": card.queue, "due": card.due,
        "ivl": card.ivl, "left": card.left, "lapses": card.lapses, "reps": card.reps,
        "s": ms.stability, "d": ms.difficulty, "tags": tags,
        "revlog": rev, "mod": card.mod,
    })
col.close()
json.dump(out, sys.stdout)
"""


# Zones far apart, each standing in for the one before when that one is near 02:00-04:00.
_STAND_INS = ("Pacific/Auckland", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata")


def _zone(name: str) -> str:
    """``name``, unless its local time is near Anki's test-mode clock hack: with
    ANKI_TEST_MODE (which turns fuzz off), Anki moves its clock back two hours between 02:00
    and 04:00 local time, so its day boundary is not the real one. Then another zone whose
    local time is well away from that window."""
    for zone in (name, *_STAND_INS):
        if not 1 <= datetime.now(ZoneInfo(zone)).hour < 5:
            return zone
    raise AssertionError("no zone outside 01:00-05:00")  # zones 6+ hours apart: unreachable


def _run_anki(tmp_path: Any, tz: str, config: SchedulingConfig, plan: list[tuple[int, int]]) -> Any:
    args = {
        "path": str(tmp_path / "collection.anki2"),
        "learn": list(config.learn_steps_minutes),
        "relearn": list(config.relearn_steps_minutes),
        "leech": config.leech_threshold,
        "max_ivl": config.maximum_interval_days,
        "dr": config.desired_retention,
        "params": list(config.fsrs_params),
        "plan": plan,
    }
    return run_driver(_DRIVER, args, {"ANKI_TEST_MODE": "1", "TZ": tz}, timeout=120)


def _replay(tz_name: str, config: SchedulingConfig, plan: list[tuple[int, int]], anki: Any) -> None:
    tz = ZoneInfo(tz_name)
    card = CardSched()
    for index, ((rating, wait), got) in enumerate(zip(plan, anki, strict=True)):
        where = f"answer {index} ({Rating(rating).name}, after {wait} days)"
        if wait:
            card = replace(
                card,
                last_review=card.last_review - timedelta(days=wait) if card.last_review else None,
                due=card.due - timedelta(days=wait) if card.due else None,
            )
        now = datetime.fromtimestamp(got["revlog"][0] / 1000, UTC)
        labels = preview_seconds(card, now, config, tz)
        mine_labels = [format_interval(labels[r], collapse_seconds=1200) for r in Rating]
        assert mine_labels == got["labels"], where
        outcome = answer_card(card, Rating(rating), now, config, tz)
        card = outcome.card
        assert int(card.state) == got["type"], where
        assert card.interval_days == got["ivl"], where
        assert card.lapses == got["lapses"], where
        assert card.reps == got["reps"], where
        assert card.memory is not None
        assert card.memory.stability == pytest.approx(got["s"], rel=1e-6), where
        assert card.memory.difficulty == pytest.approx(got["d"], rel=1e-6), where
        if card.state in (CardState.LEARNING, CardState.RELEARNING):
            steps = config.learn_steps_minutes
            if card.state == CardState.RELEARNING:
                steps = config.relearn_steps_minutes
            assert len(steps) - card.step == got["left"] % 1000 or not steps, where
        assert card.due is not None
        if got["queue"] == 1:
            # Anki takes "now" again for the due time: allow its clock to have moved on.
            assert abs(card.due.timestamp() - got["due"]) <= 2, where
        else:
            assert got["queue"] in (2, 3), where
            mine = day_number(card.due, tz, config.rollover_hour) - day_number(
                now, tz, config.rollover_hour
            )
            assert mine == got["due"] - got["today"], where
        _rev_id, ease, ivl, last_ivl, factor, kind = got["revlog"]
        review = outcome.review
        assert (review.rating, review.interval_after, review.interval_before) == (
            ease,
            ivl,
            last_ivl,
        ), where
        assert review.factor == factor, where
        assert review.kind == ReviewKind(kind), where
        assert outcome.became_leech == ("leech" in got["tags"]), where


_DEFAULT = SchedulingConfig()
_PLAN_BASIC = [
    (3, 0), (3, 0), (1, 2), (2, 0), (3, 0), (4, 0), (3, 3), (2, 7), (1, 20), (1, 0),
    (3, 0), (4, 1), (1, 40), (4, 0),
]  # fmt: skip


@pytest.mark.parametrize("tz_name", ["UTC", "Asia/Kolkata"])
def test_default_preset_matches_anki(tmp_path: Any, tz_name: str) -> None:
    plan = _PLAN_BASIC
    zone = _zone(tz_name)
    anki = _run_anki(tmp_path, zone, _DEFAULT, plan)
    _replay(zone, _DEFAULT, plan, anki)


def test_random_plans_match_anki(tmp_path: Any) -> None:
    rng = random.Random(20261127)
    config = SchedulingConfig(
        learn_steps_minutes=(1.0, 10.0, 1440.0),
        relearn_steps_minutes=(5.0, 30.0),
        desired_retention=0.85,
        maximum_interval_days=60,
        leech_threshold=3,
    )
    plan = [
        (rng.choice([1, 2, 3, 3, 3, 4]), rng.choice([0, 0, 1, 2, 5, 13, 40])) for _ in range(40)
    ]
    zone = _zone("Europe/Berlin")
    anki = _run_anki(tmp_path, zone, config, plan)
    _replay(zone, config, plan, anki)


def test_no_steps_uses_short_term_intervals_like_anki(tmp_path: Any) -> None:
    config = SchedulingConfig(learn_steps_minutes=(), relearn_steps_minutes=())
    plan = [(1, 0), (1, 0), (3, 0), (3, 0), (1, 3), (1, 0), (2, 0), (3, 1), (1, 30), (4, 0)]
    zone = _zone("UTC")
    anki = _run_anki(tmp_path, zone, config, plan)
    _replay(zone, config, plan, anki)


_FUZZ_DRIVER = r"""
import json, sys
from anki.collection import Collection

col = Collection(sys.argv[1])
col.set_config("fsrs", True)
out = []
for i in range(60):
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = f"q{i}"
    col.add_note(note, 1)
    cid = note.cards()[0].id
    row = []
    for rating in (4, 3):
        card = col.get_card(cid)
        if card.queue == 2:
            card.last_review_time -= card.ivl * 86400
            card.due -= card.ivl
            col.update_card(card)
            card = col.get_card(cid)
        before = card.memory_state
        prev = card.ivl
        card.start_timer()
        states = col._backend.get_scheduling_states(cid)
        col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating - 1))
        card = col.get_card(cid)
        row.append({
            "s": before.stability if before else None,
            "d": before.difficulty if before else None,
            "prev": prev, "ivl": card.ivl,
        })
    out.append(row)
col.close()
json.dump(out, sys.stdout)
"""


def test_anki_fuzzed_intervals_fall_in_our_fuzz_ranges(tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANKI_TEST_MODE"}
    env["TZ"] = "UTC"
    done = subprocess.run(
        [sys.executable, "-c", _FUZZ_DRIVER, str(tmp_path / "fuzz.anki2")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    rows = json.loads(done.stdout)
    easy_seen, good_seen = set(), set()
    for easy, good in rows:
        # Easy on a new card: the initial easy stability's interval, fuzzed.
        raw = next_states((), None, 0.9, 0)[Rating.EASY].interval
        low, high = fuzz_range(raw, 0, 36500)
        assert low <= easy["ivl"] <= high
        easy_seen.add(easy["ivl"])
        # Good on the due day: the FSRS interval, fuzzed, above the previous interval.
        memory = MemoryState(good["s"], good["d"])
        raw = next_states((), memory, 0.9, good["prev"])[Rating.GOOD].interval
        low, high = fuzz_range(raw, good["prev"], 36500)
        assert low <= good["ivl"] <= high, (good, low, high)
        good_seen.add(good["ivl"])
    assert len(easy_seen) >= 3 and len(good_seen) >= 3  # Anki really fuzzed


FSRS5 = (
    0.40255, 1.18385, 3.173, 15.69105, 7.1949, 0.5345, 1.4604, 0.0046, 1.54575, 0.1192,
    1.01925, 1.9395, 0.11, 0.29605, 2.2698, 0.2315, 2.9898, 0.51655, 0.6621,
)  # fmt: skip
TRAINED6 = (
    0.1, 2.0, 4.5, 20.0, 6.0, 0.6, 2.5, 0.01, 1.7, 0.2, 0.9, 1.6, 0.08, 0.3, 1.5,
    0.5, 2.2, 0.4, 0.2, 0.1, 0.3,
)  # fmt: skip


@pytest.mark.parametrize("params", [FSRS5, TRAINED6])
def test_preset_parameters_match_anki(tmp_path: Any, params: tuple[float, ...]) -> None:
    rng = random.Random(len(params))
    config = SchedulingConfig(
        learn_steps_minutes=(), relearn_steps_minutes=(), fsrs_params=params,
        desired_retention=0.92,
    )  # fmt: skip
    plan = [(rng.choice([1, 2, 3, 4]), rng.choice([0, 0, 1, 3, 8, 30])) for _ in range(25)]
    zone = _zone("Pacific/Auckland")
    anki = _run_anki(tmp_path, zone, config, plan)
    _replay(zone, config, plan, anki)
