"""Cross-checks of the statistics' fast paths against direct Python computations: percent
bins, exact DST segments, the one-pass calibration and hours, the older-than-a-year
retention cells, and deck-scoped streaks that reach past the loaded year."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from srs.clock import day_number
from srs.models import ReviewLog
from srs.scheduler.fsrs import DEFAULT_PARAMS, retrievability
from srs.stats import Period
from srs.stats.cards import _percent_bins
from srs.stats.days import DayScale
from tests.srs.test_stats import NOW, Col, random_review


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Col]:
    c = Col(tmp_path / "c.db")
    yield c
    c.store.close()


def test_percent_bins_fold_100_into_99_and_negatives_into_0() -> None:
    values = [0.0, 0.5, 12.999, 13.0, 99.99, 100.0, 150.0, -0.5, -3.0, 57.25]
    expected: dict[int, int] = {}
    for x in values:
        b = 99 if x >= 100.0 else max(math.floor(x), 0)
        expected[b] = expected.get(b, 0) + 1
    assert dict(_percent_bins(values)) == expected


def test_dst_segments_start_at_the_exact_transition_whatever_the_range() -> None:
    tz = ZoneInfo("America/New_York")
    scale = DayScale.at(NOW, tz, 4)
    spring = int(datetime(2026, 3, 8, 7, 0, tzinfo=UTC).timestamp() * 1000)  # 2:00 EST
    for lo_days in (20, 33, 47):
        lo = spring - lo_days * 86_400_000 - 12_345
        pieces = scale.segments(lo, spring + 86_400_000)
        assert [start for start, _ in pieces[1:]] == [spring]
        assert pieces[1][1] - pieces[0][1] == 3_600_000


def _random_log(
    col: Col, rng: random.Random
) -> list[tuple[int, str, datetime, int, int, int, float | None]]:
    """Cards in two decks with a mixed log; returns (card, deck, at, rating, kind, factor,
    stability) rows."""
    rows = []
    with col.store.write() as s:
        for i in range(12):
            deck = "Lang" if i % 3 == 0 else "Default"
            card = col.card(deck=deck, state=2, interval_days=5, due=col.day(3))
            at = col.day(-rng.randint(5, 120), rng.uniform(0.0, 23.9))
            for _ in range(rng.randint(2, 9)):
                row, values = random_review(
                    rng, card, at, no_memory=0.15, max_stability=40.0, duration_ms=1000
                )
                s.add(row)
                rows.append((card, deck, at, *values))
                at += timedelta(hours=rng.choice((2, 20, 30, 80, 200)))
    return rows


def test_calibration_and_hours_match_a_direct_computation(col: Col) -> None:
    rows = _random_log(col, random.Random(7))
    # a pair across the period's start: the later review has no previous one in the period
    edge = col.card(state=2, interval_days=5, due=col.day(3))
    for when, edge_s in ((col.day(-100), 5.0), (col.day(-80), 9.0)):
        col.review(edge, when, stability=edge_s)
        rows.append((edge, "Default", when, 3, 1, 2500, edge_s))
    today = day_number(NOW, col.tz, 4)
    first_day = today - 89
    for deck in (None, "Lang"):
        mine = [r for r in rows if deck is None or r[1] == deck]
        in_period = [r for r in mine if day_number(r[2], col.tz, 4) >= first_day]
        hours = [[0, 0] for _ in range(24)]
        preds: list[tuple[float, bool]] = []
        prev: dict[int, tuple[datetime, float | None]] = {}
        for card, _, at, rating, kind, factor, stab in sorted(in_period, key=lambda r: r[2]):
            if kind not in (3, 4, 5):
                h = at.astimezone(col.tz).hour
                hours[h][0] += 1
                hours[h][1] += rating > 1
            p = prev.get(card)
            eligible = 1 <= rating <= 4 and kind in (0, 1, 2, 3) and not (kind == 3 and not factor)
            if p is not None and eligible and p[1] is not None and p[1] > 0:
                days = day_number(at, col.tz, 4) - day_number(p[0], col.tz, 4)
                if days > 0:
                    preds.append((retrievability(DEFAULT_PARAMS, p[1], days), rating > 1))
            prev[card] = (at, stab)
        st = col.stats(deck=deck, period="3m")
        assert [[h["total"], h["correct"]] for h in st["hours"]["hours"]] == hours
        cal = st["calibration"]
        assert cal["count"] == len(preds) > 0
        assert cal["predicted"] == pytest.approx(sum(p for p, _ in preds) / len(preds))
        assert cal["measured"] == pytest.approx(sum(ok for _, ok in preds) / len(preds))
        for b in cal["bins"]:
            inside = [p for p, _ in preds if min(int(p * 10), 9) == round(b["low"] * 10)]
            assert b["count"] == len(inside)


def test_retention_rows_cover_what_each_period_loads(col: Col) -> None:
    rng = random.Random(3)
    card = col.card(state=2, interval_days=30, due=col.day(3))
    rows = []
    with col.store.write() as s:
        for i in range(300):
            row = ReviewLog(
                card_id=card,
                reviewed_at=col.day(-5 * i, rng.uniform(0.0, 23.0)),
                rating=rng.choice((0, 1, 2, 3, 4)),
                kind=rng.choice((0, 1, 2, 3, 4, 5)),
                interval_before=rng.choice((-86400, -600, 0, 1, 20, 21, 100)),
                interval_after=5,
                factor=rng.choice((0, 2500)),
                duration_ms=1000,
            )
            s.add(row)
            rows.append((day_number(row.reviewed_at, col.tz, 4), row))
    today = day_number(NOW, col.tz, 4)

    def direct(first: int) -> list[int]:
        cells = [0, 0, 0, 0]  # young passed, young failed, mature passed, mature failed
        for day, r in rows:
            cram = r.kind == 3 and not r.factor
            eligible = r.kind == 1 or r.interval_before >= 1 or r.interval_before <= -86400
            if day >= first and r.rating > 0 and not cram and eligible:
                cells[2 * (r.interval_before >= 21) + (r.rating == 1)] += 1
        return cells

    periods: list[tuple[Period, int]] = [
        ("1m", today - 30),
        ("3m", today - 90),
        ("1y", today - 365),
    ]
    for period, first in periods:
        table = col.stats(period=period)["true_retention"]
        got = table["all_time"]
        cells = [got["young_passed"], got["young_failed"], got["mature_passed"]]
        assert cells + [got["mature_failed"]] == direct(first)
        if period != "1y":
            assert table["year"] == got  # capped to the loaded days too, as in Anki
    whole = col.stats(period="all")["true_retention"]["all_time"]
    assert [whole["young_passed"], whole["young_failed"]] == direct(-(10**9))[:2]
    assert whole["count"] == sum(direct(-(10**9)))


def test_deck_scoped_streak_reaches_past_the_loaded_year(col: Col) -> None:
    lang = col.card(deck="Lang", state=2, interval_days=5, due=col.day(3))
    other = col.card(state=2, interval_days=5, due=col.day(3))
    with col.store.write() as s:
        for i in range(400):
            s.add(
                ReviewLog(
                    card_id=lang,
                    reviewed_at=col.day(-i),
                    rating=3,
                    kind=1,
                    interval_before=5,
                    interval_after=5,
                    factor=2500,
                    duration_ms=1000,
                )
            )
        # the other deck is studied on the day that breaks Lang's streak
        s.add(
            ReviewLog(
                card_id=other,
                reviewed_at=col.day(-400),
                rating=3,
                kind=1,
                interval_before=5,
                interval_after=5,
                factor=2500,
                duration_ms=1000,
            )
        )
    assert col.stats(deck="Lang")["calendar"]["streak"] == 400
    assert col.stats()["calendar"]["streak"] == 401
