"""Benchmark: ``srs optimize`` vs Anki's own parameter computation, same log, same run; and
held-out accuracy on a real review log.

1. Speed. A review history of ~400,000 rows (27,000 cards over two years) is simulated from
   known FSRS parameters (``srs.optimize.synthetic``) and written both into an srs
   collection and into a real Anki collection (the ``anki`` package; notes, cards and
   revlog through ``col.db``). Each run is a fresh process under ``/usr/bin/time -v``
   (whole-process wall time, user+system CPU and peak RSS) on a fresh copy of its
   collection, plus the time of the call itself measured inside the process:
     - anki-fit:  ``compute_fsrs_params`` alone (read the log, build the items, fit,
                  evaluate current and fitted parameters, keep rule). Reports no accuracy.
     - anki:      anki-fit, then ``evaluate_params_legacy`` for the fitted parameters' log
                  loss: what srs-dry reports (parameters and accuracy). Anki's Evaluate
                  reads the log and builds the items again.
     - srs-dry:   ``optimize_preset(dry_run=True)``: read, items, evaluate current, fit,
                  evaluate fitted, keep rule, plus the memory states and due dates it
                  would write (Anki does those only on saving: anki-full).
     - anki-full: anki, then saving the preset with the fitted parameters and "reschedule
                  cards on change" (``update_deck_configs``): Anki recomputes every card's
                  memory state and due date and writes them, as srs-full does.
     - srs-full:  ``optimize_preset()`` (also saves and reschedules every card).
     - srs-dry1p, srs-dry2p: (with ``--both``) srs-dry with the fit always in the same
                  process (one core), and always in a forked child (two cores). srs-dry
                  itself forks only when a core is to spare (load average below cores - 1,
                  ``srs.optimize.forked.can_fork``).
   Headline: srs-dry vs anki, and srs-full vs anki-full (same outputs); anki-fit is shown
   for reference (it does less: no accuracy figures, no card updates). With ``--repeat N``
   the runs are interleaved N times and each figure is the median; "(min)" is the least
   call CPU time seen, the steadiest figure on a machine shared with other work. Call CPU
   counts the process and the children it waited for: srs fits in a forked child on the
   second core while the parent evaluates the current parameters (``srs.optimize.forked``),
   so its call wall time can be below its call CPU time.
2. Accuracy. ../shared/data/real_review_log.csv (a public log from the py-fsrs project:
   card_id, review_rating, review_time, review_duration) is turned into training items by
   Anki's rules (each card's first day is its learning block), split in time (first 80%
   of items to fit, last 20% held out), and the held-out log loss and RMSE(bins) of the
   fitted parameters are compared with the defaults'.

    /tmp/venv/bin/python bench/bench_optimize.py [--small] [--keep DIR [--reuse]] [--repeat N]
        [--both]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import fsrs_rs_python as fsrs_rs
from timing import run_timed

from srs.clock import FixedClock, day_number
from srs.domain import ReviewKind
from srs.optimize.fit import default_params, evaluate, fit, to_fsrs_items
from srs.optimize.history import LogEntry, training_items
from srs.optimize.synthetic import SimCard, simulate_cards, write_collection
from srs.store import Store

REAL_LOG = Path(__file__).resolve().parents[2] / "shared" / "data" / "real_review_log.csv"
START = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)

# Both snippets count the CPU time of the process and of the children it waited for (srs
# forks a helper that fits on the other core: its CPU time counts too).
ANKI_RUN = """
import os, sys, time
def cpu_time():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
from anki.collection import Collection
from anki.decks import UpdateDeckConfigs, UpdateDeckConfigsMode
col = Collection(sys.argv[1])
mode = sys.argv[2]
t, cpu = time.perf_counter(), cpu_time()
resp = col._backend.compute_fsrs_params(search="", current_params=[],
    ignore_revlogs_before_ms=0, num_of_relearning_steps=1, health_check=False)
loss = float("nan")
if mode != "fit":
    loss = col._backend.evaluate_params_legacy(params=list(resp.params), search="",
        ignore_revlogs_before_ms=0).log_loss
moved = 0
if mode == "full":
    upd = col.decks.get_deck_configs_for_update(1)
    conf = upd.all_config[0].config
    conf.config.fsrs_params_6[:] = list(resp.params)
    col.decks.update_deck_configs(UpdateDeckConfigs(
        target_deck_id=1, configs=[conf],
        mode=UpdateDeckConfigsMode.UPDATE_DECK_CONFIGS_MODE_NORMAL,
        card_state_customizer=upd.card_state_customizer, limits=upd.current_deck.limits,
        new_cards_ignore_review_limit=upd.new_cards_ignore_review_limit, fsrs=True,
        apply_all_parent_limits=upd.apply_all_parent_limits, fsrs_reschedule=True,
        fsrs_health_check=False))
    moved = col.db.scalar("select count() from revlog where type = 5")
print(time.perf_counter() - t, cpu_time() - cpu, resp.fsrs_items, loss, moved)
col.close()
"""

SRS_RUN = """
import os, sys, time
def cpu_time():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
from datetime import datetime
from pathlib import Path
from srs.clock import FixedClock
from srs.store import Store
from srs.optimize import optimize_preset
now = datetime.fromisoformat(sys.argv[3])
store = Store.open(Path(sys.argv[1]), clock=FixedClock(now, tz=now.astimezone().tzinfo))
if sys.argv[4:] == ["one-process"]:  # no forked helper: the same work, one core
    from srs.optimize import service
    service.FORK_MIN_ITEMS = 10**12
elif sys.argv[4:] == ["forked"]:  # the forked helper even on a busy machine
    from srs.optimize import forked
    forked.can_fork = lambda: True
t, cpu = time.perf_counter(), cpu_time()
r = optimize_preset(store, dry_run=sys.argv[2] == "dry")
print(time.perf_counter() - t, cpu_time() - cpu, r.items, r.log_loss_after,
    r.cards_rescheduled)
"""


def bench_truth() -> list[float]:
    """A plausible learner somewhat off the defaults."""
    w = [float(x) for x in fsrs_rs.DEFAULT_PARAMETERS]
    w[0], w[3], w[8], w[20] = 0.4, 12.0, 1.6, 0.3
    return w


def write_anki(path: Path, cards: list[SimCard]) -> None:
    """A real Anki collection with the same cards and review log (the test suite's builder,
    so the bench and the equality tests compare against the same Anki data)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.srs.optimize_support import anki_collection

    anki_collection(path, cards).close()


def make_workload(workdir: Path, n_cards: int) -> tuple[Path, Path]:
    """The pristine srs and Anki collections of the speed bench (made once per folder)."""
    srs_db, anki_db = workdir / "srs.db", workdir / "anki.anki2"
    marker = workdir / "workload.txt"
    if marker.exists() and marker.read_text() == f"{n_cards}\n":
        print(f"reusing the workload in {workdir}")
        return srs_db, anki_db
    for old in (srs_db, anki_db, marker):
        old.unlink(missing_ok=True)
    t = time.perf_counter()
    cards = simulate_cards(
        bench_truth(),
        cards=n_cards,
        days=730,
        start=START,
        new_per_day=max(n_cards // 700, 1),
        seed=1,
    )
    rows = sum(len(c.entries) for c in cards)
    print(
        f"simulated {n_cards:,} cards, {rows:,} review-log rows in {time.perf_counter() - t:.1f} s"
    )
    store = Store.open(srs_db, clock=FixedClock(NOW))
    write_collection(store, cards, created=START)
    store.close()
    write_anki(anki_db, cards)
    marker.write_text(f"{n_cards}\n")
    return srs_db, anki_db


def fresh_copy(path: Path, run_dir: Path) -> Path:
    """A copy of a pristine collection for one run (full runs write to it)."""
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir()
    target = run_dir / path.name
    shutil.copyfile(path, target)
    return target


RUNS = ("anki-fit", "anki", "srs-dry", "anki-full", "srs-full")
#: With ``--both``: srs-dry with the fit always in the same process, and always forked.
ONE_PROCESS, FORKED = "srs-dry1p", "srs-dry2p"


def speed(workdir: Path, n_cards: int, repeat: int, both: bool = False) -> None:
    runs = (*RUNS, ONE_PROCESS, FORKED) if both else RUNS
    srs_db, anki_db = make_workload(workdir, n_cards)
    now = NOW.astimezone().isoformat()
    load = f"{os.getloadavg()[0]:.1f}"
    # per run: call wall s, call CPU s, process wall s, process CPU s, peak MB
    results: dict[str, list[tuple[float, ...]]] = {r: [] for r in runs}
    outputs: dict[str, str] = {}
    for _ in range(repeat):
        for name in runs:
            side, _, mode = name.partition("-")
            if side == "anki":
                db = fresh_copy(anki_db, workdir / "run")
                wall, cpu, rss, out = run_timed(ANKI_RUN, str(db), mode or "eval")
            else:
                db = fresh_copy(srs_db, workdir / "run")
                extra = {ONE_PROCESS: ["one-process"], FORKED: ["forked"]}.get(name, [])
                wall, cpu, rss, out = run_timed(SRS_RUN, str(db), mode[:3], now, *extra)
            call, call_cpu = (float(x) for x in out.split()[:2])
            results[name].append((call, call_cpu, wall, cpu, rss))
            outputs[name] = out
    print(
        f"load average before/after: {load}, {os.getloadavg()[0]:.1f} (2 cores, shared); "
        f"{repeat} run(s) each, medians; call = the optimiser call inside the process"
    )
    print(
        f"{'':9} {'call s':>6} {'call CPU':>8} {'(min)':>6} {'process s':>9} {'CPU s':>6} "
        f"{'peak MB':>7} {'items':>7} {'log loss':>8}  cards rescheduled"
    )
    medians: dict[str, list[float]] = {}
    for name in runs:
        samples = results[name]
        figures = [statistics.median([r[i] for r in samples]) for i in range(5)]
        medians[name] = figures
        _, _, items, loss, moved = outputs[name].split()
        call, call_cpu, wall, cpu, rss = figures
        least = min(r[1] for r in samples)  # the least disturbed run, on a shared machine
        print(
            f"{name:9} {call:6.2f} {call_cpu:8.2f} {least:6.2f} {wall:9.2f} {cpu:6.2f} "
            f"{rss:7.0f} {items:>7} {float(loss):8.4f}  {moved if 'full' in name else ''}"
        )
    pairs = [("srs-dry", "anki"), ("srs-full", "anki-full"), ("srs-dry", "anki-fit")]
    if both:
        pairs += [(ONE_PROCESS, "anki"), (FORKED, "anki")]
    for mine, theirs in pairs:
        a, b = medians[mine], medians[theirs]
        print(
            f"ratio {mine}/{theirs}: call {a[0] / b[0]:.2f}x (CPU {a[1] / b[1]:.2f}x), "
            f"process {a[2] / b[2]:.2f}x (CPU {a[3] / b[3]:.2f}x), "
            f"peak memory {a[4] / b[4]:.2f}x"
        )
    shutil.rmtree(workdir / "run", ignore_errors=True)


def real_log_items(path: Path) -> list[tuple[int, list[LogEntry]]]:
    """The py-fsrs log as per-card entries: a card's first day is its learning block, a
    same-day answer after a lapse is relearning, anything else a review."""
    by_card: dict[int, list[tuple[datetime, int, int]]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            at = datetime.fromisoformat(row["review_time"]).astimezone(UTC)
            by_card.setdefault(int(row["card_id"]), []).append(
                (at, int(row["review_rating"]), int(float(row["review_duration"] or 0)))
            )
    out = []
    for card_id, rows in by_card.items():
        rows.sort()
        entries: list[LogEntry] = []
        first_day = day_number(rows[0][0], UTC, 4)
        lapsed_day = None
        for at, rating, duration in rows:
            day = day_number(at, UTC, 4)
            if day == first_day:
                kind = ReviewKind.LEARN
            elif day == lapsed_day:
                kind = ReviewKind.RELEARN
            else:
                kind = ReviewKind.REVIEW
                lapsed_day = day if rating == 1 else None
            entries.append(
                LogEntry(
                    order=int(at.timestamp() * 1000),
                    day=day,
                    rating=rating,
                    kind=kind,
                    factor=2500,
                    interval_after=1,
                    duration_ms=duration,
                )
            )
        out.append((card_id, entries))
    return out


def accuracy(path: Path) -> None:
    if not path.exists():
        print(f"(skipping held-out accuracy: {path} not found)")
        return
    logs = real_log_items(path)
    items, used = training_items(logs)
    cut = int(len(items) * 0.8)
    train, test = items[:cut], items[cut:]
    t = time.perf_counter()
    params = fit(to_fsrs_items(train), [i.card_id for i in train], num_relearning_steps=1)
    took = time.perf_counter() - t
    test_items = to_fsrs_items(test)
    fitted, default = evaluate(params, test_items), evaluate(default_params(), test_items)
    rows = sum(len(entries) for _, entries in logs)
    print(
        f"real log: {rows:,} rows, {len(logs):,} cards, {len(items):,} items "
        f"({used:,} rows used); fit on the first {len(train):,} in {took:.2f} s, "
        f"held out the last {len(test):,}"
    )
    print(
        f"  held-out log loss   fitted {fitted.log_loss:.4f}  default {default.log_loss:.4f}"
        f"  ratio {fitted.log_loss / default.log_loss:.3f}"
    )
    print(
        f"  held-out RMSE(bins) fitted {fitted.rmse_bins:.4f}  default {default.rmse_bins:.4f}"
        f"  ratio {fitted.rmse_bins / default.rmse_bins:.3f}"
    )
    # fsrs-rs's own time-series cross-validation (Anki's "Evaluate"): each fold is fitted
    # on the items before it; the defaults are scored on the same items
    all_items = to_fsrs_items(items)
    splits = fsrs_rs.evaluate_with_time_series_splits(
        all_items, [i.card_id for i in items], True, 1, fsrs_rs.TrainingConfig(num_epochs=8)
    )
    base = evaluate(default_params(), all_items)
    print(
        f"  time-series splits  fitted log loss {splits.log_loss:.4f} RMSE(bins) "
        f"{splits.rmse_bins:.4f}; defaults on all items {base.log_loss:.4f} / "
        f"{base.rmse_bins:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="2,000 cards instead of 27,000")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: reuse the workload made there before"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind (medians)")
    parser.add_argument(
        "--both",
        action="store_true",
        help=f"also run srs-dry with the fit always in one process ({ONE_PROCESS}) and "
        f"always in a forked child ({FORKED})",
    )
    args = parser.parse_args()
    n_cards = 2_000 if args.small else 27_000
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        if not args.reuse:
            (args.keep / "workload.txt").unlink(missing_ok=True)
        speed(args.keep, n_cards, max(args.repeat, 1), args.both)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            speed(Path(tmp), n_cards, max(args.repeat, 1), args.both)
    accuracy(REAL_LOG)


if __name__ == "__main__":
    main()
