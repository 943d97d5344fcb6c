"""The statistics' numpy paths against direct computations: calibration pairing each review
with its card's previous one whatever order the log's rows come in, per-card decays that
travel as floats, and memory figures read back as floats when they cannot travel as
integers."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from srs.clock import day_number, to_ms
from srs.models import Card
from srs.scheduler.fsrs import DEFAULT_PARAMS, retrievability
from srs.stats.calibration import calibration_and_hours
from srs.stats.columns import Floats, Ints
from srs.stats.days import DayScale
from srs.stats.log import Log
from srs.stats.scope import card_decays, resolve_scope
from tests.srs.test_stats import BERLIN, NOW, Col

DECAY = DEFAULT_PARAMS[20]
Row = tuple[int, datetime, int, int, bool, float]  # card, at, kind, rating, cram, stability


def _rows(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for card in rng.sample(range(1, 10**6), 40):  # ids in no particular order
        at = NOW - timedelta(days=rng.uniform(100, 300))
        for _ in range(rng.randint(1, 12)):
            kind = rng.choice((0, 1, 1, 2, 3, 4, 5))
            rating = rng.choice((0, 1, 2, 3, 4, 5))
            stab = rng.choice((0.0, rng.uniform(0.01, 3.0), rng.uniform(3.0, 400.0)))
            rows.append((card, at, kind, rating, rng.random() < 0.3, stab))
            at += timedelta(hours=rng.choice((0.2, 3, 23, 26, 24 * rng.randint(2, 30))))
    return rows


def _log(rows: list[Row], scale: DayScale) -> Log:
    at = np.array([to_ms(r[1]) for r in rows], dtype=np.int64)
    code = [k * 64 + r * 8 + (4 if cram and k == 3 else 0) for _, _, k, r, cram, _ in rows]
    return Log(
        card=np.array([r[0] for r in rows], dtype=np.int64),
        at=at,
        day=scale.days_of(at),
        code=np.array(code, dtype=np.int64),
        duration_ms=np.zeros(len(rows), dtype=np.int64),
        stability=np.array([r[5] for r in rows], dtype=np.float64),
    )


def _direct(rows: list[Row], decay_of: dict[int, float]) -> list[tuple[float, bool]]:
    """(prediction, passed) of each counted review, card by card in time order."""
    out = []
    prev: dict[int, Row] = {}
    for row in sorted(rows, key=lambda r: r[1]):
        card, at, kind, rating, cram, _ = row
        p = prev.get(card)
        counted = 1 <= rating <= 4 and kind <= 3 and not (kind == 3 and cram)
        if p is not None and counted and p[5] > 0:
            days = day_number(at, BERLIN, 4) - day_number(p[1], BERLIN, 4)
            if days > 0:
                d = decay_of[card]
                factor = math.pow(0.9, -1.0 / d) - 1.0
                out.append((math.pow(1.0 + factor * days / p[5], -d), rating > 1))
        prev[card] = row
    return out


@pytest.mark.parametrize("layout", ["time", "card", "shuffled"])
def test_calibration_pairs_reviews_whatever_the_row_order(layout: str) -> None:
    rng = random.Random(11)
    rows = _rows(rng)
    if layout == "time":
        rows.sort(key=lambda r: r[1])
    elif layout == "card":
        rows.sort(key=lambda r: (r[0], r[1]))
    else:
        rng.shuffle(rows)
    scale = DayScale.at(NOW, BERLIN, 4)
    cards = sorted({r[0] for r in rows})
    decay_of = {c: rng.choice((DECAY, 0.5, 0.2)) for c in cards}
    expected = _direct(rows, dict.fromkeys(cards, DECAY))
    for decays in (DECAY, _per_card(decay_of)):
        want = expected if decays == DECAY else _direct(rows, decay_of)
        cal, _ = calibration_and_hours(_log(rows, scale), scale, "all", decays)
        assert cal["count"] == len(want) > 20
        assert cal["predicted"] == pytest.approx(sum(p for p, _ in want) / len(want), rel=1e-12)
        assert cal["measured"] == pytest.approx(sum(ok for _, ok in want) / len(want), rel=1e-12)
        for b in cal["bins"]:
            inside = [p for p, _ in want if min(int(p * 10), 9) == round(b["low"] * 10)]
            assert b["count"] == len(inside)
            if inside:
                assert b["predicted"] == pytest.approx(sum(inside) / len(inside), rel=1e-12)


def _per_card(decay_of: dict[int, float]) -> tuple[Ints, Floats, Floats]:
    ids = sorted(decay_of)
    decays = [decay_of[c] for c in ids]
    factors = [math.pow(0.9, -1.0 / d) - 1.0 for d in decays]
    return np.array(ids, dtype=np.int64), np.array(decays), np.array(factors)


def test_calibration_of_an_empty_log_and_of_one_review() -> None:
    scale = DayScale.at(NOW, BERLIN, 4)
    empty = _log([], scale)
    cal, hours = calibration_and_hours(empty, scale, "1m", DECAY)
    assert cal["count"] == 0 and cal["predicted"] is None
    assert sum(h["total"] for h in hours["hours"]) == 0
    one = _log([(5, NOW - timedelta(days=3), 1, 3, False, 4.0)], scale)
    cal, hours = calibration_and_hours(one, scale, "1m", DECAY)
    assert cal["count"] == 0 and sum(h["total"] for h in hours["hours"]) == 1


def test_card_decays_keep_odd_values_exact(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    odd = [1e-5, 0.1542, 0.5, 12.5, 0.0]  # outside [2**-8, 8): read as floats
    ids = [col.card(state=2, interval_days=5, due=col.day(3), decay=d) for d in odd]
    plain = col.card(state=2, interval_days=5, due=col.day(3))  # the preset's default
    for decays in (odd, [0.1542, 0.5, 0.3, 0.25, 0.7]):  # then all travel as integers
        with col.store.write() as s:
            for card_id, d in zip(ids, decays, strict=False):
                s.get_one(Card, card_id).decay = d
        with col.store.read() as s:
            found = card_decays(s, resolve_scope(s, None, None), None)
        assert not isinstance(found, float)
        got_ids, got, factors = found
        want = dict(zip(ids, decays, strict=True)) | {plain: DECAY}
        assert got_ids.tolist() == sorted(want)
        assert got.tolist() == [want[c] for c in sorted(want)]
        for d, f in zip(got.tolist(), factors.tolist(), strict=True):
            if d == 0.0:
                assert math.isnan(f)  # SQL's 1 / 0 is NULL: no prediction
            elif d < 1e-3:
                assert f == math.inf  # 0.9 ** -100000 overflows
            else:
                assert f == math.pow(0.9, -1.0 / d) - 1.0
    col.store.close()


def test_memory_figures_read_as_floats_when_out_of_range(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    cards = [  # (stability, difficulty, days since the last review)
        (3.0, 5.5, 2.0),
        (40.0, 1.0, 30.0),
        (0.4, 9.99, 7.5),
        (12.0, 0.5, 1.0),  # a difficulty below 1 cannot travel as an integer
    ]
    for n, (s, d, ago) in enumerate(cards, start=1):
        col.card(
            state=2, interval_days=5, due=col.day(3), stability=s, difficulty=d,
            last_review=NOW - timedelta(days=ago),
        )  # fmt: skip
        if n < 3:
            continue
        stats = col.stats()
        subset = cards[:n]
        diffs = sorted((d - 1.0) / 9.0 * 100.0 for _, d, _ in subset)
        rs = [retrievability(DEFAULT_PARAMS, s, ago) for s, _, ago in subset]
        assert stats["difficulty"]["mean"] == math.fsum(diffs) / len(diffs)
        mid = len(diffs) // 2
        median = diffs[mid] if len(diffs) % 2 else (diffs[mid - 1] + diffs[mid]) / 2
        assert stats["difficulty"]["median"] == median
        assert stats["difficulty"]["bins"] == [
            [b, sum(1 for x in diffs if min(max(int(x), 0), 99) == b)]
            for b in sorted({min(max(int(x), 0), 99) for x in diffs})
        ]
        assert stats["retrievability"]["sum_by_card"] == pytest.approx(math.fsum(rs), rel=1e-12)
        assert stats["stability"]["bins"] == sorted([[int(s + 0.5), 1] for s, _, _ in subset])
    col.store.close()


def test_rows_out_of_the_packed_ranges_count_where_they_always_did(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    card = col.card(state=2, interval_days=5, due=col.day(3))
    col.review(card, col.day(0, 9), rating=12, kind=9)  # neither kind nor rating in 0..7
    col.review(card, col.day(0, 10), rating=-1, kind=3)  # filtered: not in the hours
    col.review(card, col.day(0, 11), rating=3, kind=5)  # rescheduled: not studied
    stats = col.stats()
    hours = {h["hour"]: (h["total"], h["correct"]) for h in stats["hours"]["hours"] if h["total"]}
    assert hours == {col.day(0, 9).astimezone(BERLIN).hour: (1, 1)}
    assert stats["today"]["answered"] == 0 and stats["today"]["cards"] == 1
    assert stats["calendar"]["counts"][-1] == 0 and stats["reviews"]["days"] == []
    assert stats["calibration"]["count"] == 0
    col.store.close()
