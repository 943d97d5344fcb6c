"""Provides the vault import benchmark: a generated vault of 5,000 notes with 50,000 cards,
timed for the first import, a re-import with nothing changed and a re-import after editing 1%
of the files, each phase in its own process (whole-process wall time and peak RSS).

Run: ``/tmp/venv/bin/python bench/bench_vault.py [--notes 5000] [--cards-per-note 10]``.
Targets (issue 4): first import under 10 s, no-change re-import under 1 s. ``import_s`` is
wall time inside the process, ``import_cpu_s`` the CPU time it used (parse workers included),
``process_s`` the whole process (interpreter start and imports included); the load average is
printed because other work on the machine stretches wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOPICS = ["ml", "math", "bio", "history", "lang", "physics", "chem", "cs"]
WORDS = (
    "the of a model gradient matrix cell protein empire verb energy bond graph loss vector "
    "rank token layer norm prior entropy kernel field wave river king treaty noun phrase"
).split()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _card(rng: random.Random, i: int, j: int) -> str:
    """One card block (ten kinds in rotation), unique by (i, j)."""
    q = f"Q{i}.{j} {_sentence(rng, 8)}"
    a = _sentence(rng, 6)
    kind = j % 10
    if kind in (0, 1, 2, 3):
        return f"{q}::{a}"
    if kind == 4:
        return f"{q}:::{a}"
    if kind == 5:
        return f"{q}\nwith a second line $x_{j}^2$\n?\n{a}\n$$\\sum_i x_i = {j}$$"
    if kind == 6:
        return f"{q}\n??\n{a}"
    if kind == 7:
        return f"Cloze {i}.{j}: the ==first {a}== and the ==second {q[:12]}==."
    if kind == 8:
        return f"Q: {q}\nA: {a}"
    return f"{q}::{a}\n<!--SR:!2026-12-{1 + j % 28:02d},{1 + j},250-->"


def generate(root: Path, notes: int, per_note: int, seed: int = 7) -> int:
    """Write the vault; returns the number of card blocks written."""
    rng = random.Random(seed)
    blocks = 0
    for i in range(notes):
        topic = TOPICS[i % len(TOPICS)]
        folder = root / topic / f"sub{i % 25}"
        folder.mkdir(parents=True, exist_ok=True)
        parts = [f"---\ntags: [{topic}, note{i % 50}]\naliases: [n{i}]\n---"]
        parts.append(f"#flashcards/{topic}/sub{i % 25}\n\n# Note {i}\n\n{_sentence(rng, 30)}")
        for j in range(per_note):
            parts.append(_card(rng, i, j))
            blocks += 1
            if j == 3:
                parts.append(f"```python\n# not a card: a::b\nx = {j}\n```")
            if j == 6:
                parts.append(f"%% a comment::not a card %%\n{_sentence(rng, 12)}")
        (folder / f"note {i}.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return blocks


def edit(root: Path, fraction: float, seed: int = 11) -> int:
    """Edit ``fraction`` of the notes: fix a word in one card, rewrite another, add one."""
    rng = random.Random(seed)
    files = sorted(root.rglob("*.md"))
    chosen = rng.sample(files, max(1, int(len(files) * fraction)))
    for path in chosen:
        text = path.read_text(encoding="utf-8")
        text = text.replace("::", ":: edited", 1)
        text += f"\nA brand new card {rng.random()}::its answer\n"
        path.write_text(text, encoding="utf-8")
    return len(chosen)


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (parse workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def phase(db: Path, vault: Path) -> None:
    """Child process: one import, printing JSON with timings and peak RSS."""
    from importers.vault import import_vault
    from srs.store import Store

    started = time.perf_counter()
    store = Store.open(db)
    opened = time.perf_counter()
    cpu_before = _cpu_seconds()
    report = import_vault(store, vault)
    done = time.perf_counter()
    cpu = _cpu_seconds() - cpu_before
    store.close()
    print(
        json.dumps(
            {
                "open_s": round(opened - started, 3),
                "import_s": round(done - opened, 3),
                "import_cpu_s": round(cpu, 3),
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "retired": report.retired,
                "moved": report.moved,
                "files_parsed": report.files_parsed,
                "skipped": len(report.skipped),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


def run_phase(name: str, db: Path, vault: Path) -> dict[str, object]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--phase", str(db), str(vault)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = round(wall, 3)
    print(f"{name:<22} {json.dumps(result)}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--cards-per-note", type=int, default=10)
    parser.add_argument("--phase", nargs=2, metavar=("DB", "VAULT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase(Path(args.phase[0]), Path(args.phase[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        vault = Path(tmp) / "vault"
        vault.mkdir()
        t0 = time.perf_counter()
        blocks = generate(vault, args.notes, args.cards_per_note)
        took = time.perf_counter() - t0
        print(f"generated {args.notes} notes, {blocks} card blocks in {took:.1f} s")
        # Make every file older than the racy window, as a vault edited earlier would be.
        old = time.time_ns() - 60 * 10**9
        for path in vault.rglob("*.md"):
            os.utime(path, ns=(old, old))
        db = Path(tmp) / "collection.db"
        first = run_phase("first import", db, vault)
        same = run_phase("no-change re-import", db, vault)
        edited = edit(vault, 0.01)
        for path in vault.rglob("*.md"):
            st = path.stat()
            if st.st_mtime_ns > old:
                os.utime(path, ns=(old + 10**9, old + 10**9))
        after = run_phase(f"after editing {edited} files", db, vault)
        print(f"load average: {os.getloadavg()}")
        print(
            "targets: first import < 10 s: "
            f"{'PASS' if float(str(first['import_s'])) < 10 else 'FAIL'}; "
            f"no-change < 1 s: {'PASS' if float(str(same['import_s'])) < 1 else 'FAIL'}; "
            f"edit re-import {after['import_s']} s"
        )


if __name__ == "__main__":
    main()
