"""Cross-checks of the statistics' fast aggregation against plain computations: the per-day,
per-hour and calibration figures against Python's ``day_number`` and local hours in zones
with DST, half- and quarter-hour offsets (+05:30, +05:45, Lord Howe's 30-minute DST), with
reviews placed around the day rollover."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from srs.clock import day_number
from srs.scheduler.fsrs import DEFAULT_PARAMS, retrievability
from srs.stats.scope import resolve_scope
from tests.srs.test_stats import NOW, Col, random_review

ZONES = ("Asia/Kolkata", "Asia/Kathmandu", "America/New_York", "Australia/Lord_Howe")


Row = tuple[int, datetime, int, int, int, float | None]


def _log(col: Col, rng: random.Random, rollover: int) -> list[Row]:
    """Reviews over ~14 months, many within a second of the rollover; returns (card, at,
    rating, kind, factor, stability) rows."""
    rows = []
    with col.store.write() as s:
        for _ in range(10):
            card = col.card(state=2, interval_days=5, due=col.day(3))
            at = NOW - timedelta(days=rng.uniform(380, 430))
            while at < NOW:
                row, values = random_review(
                    rng, card, at, no_memory=0.1, max_stability=60.0,
                    duration_ms=rng.randint(500, 9000),
                )  # fmt: skip
                s.add(row)
                rows.append((card, at, *values))
                step = rng.choice((0.3, 7.0, 20.0, 26.0, 50.0, 24.0 * rng.randint(2, 40)))
                last, at = at, at + timedelta(hours=step, minutes=rng.randint(-17, 20))
                if rng.random() < 0.3:  # a second either side of the rollover, or on it
                    local = at.astimezone(col.tz)
                    edge = local.replace(hour=rollover, minute=0, second=0, microsecond=0)
                    edge_utc = (edge + timedelta(seconds=rng.choice((-1, 0, 1)))).astimezone(UTC)
                    at = edge_utc if edge_utc > last else at
    return rows


def _expected(rows: list[Row], tz: tzinfo, rollover: int, first_day: int | None) -> dict[str, Any]:
    """Hours, studied reviews per day and (predicted, passed) pairs of the period from
    ``first_day`` (None: all time), by Python's own day numbers and local hours."""
    hours = [[0, 0] for _ in range(24)]
    per_day: Counter[int] = Counter()
    preds: list[tuple[float, bool]] = []
    prev: dict[int, tuple[datetime, float | None]] = {}
    for card, at, rating, kind, factor, stab in sorted(rows, key=lambda r: r[1]):
        day = day_number(at, tz, rollover)
        if kind not in (4, 5):
            per_day[day] += 1
        if first_day is not None and day < first_day:
            continue
        if kind not in (3, 4, 5):
            h = at.astimezone(tz).hour
            hours[h][0] += 1
            hours[h][1] += rating > 1
        p = prev.get(card)
        counted = 1 <= rating <= 4 and kind in (0, 1, 2, 3) and not (kind == 3 and not factor)
        if p is not None and counted and p[1] is not None and p[1] > 0:
            days = day - day_number(p[0], tz, rollover)
            if days > 0:
                preds.append((retrievability(DEFAULT_PARAMS, p[1], days), rating > 1))
        prev[card] = (at, stab)
    return {"hours": hours, "per_day": per_day, "preds": preds}


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("rollover", [4, 0])
def test_days_hours_and_calibration_in_odd_zones(tmp_path: Path, zone: str, rollover: int) -> None:
    tz = ZoneInfo(zone)
    col = Col(tmp_path / "c.db", tz=tz, rollover=rollover)
    rows = _log(col, random.Random(ZONES.index(zone) * 24 + rollover), rollover)
    today = day_number(NOW, tz, rollover)
    for period, first in (("all", None), ("1y", today - 364), ("1m", today - 29)):
        exp = _expected(rows, tz, rollover, first)
        st = col.stats(period=period)  # type: ignore[arg-type]
        assert [[h["total"], h["correct"]] for h in st["hours"]["hours"]] == exp["hours"]
        cal = st["calibration"]
        assert cal["count"] == len(exp["preds"]) > 0
        assert cal["predicted"] == pytest.approx(sum(p for p, _ in exp["preds"]) / cal["count"])
        assert cal["measured"] == pytest.approx(sum(ok for _, ok in exp["preds"]) / cal["count"])
        for b in cal["bins"]:
            inside = [p for p, _ in exp["preds"] if min(int(p * 10), 9) == round(b["low"] * 10)]
            assert b["count"] == len(inside)
        calendar = st["calendar"]["counts"]
        assert calendar == [exp["per_day"].get(d, 0) for d in range(today - 364, today + 1)]
        kinds = ("learn", "young", "mature", "relearn", "filtered")
        got = {r["day"]: sum(r[k] for k in kinds) for r in st["reviews"]["days"]}  # type: ignore[literal-required]
        assert got == {
            d - today: n for d, n in exp["per_day"].items() if n and (first is None or d >= first)
        }
    col.store.close()


def test_a_deck_tree_holding_every_card_reads_the_log_unfiltered(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    a = col.card(deck="Lang", state=2, interval_days=30, due=col.day(3))
    b = col.card(deck="Lang::Sub", state=2, interval_days=3, due=col.day(1))
    for i, (card, rating) in enumerate([(a, 3), (b, 1), (a, 4), (b, 3), (a, 1)]):
        col.review(card, col.day(-3 * i, 9 + i), rating=rating, stability=2.0 + i)
    with col.store.read() as s:
        assert resolve_scope(s, "Lang", None).every_card
        assert not resolve_scope(s, "Lang::Sub", None).every_card
    whole, lang = col.stats(period="all"), col.stats(deck="Lang", period="all")
    assert {k: v for k, v in lang.items() if k != "meta"} == {
        k: v for k, v in whole.items() if k != "meta"
    }
    assert whole["calibration"]["count"] == 3
    # one card outside the tree: the tree no longer holds every card, and its figures
    # leave that card's reviews out
    c = col.card(deck="Language", state=2, interval_days=3, due=col.day(1))
    col.review(c, col.day(0, 10), rating=3)
    with col.store.read() as s:
        assert not resolve_scope(s, "Lang", None).every_card
    assert col.stats(deck="Lang", period="all")["true_retention"] == lang["true_retention"]
    assert col.stats(period="all")["today"]["answered"] == lang["today"]["answered"] + 1
    col.store.close()


def test_a_log_without_memory_states_calibrates_nothing_but_counts_hours(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    card = col.card(state=2, interval_days=5, due=col.day(3))
    col.review(card, col.day(-60, 9), stability=4.0)  # before the month: not a previous row
    for offset, hour in ((-20, 9), (-12, 9.5), (-5, 22)):
        col.review(card, col.day(offset, hour), stability=None)  # imported history
    month = col.stats(period="1m")
    assert month["calibration"]["count"] == 0
    assert [h["total"] for h in month["hours"]["hours"] if h["total"]] == [2, 1]
    assert col.stats(period="all")["calibration"]["count"] == 1  # -20 follows the -60 review
    col.review(card, col.day(-1, 8), stability=None)
    col.review(card, col.day(-3, 8), stability=6.0)  # a memory state in the month: -1 uses it
    month = col.stats(period="1m")
    assert month["calibration"]["count"] == 1
    expected = retrievability(DEFAULT_PARAMS, 6.0, 2)
    assert month["calibration"]["predicted"] == pytest.approx(expected)
    col.store.close()
