"""Benchmark: ``srs`` importing an Anki package vs Anki's own importer, same file, same run.

The package is made by the real Anki backend (the `anki` package): 20,000 notes of
"Basic (and reversed card)" (40,000 cards) added with ``col.add_notes``. Answering 400,000
times through the scheduler would take far too long, so the review history (~10 rows a
card, ~400,000 rows over two years) and the resulting review states and FSRS memory
states are written straight into the collection with ``col.db`` (a tenth of the cards keep
no memory state, so srs computes it from the history). Anki then exports it
(``export_anki_package``, latest format, with scheduling and deck options).

Each importer runs in its own process under ``/usr/bin/time -v``: whole-process wall time
and peak RSS. The workload lives in /dev/shm when it exists (both importers alike), so the
figures measure the importers, not the shared disk. ``--small``: a 1/20 workload, quickly.
``--keep DIR`` keeps the workload in DIR and reuses its package on the next run (when it was
made for the same size); ``--repeat N`` runs both importers N times, alternately, and also
prints the medians (the machine is shared: single runs are noisy).

    /tmp/venv/bin/python bench/bench_import.py [--small] [--keep DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from timing import run_timed

FULL = (20_000, 10)
SMALL = (1_000, 10)
DAY_MS = 86_400_000

SRS_IMPORT = """
import sys
from pathlib import Path
from srs.store import Store
from importers.anki import import_package
store = Store.open(Path(sys.argv[2]))
report = import_package(store, Path(sys.argv[1]))
print(report.kind("cards").added, report.kind("revlog").added)
"""

ANKI_IMPORT = """
import sys
from anki.collection import Collection, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageOptions
col = Collection(sys.argv[2])
col.import_anki_package(ImportAnkiPackageRequest(package_path=sys.argv[1],
    options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)))
print(col.card_count(), col.db.scalar("select count() from revlog"))
col.close()
"""


def make_package(folder: Path, notes: int, reviews_per_card: int) -> Path:
    """Build the workload collection with Anki and export it; returns the .apkg path."""
    from anki import collection as anki_collection

    anki: Any = anki_collection  # the test-only dependency, used dynamically

    rng = random.Random(7)
    col = anki.Collection(str(folder / "source.anki2"))
    col.set_config("fsrs", True)
    deck = col.decks.id("Bench::Vocabulary")
    assert deck
    model = col.models.by_name("Basic (and reversed card)")
    requests = []
    for i in range(notes):
        note = col.new_note(model)
        note["Front"] = f"word {i} <b>{rng.random():.6f}</b>"
        note["Back"] = f"meaning {i} " + "x" * rng.randint(5, 60)
        note.tags = [f"lesson::{i % 50}"]
        requests.append(anki.AddNoteRequest(note=note, deck_id=deck))
    col.add_notes(requests)
    now_ms = int(time.time() * 1000) - 60_000
    crt = int(now_ms / 1000) - 800 * 86400
    col.db.execute("update col set crt = ?", crt)
    today = (int(now_ms / 1000) - crt) // 86400
    card_ids = col.db.list("select id from cards order by id")
    revlog: list[tuple[int, ...]] = []
    updates: list[tuple[object, ...]] = []
    used: set[int] = set()
    for index, cid in enumerate(card_ids):
        n = rng.randint(reviews_per_card - 5, reviews_per_card + 5)
        # n answer times spread over the last two years, in order, all in the past
        times = sorted(now_ms - rng.randint(DAY_MS, 730 * DAY_MS) for _ in range(n))
        ivl = 0
        lapses = 0
        for k, t in enumerate(times):
            ease = 3 if rng.random() > 0.1 else 1
            kind = 0 if k == 0 else (2 if ease == 1 else 1)
            last = ivl
            ivl = min(max(1, int(ivl * 2.2) + 1), 365) if ease > 1 else 1
            lapses += ease == 1 and k > 0
            while t in used:
                t += 1
            used.add(t)
            revlog.append((t, cid, -1, ease, ivl, last, 2500, rng.randint(800, 9000), kind))
        s = round(ivl * 1.1 + 0.5, 4)
        d = round(rng.uniform(1, 10), 3)
        lrt = int(times[-1] / 1000)
        data = (
            ""
            if index % 10 == 0
            else json.dumps(
                {"s": s, "d": d, "dr": 0.9, "decay": 0.1542, "lrt": lrt}, separators=(",", ":")
            )
        )
        due = today + rng.randint(-5, 60)
        updates.append((due, ivl, n, lapses, data, cid))
    col.db.executemany(
        "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
        " values (?,?,?,?,?,?,?,?,?)",
        revlog,
    )
    col.db.executemany(
        "update cards set type=2, queue=2, due=?, ivl=?, factor=2500, reps=?, lapses=?,"
        " data=? where id=?",
        updates,
    )
    out = folder / "bench.apkg"
    col.export_anki_package(
        out_path=str(out),
        options=anki.ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=True, with_media=True, legacy=False
        ),
        limit=None,
    )
    col.close()
    return out


def timed(code: str, package: Path, target: Path) -> tuple[float, float, float, str]:
    """Run ``code`` in a fresh Python under /usr/bin/time -v:
    (wall seconds, CPU seconds, peak MB, stdout)."""
    env = {**os.environ, "TMPDIR": str(target.parent)}  # both extract to the same place
    return run_timed(code, str(package), str(target), env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="1/20 of the workload")
    parser.add_argument("--keep", type=Path, help="keep the workload in this folder")
    parser.add_argument("--package", type=Path, help="time this package instead of making one")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each importer")
    args = parser.parse_args()
    notes, per_card = SMALL if args.small else FULL
    shm = Path("/dev/shm")  # a RAM disk when there is one: the disk is shared and slow here
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        package = args.package or kept_package(folder, notes, per_card)
        print(f"package: {package.stat().st_size / 1e6:.1f} MB, {notes} notes")
        runs: dict[str, list[tuple[float, float, float]]] = {"srs ": [], "anki": []}
        for _ in range(max(1, args.repeat)):
            for name, code, target in (
                ("srs ", SRS_IMPORT, folder / "srs.db"),
                ("anki", ANKI_IMPORT, folder / "anki.anki2"),
            ):
                for extra in ("", "-wal", "-shm"):
                    Path(f"{target}{extra}").unlink(missing_ok=True)
                wall, cpu, mb, out = timed(code, package, target)
                runs[name].append((wall, cpu, mb))
                print(
                    f"{name}: {wall:6.2f} s wall  {cpu:6.2f} s CPU  {mb:5.0f} MB peak"
                    f"  (cards, revlog: {out})",
                    flush=True,
                )
        (srs_s, srs_cpu, srs_mb), (anki_s, anki_cpu, anki_mb) = (
            tuple(statistics.median(run[i] for run in runs[name]) for i in range(3))
            for name in ("srs ", "anki")
        )
        if args.repeat > 1:
            print(
                f"medians: srs {srs_s:.2f} s wall {srs_cpu:.2f} s CPU {srs_mb:.0f} MB;"
                f" anki {anki_s:.2f} s wall {anki_cpu:.2f} s CPU {anki_mb:.0f} MB"
            )
        print(
            f"ratio srs/anki: wall {srs_s / anki_s:.2f}x, CPU {srs_cpu / anki_cpu:.2f}x,"
            f" memory {srs_mb / anki_mb:.2f}x"
        )


def kept_package(folder: Path, notes: int, per_card: int) -> Path:
    """The workload package in ``folder``: reused when it was made for this size."""
    package, marker = folder / "bench.apkg", folder / "bench.json"
    wanted = {"notes": notes, "reviews_per_card": per_card}
    if package.exists() and marker.exists() and json.loads(marker.read_text()) == wanted:
        return package
    for old in (folder / "source.anki2", package):
        old.unlink(missing_ok=True)
    made = make_package(folder, notes, per_card)
    marker.write_text(json.dumps(wanted))
    return made


if __name__ == "__main__":
    main()
