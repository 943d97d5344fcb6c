"""Benchmark of ``srs stats`` against Anki's own statistics on the same collection.

A generated collection of 100k cards and 1M review-log rows (about three years of history)
is written once for srs (SQLAlchemy Core bulk insert) and once for Anki (the `anki`
package, rows inserted through its DB handle). Each side then runs in its own process:
srs's ``compute_stats`` (every figure: today, true retention, forecast, calendar, counts,
distributions, retrievability, calibration, buttons, hours, added) and Anki's
``graphs`` backend call (what its statistics screen computes), for the one-year range and
for all time. Prints wall time (best of a few runs) and peak RSS, with the ratio srs/Anki.

    python bench/bench_stats.py [--cards 100000] [--revlog 1000000] [--repeat 3]
                                [--rounds 3] [--reuse DIR | --out DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DAY = 86_400


def _rows(cards: int, revlog: int, now_s: int, seed: int = 11) -> tuple[list[Any], list[Any]]:
    """Cards ``(i, state, queue, due_rel_days, ivl, s, d, last_review_s)`` and review rows
    ``(ms, card, rating, kind, last_ivl, ivl, factor, taken_ms, stability)``, shared by
    both sides."""
    rng = random.Random(seed)
    card_rows: list[Any] = []
    log: list[Any] = []
    used: set[int] = set()
    studied = int(cards * 0.85)
    per = revlog / studied * 1.1  # some histories reach the present early
    for i in range(cards):
        if i >= studied:
            card_rows.append((i, 0, 0, 0, 0, None, None, None))
            continue
        n = max(1, int(per + rng.uniform(-per / 2, per / 2))) if len(log) < revlog else 0
        t = now_s - rng.randint(200, 1500) * DAY + rng.randint(0, DAY)
        ivl, s, last_t = 0, 1.0, t
        for k in range(n):
            kind = 0 if k == 0 else rng.choices((1, 2, 3), (90, 8, 2))[0]
            rating = rng.choices((1, 2, 3, 4), (12, 10, 70, 8))[0]
            new_ivl = 1 if rating == 1 else min(3650, int(max(ivl, 1) * rng.uniform(1.5, 3.0)))
            s = max(0.5, s * (0.5 if rating == 1 else rng.uniform(1.5, 2.5)))
            last = -600 if kind == 0 else ivl
            last_t = t
            ms = t * 1000 + rng.randint(0, 999)
            while ms in used:  # Anki's revlog id is the answer time and must be unique
                ms += 1
            used.add(ms)
            log.append(
                (
                    ms,
                    i,
                    rating,
                    kind,
                    last,
                    new_ivl,
                    0 if kind == 3 and k % 2 else 2500,
                    rng.randint(1500, 15000),
                    s,
                )
            )
            t += min(max(ivl, 1), 60) * DAY + rng.randint(-3600, 3600)
            ivl = new_ivl
            if t > now_s:
                break
        if len(log) >= revlog:
            log = log[:revlog]
        r = rng.random()
        state, queue = (
            (2, 2) if r < 0.85 else (1, 1) if r < 0.9 else (3, 1) if r < 0.93 else (2, -1)
        )
        due_rel = (last_t + ivl * DAY - now_s) // DAY
        card_rows.append(
            (i, state, queue, int(due_rel), max(ivl, 1), s, rng.uniform(1, 10), last_t)
        )
    return card_rows, log


def build_srs(path: Path, cards: list[Any], log: list[Any], now: datetime) -> None:
    from sqlalchemy import insert

    from srs.clock import FixedClock, day_number, day_start
    from srs.models import Card, Deck, Note, Notetype, Preset, ReviewLog
    from srs.store import Store

    base = 1_600_000_000_000
    with Store.open(path, clock=FixedClock(now)) as store:
        with store.write() as s:
            preset = Preset(name="Default")
            s.add(preset)
            s.flush()
            deck = Deck(name="Default", preset_id=preset.id)
            nt = Notetype(name="Basic", fields=[{"name": "Front"}], templates=[], modified_at=now)
            s.add_all([deck, nt])
            s.flush()
            deck_id, nt_id = deck.id, nt.id
        today = day_number(now, UTC)
        chunk = 50_000
        for lo in range(0, len(cards), chunk):
            part = cards[lo : lo + chunk]
            with store.write() as s:
                s.execute(
                    insert(Note),
                    [
                        {
                            "id": c[0] + 1,
                            "guid": f"g{c[0]}",
                            "notetype_id": nt_id,
                            "fields": "q",
                            "created_at": datetime.fromtimestamp((base + c[0]) / 1000, UTC),
                            "modified_at": now,
                        }
                        for c in part
                    ],
                )
                s.execute(
                    insert(Card),
                    [
                        {
                            "id": c[0] + 1,
                            "note_id": c[0] + 1,
                            "ord": 0,
                            "deck_id": deck_id,
                            "state": c[1],
                            "suspended": c[2] == -1,
                            "interval_days": c[4],
                            "due": None
                            if c[1] == 0
                            else day_start(today + c[3], UTC) + timedelta(hours=1),
                            "stability": c[5],
                            "difficulty": c[6],
                            "last_review": None
                            if c[7] is None
                            else datetime.fromtimestamp(c[7], UTC),
                            "created_at": datetime.fromtimestamp((base + c[0]) / 1000, UTC),
                            "modified_at": now,
                        }
                        for c in part
                    ],
                )
        for lo in range(0, len(log), chunk):
            with store.write() as s:
                s.execute(
                    insert(ReviewLog),
                    [
                        {
                            "card_id": r[1] + 1,
                            "reviewed_at": datetime.fromtimestamp(r[0] / 1000, UTC),
                            "rating": r[2],
                            "kind": r[3],
                            "interval_before": r[4],
                            "interval_after": r[5],
                            "factor": r[6],
                            "duration_ms": r[7],
                            "stability": r[8],
                        }
                        for r in log[lo : lo + chunk]
                    ],
                )


def build_anki(path: Path, cards: list[Any], log: list[Any]) -> None:
    from anki.collection import Collection

    col = Collection(str(path))
    col.set_config("fsrs", True)
    model = col.models.by_name("Basic")
    db = col.db
    assert model is not None and db is not None
    mid = model["id"]
    base = 1_600_000_000_000
    today = col.sched.today
    db.execute("begin")  # one transaction, or Anki syncs every row to disk
    db.executemany(
        "insert into notes values (?,?,?,?,?,?,?,?,?,?,?)",
        [(base + c[0], f"g{c[0]}", mid, 0, -1, "", "q\x1fa", "q", 0, 0, "") for c in cards],
    )
    db.executemany(
        "insert into cards values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                base + c[0],
                base + c[0],
                1,
                0,
                0,
                -1,
                c[1],
                c[2],
                c[0] if c[1] == 0 else today + c[3],
                c[4],
                2500,
                1,
                0,
                0,
                0,
                0,
                0,
                json.dumps({"s": c[5], "d": c[6], "decay": 0.1542, "lrt": c[7]}) if c[5] else "{}",
            )
            for c in cards
        ],
    )
    db.executemany(
        "insert into revlog values (?,?,?,?,?,?,?,?,?)",
        [(r[0], base + r[1], -1, r[2], r[5], r[4], r[6], r[7], r[3]) for r in log],
    )
    db.execute("commit")
    col.close()


def _rss_mb() -> float:
    """Peak RSS of this process (VmHWM: unlike ru_maxrss it does not inherit the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


TAIL = 1_000
"""Warm runs: the cache holds all but the last TAIL rows (a day of study since it was
written), which each run reads from SQLite."""


def _cache_behind(store: Any, tail: int) -> None:
    """Write the store's log cache as it was ``tail`` rows ago (bench set-up, untimed)."""
    from sqlalchemy import text

    from srs.stats import logcache
    from srs.stats.log import scan_log

    with store.read() as s:
        n = s.execute(text("SELECT count(*) FROM revlog")).scalar_one()
        last = s.execute(
            text("SELECT id FROM revlog ORDER BY id LIMIT 1 OFFSET :k"), {"k": n - tail - 1}
        ).scalar_one()
        rows = scan_log(s, "id <= :last", {"last": last})
        epoch = logcache._epoch(s)
    assert len(rows) == n - tail
    # the module's own writer: the file is exactly what srs would have written
    last_row = (int(rows.card[-1]), int(rows.at[-1]))
    header = logcache._Header(len(rows), last, epoch, last_row)
    logcache._write(store.stats_cache, rows, header)


def measure_srs(path: Path, period: str, repeat: int, mode: str) -> dict[str, float]:
    """``mode``: "warm" (the log cache is TAIL rows behind: ``--child prepare`` first),
    "cold" (no cache file yet: all time reads the whole log and writes it, a window is read
    from the collection) or "none" (no cache file used at all)."""
    from zoneinfo import ZoneInfo

    from srs.clock import SystemClock
    from srs.stats import compute_stats
    from srs.store import Store

    before = _rss_mb()
    best = cpu = float("inf")
    with Store.open(path, clock=SystemClock(ZoneInfo("UTC"))) as store:
        cache = None if mode == "none" else store.stats_cache
        for _ in range(repeat):
            if mode == "cold":
                store.stats_cache.unlink(missing_ok=True)
            t0, c0 = time.perf_counter(), time.process_time()
            with store.read() as s:
                stats = compute_stats(
                    s,
                    now=store.clock.now(),
                    tz=store.clock.tz,
                    period=period,  # type: ignore[arg-type]
                    log_cache=cache,
                )
            best = min(best, time.perf_counter() - t0)
            cpu = min(cpu, time.process_time() - c0)
    assert stats["true_retention"]["all_time"]["count"] > 0
    return {"seconds": best, "cpu": cpu, "peak_rss_mb": _rss_mb(), "rss_before_mb": before}


def measure_anki(path: Path, days: int, repeat: int) -> dict[str, float]:
    from anki.collection import Collection

    col = Collection(str(path))
    before = _rss_mb()
    best = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        col._backend.graphs(search="", days=days)
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    col.close()
    return {"seconds": best, "cpu": cpu, "peak_rss_mb": _rss_mb(), "rss_before_mb": before}


def _child(args: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=True,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--revlog", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", metavar="DIR", help="measure a collection built before")
    parser.add_argument("--out", metavar="DIR", help="build the collection in DIR (for --reuse)")
    parser.add_argument("--child", nargs=3, metavar=("SIDE", "PATH", "RANGE"))
    parser.add_argument("--mode", default="warm", choices=("warm", "cold", "none"))
    args = parser.parse_args()
    if args.child:
        side, path, rng = args.child
        if side == "prepare":  # the warm runs' set-up, in a process of its own
            from srs.store import Store

            with Store.open(Path(path)) as store:
                _cache_behind(store, TAIL)
            print("{}")
        elif side == "srs":
            print(json.dumps(measure_srs(Path(path), rng, args.repeat, args.mode)))
        else:
            print(json.dumps(measure_anki(Path(path), int(rng), args.repeat)))
        return
    if args.reuse:
        tmp = Path(args.reuse)
        print(f"collection: reusing {tmp}")
    else:
        if args.out:
            tmp = Path(args.out)
            tmp.mkdir(parents=True, exist_ok=False)
        else:
            tmp = Path(tempfile.mkdtemp(prefix="bench_stats_"))
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        cards, log = _rows(args.cards, args.revlog, int(now.timestamp()))
        build_srs(tmp / "srs.db", cards, log, now)
        build_anki(tmp / "anki.anki2", cards, log)
        print(
            f"collection: {len(cards):,} cards, {len(log):,} review-log rows "
            f"(built in {time.perf_counter() - t0:.0f} s, in {tmp})"
        )
    print(
        f"{'range':<10}{'srs s':>9}{'Anki s':>9}{'ratio':>8}{'srs cpu':>9}{'Anki cpu':>9}"
        f"{'ratio':>8}{'srs MB':>9}{'Anki MB':>9}"
    )
    modes = ("warm", "cold", "none")
    for period, days in (("1y", 365), ("all", 0)):
        # the machine is shared: alternate the sides and keep each one's best round
        best: dict[str, dict[str, float]] = {}
        cpu: dict[str, float] = {}
        for _ in range(args.rounds):
            for side in (*modes, "anki"):
                target = tmp / ("anki.anki2" if side == "anki" else "srs.db")
                arg = str(days) if side == "anki" else period
                if side == "warm":
                    _child(["--child", "prepare", str(target), period])
                child = ["--repeat", str(args.repeat), "--child", side if side == "anki" else "srs"]
                got = _child(
                    [*child, str(target), arg, *([] if side == "anki" else ["--mode", side])]
                )
                if side not in best or got["seconds"] < best[side]["seconds"]:
                    best[side] = got
                cpu[side] = min(cpu.get(side, float("inf")), got["cpu"])
        theirs = best["anki"]
        for mode in modes:
            ours = best[mode]
            print(
                f"{period + ' ' + mode:<10}{ours['seconds']:>9.3f}{theirs['seconds']:>9.3f}"
                f"{ours['seconds'] / theirs['seconds']:>8.2f}"
                f"{cpu[mode]:>9.3f}{cpu['anki']:>9.3f}{cpu[mode] / cpu['anki']:>8.2f}"
                f"{ours['peak_rss_mb']:>9.0f}{theirs['peak_rss_mb']:>9.0f}"
            )
    print(
        "(s: wall time, best over --rounds alternating processes of --repeat calls each, the "
        "statistics call alone; cpu: the best call's process CPU time likewise (steadier on "
        "a shared machine); MB: peak RSS of the measuring process; ratio srs/Anki, below 1 = "
        f"srs faster. srs modes: warm = the log cache is {TAIL:,} reviews behind (a day of "
        "study since it was written); cold = no cache file yet: all time reads the whole log "
        "and writes it, a window is read from the collection; none = no cache at all, the log "
        "read for the range alone)"
    )


if __name__ == "__main__":
    main()
