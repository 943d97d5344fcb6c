"""Builds a collection with the real Anki backend, asks Anki for its statistics, and copies
the same cards and review log into an srs store, for tests that compare the two.

Anki runs in a subprocess with TZ set (it takes day boundaries and hours from the process's
local zone) and cannot be given a clock: it answers cards and computes its statistics at the
real time. The driver answers a few cards with ``col.sched``, then writes a year and more of
history straight into ``revlog`` (and the matching card states into ``cards``), placed on
Anki's own day boundaries relative to that real time. The returned dump carries the instant
Anki computed at; the srs side runs on a FixedClock set to that instant.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from srs.clock import FixedClock
from srs.models import Card, Deck, Note, Notetype, Preset, ReviewLog
from srs.store import Store

_DRIVER = r"""
import json, os, random, sys, time
from anki.collection import Collection
from google.protobuf.json_format import MessageToDict

args = json.loads(sys.argv[1])
rng = random.Random(args["seed"])
col = Collection(os.path.join(args["dir"], "c.anki2"))
col.set_config("fsrs", True)
basic = col.models.by_name("Basic")
names = ["Lang", "Lang::Sub", "Other"]
dids = {n: col.decks.id(n) for n in names}
for i in range(args["notes"]):
    note = col.new_note(basic)
    note["Front"] = f"q{i}"
    note["Back"] = f"a{i}"
    col.add_note(note, dids[names[i % 3]])
col.decks.select(dids["Lang"])
for ease in [3, 1, 3, 4, 2, 3, 1, 3, 3, 4, 3, 1, 3, 3]:
    card = col.sched.getCard()
    if card is None:
        break
    col.sched.answerCard(card, ease)

today = col.sched.today
cutoff = col.sched.day_cutoff  # epoch seconds at which tomorrow starts
now = int(time.time())
used = set(col.db.list("select id from revlog"))

def stamp(day, minute):
    # epoch ms on Anki day `day` (0 = today), `minute` minutes into a random hour of it
    start = cutoff + (day - 1) * 86400
    if day == 0:
        secs = start + int((now - start) * 0.5) + minute * 60 - 600
        secs = min(max(secs, start + 1), now - 1)
    else:
        # not in a day's first second: Anki's Reviews graph counts t - next_day_start in
        # whole days truncated, so an answer at exactly a day start lands on the day before
        secs = start + 3600 * rng.randint(0, 21) + minute * 60 + rng.randint(1, 59)
    ms = secs * 1000 + rng.randint(0, 999)
    while ms in used:
        ms += 1
    used.add(ms)
    return ms

fresh = col.db.list("select id from cards where type = 0 order by id")
history = fresh[: len(fresh) - args["keep_new"]]
rows = []
for n, cid in enumerate(history):
    day = -rng.randint(1, args["max_age"])
    rows.append((stamp(day, 0), cid, -1, 3, -600, 0, 0, rng.randint(2000, 9000), 0))
    rows.append((stamp(day, 10), cid, -1, 3, 1, -600, 0, rng.randint(2000, 9000), 0))
    ivl, last = 1, day
    while True:
        nxt = last + ivl + rng.choice([0, 0, 0, 1, 2, 5])
        if nxt > 0:
            break
        ease = rng.choices([1, 2, 3, 4], [15, 10, 65, 10])[0]
        if ease == 1:
            rows.append((stamp(nxt, 0), cid, -1, 1, -600, ivl, 500, rng.randint(1000, 20000), 1))
            new_ivl = max(1, ivl // 3)
            rows.append((stamp(nxt, 10), cid, -1, 3, new_ivl, -600, 500, 3000, 2))
        else:
            new_ivl = max(ivl + 1, int(ivl * (1.2, 2.5, 3.5)[ease - 2]))
            rows.append((stamp(nxt, 0), cid, -1, ease, new_ivl, ivl, 500,
                         rng.randint(1000, 20000), 1))
        r = rng.random()
        if r < 0.05:  # cramming in a filtered deck (does not count for retention)
            rows.append((stamp(nxt, 30), cid, -1, rng.choice([1, 3]), new_ivl, new_ivl, 0, 4000, 3))
        elif r < 0.08:  # filtered review that reschedules
            rows.append((stamp(nxt, 30), cid, -1, 3, new_ivl, new_ivl, 500, 4000, 3))
        elif r < 0.10:  # set due date / reschedule: no rating
            rows.append((stamp(nxt, 40), cid, -1, 0, new_ivl, new_ivl, 0, 0, 5))
        elif r < 0.11:
            rows.append((stamp(nxt, 40), cid, -1, 0, new_ivl, new_ivl, 0, 0, 4))
        ivl, last = new_ivl, nxt
    due_rel = last + ivl - rng.choice([0, 0, 3]) if n % 7 else -rng.randint(1, 9)
    data = {"s": round(rng.uniform(0.3, 400.0), 3), "d": round(rng.uniform(1.0, 10.0), 3),
            "dr": 0.9, "decay": 0.1542, "lrt": (cutoff + (last - 1) * 86400) + 7200}
    ctype, queue, due = 2, 2, today + due_rel
    if n % 11 == 3:
        queue = -1
    elif n % 13 == 4:
        queue = -2
    elif n % 17 == 5:
        queue = -3
    elif n % 19 == 6:
        ctype, queue, due = 3, 1, now + rng.choice([-4000, 300, 900])
    elif n % 23 == 7:
        ctype, queue, due = 1, 3, today + rng.choice([-1, 0, 1, 2])
    if n % 29 == 8:
        data = {}
    col.db.execute(
        "update cards set type=?, queue=?, due=?, ivl=?, factor=2500, data=?, mod=? where id=?",
        ctype, queue, due, ivl, json.dumps(data), now, cid)
col.db.executemany("insert into revlog values (?,?,?,?,?,?,?,?,?)", rows)

def graphs(search, days=0):
    before = time.time()
    msg = col._backend.graphs(search=search, days=days)
    after = time.time()
    out = MessageToDict(msg, preserving_proto_field_name=True)
    out["_now"] = [before, after]
    return out

dump = {
    "now": now, "cutoff": cutoff, "today": today, "crt": col.crt,
    "decks": [[d.id, d.name] for d in col.decks.all_names_and_ids()],
    "notes": col.db.all("select id, guid, flds, mod from notes"),
    "cards": col.db.all("select id, nid, did, odid, ord, type, queue, due, ivl, factor,"
                        " reps, lapses, data, mod from cards"),
    "revlog": col.db.all("select id, cid, ease, ivl, lastIvl, factor, time, type from revlog"),
    "graphs": {"": graphs(""), "deck:Lang": graphs("deck:Lang")},
    # the statistics of the shorter periods (Anki's "days" argument)
    "graphs_days": {str(n): graphs("", n) for n in (30, 90, 365)},
}
col.close()
print(json.dumps(dump))
"""


def run_anki(
    tmp: Path, tz: str, *, notes: int = 90, keep_new: int = 8, max_age: int = 500, seed: int = 5
) -> dict[str, Any]:
    """Build the collection in a subprocess (local zone ``tz``) and return its dump."""
    args = {"dir": str(tmp), "notes": notes, "keep_new": keep_new, "max_age": max_age, "seed": seed}
    env = dict(os.environ, TZ=tz)
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps(args)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    dump: dict[str, Any] = json.loads(done.stdout)
    return dump


def _ms(secs: float) -> datetime:
    return datetime.fromtimestamp(secs, UTC)


def store_from_dump(dump: dict[str, Any], path: Path, tz: str, now_secs: float) -> Store:
    """Copy the dumped Anki collection into a new srs store with a clock fixed at
    ``now_secs``: decks, one note type, notes, cards (due dates converted from Anki's day
    numbers to instants on the same local day) and the review log."""
    zone = ZoneInfo(tz)
    now = _ms(now_secs)
    store = Store.open(path, clock=FixedClock(now, tz=zone))
    cutoff, today = dump["cutoff"], dump["today"]
    with store.write() as s:
        preset = Preset(name="Default", rollover_hour=4)
        s.add(preset)
        s.flush()
        for did, name in dump["decks"]:
            s.add(Deck(id=did, name=name, preset_id=preset.id))
        nt = Notetype(
            name="Basic",
            fields=[{"name": "Front"}, {"name": "Back"}],
            templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
            modified_at=now,
        )
        s.add(nt)
        s.flush()
        for nid, guid, flds, mod in dump["notes"]:
            s.add(
                Note(
                    id=nid,
                    guid=guid,
                    notetype_id=nt.id,
                    fields=flds,
                    created_at=_ms(nid / 1000),
                    modified_at=_ms(mod),
                )
            )
        s.flush()
        for (
            cid,
            nid,
            did,
            odid,
            ord_,
            ctype,
            queue,
            due,
            ivl,
            factor,
            reps,
            lapses,
            data,
            mod,
        ) in dump["cards"]:
            extra = json.loads(data) if data else {}
            if ctype == 0:
                due_at = None
            elif queue == 1:  # intraday learning: due is epoch seconds
                due_at = _ms(due)
            else:  # review or interday learning: due is a day number; keep the local day
                due_at = _ms(cutoff + (due - today - 1) * 86400 + 3600)
            s.add(
                Card(
                    id=cid,
                    note_id=nid,
                    ord=ord_,
                    deck_id=did,
                    original_deck_id=odid or None,
                    state=ctype,
                    due=due_at,
                    interval_days=ivl,
                    ease_factor=factor,
                    reps=reps,
                    lapses=lapses,
                    suspended=queue == -1,
                    buried={-2: 2, -3: 3}.get(queue, 0),
                    buried_until=_ms(cutoff) if queue in (-2, -3) else None,
                    stability=extra.get("s"),
                    difficulty=extra.get("d"),
                    decay=extra.get("decay"),
                    desired_retention=extra.get("dr"),
                    last_review=_ms(extra["lrt"]) if "lrt" in extra else None,
                    created_at=_ms(cid / 1000),
                    modified_at=_ms(mod),
                )
            )
        s.flush()
        for rid, cid, ease, ivl, last_ivl, factor, taken, kind in dump["revlog"]:
            s.add(
                ReviewLog(
                    id=rid,
                    card_id=cid,
                    reviewed_at=_ms(rid / 1000),
                    rating=ease,
                    kind=kind,
                    interval_before=last_ivl,
                    interval_after=ivl,
                    factor=factor,
                    duration_ms=taken,
                )
            )
    return store
