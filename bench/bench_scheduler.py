"""Benchmark of the pure scheduler: answers per second, and history replay against fsrs-rs.

Generates a seeded workload: N cards answered along random plans (ratings and waits), then
the same histories replayed through ``memory_from_history`` and through fsrs-rs
(``fsrs_rs_python.FSRS.memory_state_batch``, the crate Anki uses). Prints timings and the
ratio srs/fsrs-rs (above 1 = srs is slower), plus the largest relative difference in S.

    python bench/bench_scheduler.py [--cards 2000] [--answers 20]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

import fsrs_rs_python as fsrs_rs

from srs.domain import CardSched, Rating, SchedulingConfig
from srs.scheduler import DEFAULT_PARAMS, answer_card, memory_from_history

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--answers", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(7)
    config = SchedulingConfig()
    histories: list[list[tuple[Rating, int]]] = []
    answers = 0
    started = time.perf_counter()
    for _ in range(args.cards):
        card, now, history = CardSched(), NOW, []
        last = now
        for _ in range(args.answers):
            rating = rng.choice([Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.GOOD, Rating.EASY])
            out = answer_card(card, rating, now, config, UTC, rng)
            history.append((rating, (now.date() - last.date()).days))
            card, last = out.card, now
            assert card.due is not None
            now = max(card.due, now) + timedelta(minutes=rng.randint(0, 600))
            answers += 1
        histories.append(history)
    answer_secs = time.perf_counter() - started

    started = time.perf_counter()
    mine = [memory_from_history(DEFAULT_PARAMS, h) for h in histories]
    mine_secs = time.perf_counter() - started

    fsrs = fsrs_rs.FSRS(list(DEFAULT_PARAMS))
    items = [fsrs_rs.FSRSItem([fsrs_rs.FSRSReview(int(r), d) for r, d in h]) for h in histories]
    started = time.perf_counter()
    theirs = fsrs.memory_state_batch(items)
    rs_secs = time.perf_counter() - started

    worst = max(
        abs(a.stability - b.stability) / b.stability
        for a, b in zip(mine, theirs, strict=True)
        if a is not None
    )
    print(
        f"answer_card: {answers} answers in {answer_secs:.2f} s "
        f"({answer_secs / answers * 1e6:.1f} us each)"
    )
    print(
        f"replay {len(histories)} histories: srs {mine_secs * 1e3:.1f} ms, "
        f"fsrs-rs {rs_secs * 1e3:.1f} ms, ratio {mine_secs / rs_secs:.1f}"
    )
    print(f"largest relative difference in stability: {worst:.2e}")


if __name__ == "__main__":
    main()
