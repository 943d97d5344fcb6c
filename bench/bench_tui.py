"""Benchmark of the TUI on a generated 100k-card collection: time from a rating key press to
the next card being rendered (median and p99 over a run of answers, driven by Pilot), split
into engine time (Collection.answer + Collection.study_state) and the rest (Textual), and
start-up time to a drawn deck list, both warm (in-process) and cold (a fresh process that
imports everything).

    python bench/bench_tui.py [--cards 100000] [--answers 200]

Targets: next card under 50 ms p99; start-up under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
DECKS = (
    "Languages::French", "Languages::German", "Science::Physics", "Science::Biology",
    "History", "Maths::Algebra", "Maths::Geometry", "Medicine", "Music", "Programming",
)  # fmt: skip
SIZE = (80, 24)
T = TypeVar("T")


def build(path: Path, cards: int, seed: int = 11) -> None:
    """Write ``cards`` Basic cards (30% new, 70% in review, some due today) with Core inserts."""
    from sqlalchemy import insert

    from srs.clock import FixedClock
    from srs.models import Card, Deck, Note, Notetype, Preset
    from srs.notes import BASIC_CSS, BASIC_FIELDS, BASIC_TEMPLATES, stable_guid
    from srs.store import Store

    rng = random.Random(seed)
    store = Store.open(path, clock=FixedClock(NOW))
    day_start = NOW.replace(hour=4, minute=0)
    with store.write() as session:
        session.execute(insert(Preset), [{"id": 1, "name": "Default", "new_per_day": 20,
                                          "reviews_per_day": 9999}])  # fmt: skip
        names: list[str] = []
        for name in DECKS:
            parts = name.split("::")
            for depth in range(1, len(parts) + 1):
                full = "::".join(parts[:depth])
                if full not in names:
                    names.append(full)
        session.execute(insert(Deck), [{"id": i + 1, "name": n, "preset_id": 1}
                                       for i, n in enumerate(names)])  # fmt: skip
        leaf_ids = [names.index(n) + 1 for n in DECKS]
        session.execute(insert(Notetype), [{
            "id": 1, "name": "Basic", "kind": "standard", "fields": BASIC_FIELDS,
            "templates": BASIC_TEMPLATES, "css": BASIC_CSS, "modified_at": NOW,
        }])  # fmt: skip
        notes: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        for i in range(cards):
            nid = i + 1
            front = f"Question {i}: what is <b>{i}</b> squared? \\(x^2\\)"
            notes.append({
                "id": nid, "guid": stable_guid(f"bench-{i}"), "notetype_id": 1,
                "fields": f"{front}\x1f{i * i}", "sort_field": front, "tags": "",
                "created_at": NOW, "modified_at": NOW, "extra": {}, "source_kind": "manual",
                "content_hash": "",
            })  # fmt: skip
            row: dict[str, Any] = {
                "id": nid, "note_id": nid, "ord": 0, "deck_id": leaf_ids[i % len(leaf_ids)],
                "new_position": i, "created_at": NOW, "modified_at": NOW, "extra": {},
            }  # fmt: skip
            if rng.random() >= 0.3:
                ivl = rng.randint(1, 300)
                due = day_start + timedelta(days=rng.randint(-5, ivl))
                row.update(state=2, due=due, interval_days=ivl, stability=ivl * 1.1,
                           difficulty=rng.uniform(2, 9), last_review=due - timedelta(days=ivl),
                           reps=rng.randint(1, 12), lapses=rng.randint(0, 3))  # fmt: skip
            rows.append(row)
        session.execute(insert(Note), notes)
        session.execute(insert(Card), rows)
    store.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


class Timed:
    """Wraps a callable: adds the time spent in it to ``sink[0]``, notes when it returned."""

    def __init__(self, func: Callable[..., T], sink: list[float], ends: list[float]) -> None:
        self.func = func
        self.sink = sink
        self.ends = ends

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.func(*args, **kwargs)
        finally:
            end = time.perf_counter()
            self.sink[0] += end - start
            self.ends.append(end)


def record_frames(app: Any, frames: list[float]) -> None:
    """Make the headless app turn each screen update into terminal output (as a real
    terminal driver does) and note when each frame was done."""
    from textual._compositor import CompositorUpdate

    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        if renderable is not None:
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)
            frames.append(time.perf_counter())

    app._display = display


async def measure_answers(path: Path, answers: int) -> dict[str, Any]:
    from srs.clock import FixedClock
    from srs.collection import Collection
    from srs.store import Store
    from tui.app import make_app
    from tui.screens.review import ReviewScreen

    clock = FixedClock(NOW)
    store = Store.open(path, clock=clock)
    col = Collection(store)
    engine = [0.0]
    ends: list[float] = []
    frames: list[float] = []
    col.answer = Timed(col.answer, engine, [])  # type: ignore[method-assign]
    col.study_state = Timed(col.study_state, engine, ends)  # type: ignore[method-assign]
    app = make_app(col, start_in_review=True)
    record_frames(app, frames)
    rng = random.Random(3)
    totals: list[float] = []
    engines: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        for _ in range(answers):
            if screen.card is None:
                break
            await pilot.press("space")
            await pilot.pause()
            before = screen.card.card_id
            key = "1" if rng.random() < 0.1 else "3"
            engine[0] = 0.0
            ends.clear()
            frames.clear()
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            # Rendered: the first frame drawn after the engine handed over the next card.
            drawn = [f for f in frames if ends and f > ends[-1]]
            assert drawn, "no frame was drawn after the answer"
            totals.append(drawn[0] - start)
            engines.append(engine[0])
            clock.advance(timedelta(seconds=8))
            assert screen.card is None or screen.card.card_id != before or key == "1"
    store.close()
    ms = [t * 1000 for t in totals]
    ems = [t * 1000 for t in engines]
    return {
        "answers": len(ms),
        "next_card_median_ms": statistics.median(ms),
        "next_card_p99_ms": percentile(ms, 0.99),
        "engine_median_ms": statistics.median(ems),
        "engine_p99_ms": percentile(ems, 0.99),
        "ui_median_ms": statistics.median(t - e for t, e in zip(ms, ems, strict=True)),
    }


async def measure_startup(path: Path) -> float:
    """In-process start-up: building the app to the deck list drawn with its counts."""
    from srs.clock import FixedClock
    from srs.collection import Collection
    from srs.store import Store
    from tui.app import make_app
    from tui.screens.decks import DeckListScreen

    start = time.perf_counter()
    store = Store.open(path, clock=FixedClock(NOW))
    app = make_app(Collection(store))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()  # the counts are read in a worker thread
        await pilot.pause()
        assert isinstance(app.screen, DeckListScreen) and app.screen.counts
        elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def peak_rss_mb() -> float:
    """This process's peak RSS. ``VmHWM`` restarts at exec, unlike ``ru_maxrss``, which a
    child started by fork inherits from its (here, much larger) parent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_startup(path: Path) -> None:
    """Run in a fresh process: imports, open the store, draw the deck list, report."""
    start = time.perf_counter()
    seconds = asyncio.run(measure_startup(path))
    total = time.perf_counter() - start
    peak = peak_rss_mb()
    print(json.dumps({"to_deck_list_s": seconds, "with_imports_s": total, "peak_rss_mb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--child-startup", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_startup:
        child_startup(args.child_startup)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        start = time.perf_counter()
        build(path, args.cards)
        print(f"built {args.cards} cards in {time.perf_counter() - start:.1f}s")
        cold = []
        for _ in range(3):
            out = subprocess.run(
                [sys.executable, __file__, "--child-startup", str(path)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            cold.append(json.loads(out.stdout.strip().splitlines()[-1]))
        warm = asyncio.run(measure_startup(path))
        answers = asyncio.run(measure_answers(path, args.answers))
    best = min(cold, key=lambda r: r["with_imports_s"])
    print(f"start-up to deck list, fresh process (best of 3): {best['with_imports_s']:.3f}s "
          f"(of which after imports {best['to_deck_list_s']:.3f}s), "
          f"peak RSS {best['peak_rss_mb']:.0f} MB")  # fmt: skip
    print(f"start-up to deck list, warm in-process: {warm:.3f}s")
    print(f"rating key -> next card rendered over {answers['answers']} answers: "
          f"median {answers['next_card_median_ms']:.1f} ms, "
          f"p99 {answers['next_card_p99_ms']:.1f} ms")  # fmt: skip
    print(f"  engine (answer + study_state): median {answers['engine_median_ms']:.1f} ms, "
          f"p99 {answers['engine_p99_ms']:.1f} ms; "
          f"UI median {answers['ui_median_ms']:.1f} ms")  # fmt: skip
    print("targets: next card p99 < 50 ms, start-up < 1 s")


if __name__ == "__main__":
    main()
