"""Benchmark of the core engine against the real Anki backend on the same collection.

A generated collection of 100k cards (10 decks) and 1M review-log rows is written once for
srs (SQLAlchemy Core bulk insert) and once for Anki (the `anki` package, rows inserted
through its DB handle). Each side is then measured in its own process: the deck list with
counts, `search "is:due"`, and answer-plus-next-card latency over a run of answers; peak RSS
of that process. "Next card" is what a review screen needs before it can show it: the card,
its rendered question and answer, the counts and the four button labels (srs's
``answer_and_next``, the review screen's call, which returns what ``study_state`` returns;
on Anki's side ``get_queued_cards``, ``question()``, ``answer()`` and
``describe_next_states``). Both sides commit each answer (one fsync) before the next
card. Anki's time without the rendering is printed too. The search returns ids in due
order on both sides (Anki's browser "Due" column); Anki's unordered search is printed too.
Prints each figure with the ratio srs/Anki (below 1 = srs is faster).

    python bench/bench_core.py [--cards 100000] [--revlog 1000000] [--answers 300]
                               [--rounds 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
DECKS = 10
ROOT = "Bench"


def plan(cards: int, revlog: int, seed: int = 7) -> list[dict[str, Any]]:
    """The same cards for both sides: state, due offset in days, interval, memory, history."""
    rng = random.Random(seed)
    per_card = max(1, revlog // max(1, int(cards * 0.7)))
    out = []
    for i in range(cards):
        roll = rng.random()
        if roll < 0.3:
            out.append({"state": 0, "deck": i % DECKS, "pos": i})
            continue
        ivl = rng.randint(1, 300)
        due = rng.randint(-5, ivl)
        out.append(
            {
                "state": 2,
                "deck": i % DECKS,
                "pos": i,
                "ivl": ivl,
                "due": due,
                "s": ivl * 1.1,
                "d": rng.uniform(2, 9),
                "reviews": per_card,
            }
        )
    return out


def best_of(n: int, call: Callable[[], object]) -> float:
    """The fastest of ``n`` runs of ``call``, in seconds (the first run warms caches)."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return min(times)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def gen_srs(path: Path, cards: int, revlog: int) -> None:
    from sqlalchemy import insert

    from srs.clock import FixedClock
    from srs.models import Card, Deck, Note, Notetype, Preset, ReviewLog
    from srs.notes import BASIC_CSS, BASIC_FIELDS, BASIC_TEMPLATES, new_guid
    from srs.store import Store

    store = Store.open(path, clock=FixedClock(NOW))
    today = NOW.replace(hour=4, minute=0)
    with store.write() as s:
        s.add(Preset(id=1, name="Default", new_per_day=20, reviews_per_day=9999))
        for d in range(DECKS):
            s.add(Deck(id=d + 2, name=f"{ROOT}::Deck {d}", preset_id=1))
        s.add(Deck(id=1, name=ROOT, preset_id=1))
        s.add(
            Notetype(
                id=1,
                name="Basic",
                kind="standard",
                fields=BASIC_FIELDS,
                templates=BASIC_TEMPLATES,
                css=BASIC_CSS,
                modified_at=NOW,
            )
        )
        s.flush()
        notes, rows, logs = [], [], []
        for i, c in enumerate(plan(cards, revlog)):
            nid = i + 1
            notes.append(
                {
                    "id": nid,
                    "guid": new_guid(),
                    "notetype_id": 1,
                    "fields": f"front {i}\x1fback {i}",
                    "sort_field": f"front {i}",
                    "tags": "",
                    "created_at": NOW,
                    "modified_at": NOW,
                    "extra": {},
                    "source_kind": "manual",
                    "content_hash": "",
                }
            )
            row = {
                "id": nid,
                "note_id": nid,
                "ord": 0,
                "deck_id": c["deck"] + 2,
                "new_position": c["pos"],
                "created_at": NOW,
                "modified_at": NOW,
                "extra": {},
            }
            if c["state"] == 2:
                due = today + timedelta(days=c["due"])
                last = due - timedelta(days=c["ivl"])
                row.update(
                    state=2,
                    due=due,
                    interval_days=c["ivl"],
                    stability=c["s"],
                    difficulty=c["d"],
                    last_review=last,
                    reps=c["reviews"],
                )
                for k in range(c["reviews"]):
                    at = last - timedelta(days=k * 3, minutes=nid % 997)
                    logs.append(
                        {
                            "card_id": nid,
                            "reviewed_at": at,
                            "rating": 3,
                            "kind": 1,
                            "interval_before": 1,
                            "interval_after": c["ivl"],
                            "factor": 500,
                            "duration_ms": 5000,
                        }
                    )
            rows.append(row)
        s.execute(insert(Note), notes)
        s.execute(insert(Card), rows)
        s.execute(insert(ReviewLog), logs)
    store.close()


def gen_anki(path: Path, cards: int, revlog: int) -> None:
    from anki.collection import Collection

    col = Collection(str(path))
    col.set_config("fsrs", True)
    model = col.models.by_name("Basic")
    assert model is not None
    conf = col.decks.get_config(1)
    assert conf is not None
    conf["new"]["perDay"] = 20
    conf["rev"]["perDay"] = 9999
    col.decks.update_config(conf)
    deck_ids = [col.decks.id(f"{ROOT}::Deck {d}") for d in range(DECKS)]
    root = col.decks.id(ROOT)
    assert root is not None
    col.decks.select(root)
    today = col.sched.today
    now_s = int(time.time())
    notes, rows, logs = [], [], []
    for i, c in enumerate(plan(cards, revlog)):
        nid = 10_000_000 + i
        notes.append(
            (
                nid,
                f"g{i}",
                model["id"],
                now_s,
                -1,
                "",
                f"front {i}\x1fback {i}",
                f"front {i}",
                0,
                0,
                "",
            )
        )
        if c["state"] == 0:
            rows.append(
                (
                    nid,
                    nid,
                    deck_ids[c["deck"]],
                    0,
                    now_s,
                    -1,
                    0,
                    0,
                    c["pos"],
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    "",
                )
            )
        else:
            data = json.dumps({"s": c["s"], "d": c["d"]})
            rows.append(
                (
                    nid,
                    nid,
                    deck_ids[c["deck"]],
                    0,
                    now_s,
                    -1,
                    2,
                    2,
                    today + c["due"],
                    c["ivl"],
                    2500,
                    c["reviews"],
                    0,
                    0,
                    0,
                    0,
                    0,
                    data,
                )
            )
            base = (now_s - (c["ivl"] - c["due"]) * 86400) * 1000
            for k in range(c["reviews"]):
                logs.append(
                    (
                        base - k * 3 * 86400_000 - (nid % 997) * 60_000,
                        nid,
                        -1,
                        3,
                        c["ivl"],
                        1,
                        500,
                        5000,
                        1,
                    )
                )
    col.close()
    # Anki's DB proxy goes through the backend row by row; plain sqlite3 is 100x faster.
    with sqlite3.connect(path) as db:
        db.executemany("insert into notes values (?,?,?,?,?,?,?,?,?,?,?)", notes)
        db.executemany("insert into cards values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.executemany("insert or ignore into revlog values (?,?,?,?,?,?,?,?,?)", logs)


def measure_srs(path: Path, answers: int) -> dict[str, float]:
    from srs.clock import FixedClock
    from srs.collection import Collection
    from srs.domain import Rating
    from srs.store import Store

    clock = FixedClock(NOW)
    col = Collection(Store.open(path, clock=clock))
    decks = best_of(3, col.deck_counts)
    search = best_of(3, lambda: col.search("is:due"))
    due = col.search("is:due")
    lat = []
    state = col.study_state(ROOT)
    for _ in range(answers):
        if state.card is None:
            break
        t = time.perf_counter()
        _, state = col.answer_and_next(state.card.card_id, Rating.GOOD, ROOT)
        lat.append(time.perf_counter() - t)
        clock.advance(timedelta(seconds=2))
    col.close()
    return summarise(decks, search, len(due), lat)


def measure_anki(path: Path, answers: int) -> dict[str, float]:
    import anki.collection  # noqa: F401  (first: anki.cards imports it circularly)
    from anki.cards import Card
    from anki.collection import Collection
    from anki.scheduler.v3 import CardAnswer

    col = Collection(str(path))
    decks = best_of(3, col.sched.deck_due_tree)
    # srs returns the matches in due order (Anki's browser "Due" column); ask Anki for the
    # same order, and time its unordered search too.
    by_due = col.get_browser_column("cardDue")
    search = best_of(3, lambda: col.find_cards("is:due", order=by_due))
    unordered = best_of(3, lambda: col.find_cards("is:due"))
    due = col.find_cards("is:due")
    lat, queue_only = [], []
    queued = col.sched.get_queued_cards(fetch_limit=1)
    for _ in range(answers):
        if not queued.cards:
            break
        t = time.perf_counter()
        qc = queued.cards[0]
        card = Card(col)
        card._load_from_backend_card(qc.card)
        card.start_timer()
        answer = col.sched.build_answer(card=card, states=qc.states, rating=CardAnswer.GOOD)
        col.sched.answer_card(answer)
        queued = col.sched.get_queued_cards(fetch_limit=1)
        queue_only.append(time.perf_counter() - t)
        # What srs's study_state also does for the next card, as Anki's reviewer does
        # before showing it: render question and answer, and label the four buttons.
        if queued.cards:
            shown = Card(col)
            shown._load_from_backend_card(queued.cards[0].card)
            shown.question()
            shown.answer()
            col.sched.describe_next_states(queued.cards[0].states)
        lat.append(time.perf_counter() - t)
    col.close()
    out = summarise(decks, search, len(due), lat)
    out["answer_next_queue_only_median_ms"] = statistics.median(queue_only) * 1000
    out["search_due_unordered_ms"] = unordered * 1000
    return out


def summarise(decks: float, search: float, due: int, lat: list[float]) -> dict[str, float]:
    lat_ms = sorted(x * 1000 for x in lat)
    p99 = lat_ms[min(len(lat_ms) - 1, int(len(lat_ms) * 0.99))] if lat_ms else float("nan")
    return {
        "decks_ms": decks * 1000,
        "search_due_ms": search * 1000,
        "due_found": due,
        "answer_next_median_ms": statistics.median(lat_ms) if lat_ms else float("nan"),
        "answer_next_p99_ms": p99,
        "answers": len(lat_ms),
        "peak_rss_mb": rss_mb(),
    }


def child(args: argparse.Namespace) -> None:
    path = Path(args.path)
    if args.child == "gen-srs":
        gen_srs(path, args.cards, args.revlog)
    elif args.child == "gen-anki":
        gen_anki(path, args.cards, args.revlog)
    elif args.child == "srs":
        print(json.dumps(measure_srs(path, args.answers)))
    elif args.child == "anki":
        print(json.dumps(measure_anki(path, args.answers)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--revlog", type=int, default=1_000_000)
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--child", default=None)
    parser.add_argument("--path", default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", default=None, help="keep (and reuse) the workload here")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        paths = {"srs": work / "srs.db", "anki": work / "anki.anki2"}
        common = [
            "--cards",
            str(args.cards),
            "--revlog",
            str(args.revlog),
            "--answers",
            str(args.answers),
        ]
        for side in ("srs", "anki"):
            pristine = paths[side].with_suffix(".pristine")
            if pristine.exists():
                continue
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--child", f"gen-{side}", "--path", str(pristine)]
                + common,
                check=True,
            )
            print(f"generated {side} collection in {time.perf_counter() - t:.1f} s", flush=True)
        # Rounds alternate the two sides so that both see the same machine load; each
        # round starts from a fresh copy (answers change the collection). Best round wins.
        results: dict[str, dict[str, float]] = {}
        for _ in range(args.rounds):
            for side in ("srs", "anki"):
                for leftover in work.glob(paths[side].name + "*"):
                    leftover.unlink()
                shutil.copyfile(paths[side].with_suffix(".pristine"), paths[side])
                out = subprocess.run(
                    [sys.executable, __file__, "--child", side, "--path", str(paths[side])]
                    + common,
                    check=True,
                    stdout=subprocess.PIPE,
                    text=True,
                ).stdout
                got = json.loads(out.strip().splitlines()[-1])
                best = results.setdefault(side, got)
                for key, value in got.items():
                    best[key] = min(best[key], value)
    print(f"\n{args.cards} cards, {args.revlog} review-log rows")
    print(f"{'figure':<24}{'srs':>12}{'anki':>12}{'srs/anki':>10}")
    for key in results["srs"]:
        a, b = results["srs"][key], results["anki"][key]
        ratio = f"{a / b:.2f}" if b else "-"
        print(f"{key:<24}{a:>12.2f}{b:>12.2f}{ratio:>10}")
    extra = results["anki"]["answer_next_queue_only_median_ms"]
    print(f"(Anki without rendering the next card and its button labels: median {extra:.2f} ms)")
    unordered = results["anki"]["search_due_unordered_ms"]
    print(f"(Anki's is:due search without ordering the results: {unordered:.2f} ms)")


if __name__ == "__main__":
    main()
