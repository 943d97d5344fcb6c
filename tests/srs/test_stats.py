"""Hand-computed cases for the statistics: day boundaries and DST, streaks, true retention,
forecast, counts, retrievability and knowledge, calibration, buttons, hours, deck scope."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from srs.clock import FixedClock, day_number, day_start
from srs.errors import NotFound, UsageError
from srs.models import Card, Deck, Note, Notetype, Preset, ReviewLog
from srs.scheduler.fsrs import DEFAULT_PARAMS, retrievability
from srs.stats import Period, Stats, compute_stats
from srs.store import Store

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 10:00 in Berlin; day boundary 04:00
BERLIN = ZoneInfo("Europe/Berlin")
_ids = count(1)


class Col:
    """A tiny collection built row by row with the ORM."""

    def __init__(
        self, path: Path, tz: tzinfo = BERLIN, rollover: int = 4, params: list[float] | None = None
    ) -> None:
        self.store = Store.open(path, clock=FixedClock(NOW, tz=tz))
        self.tz = tz
        with self.store.write() as s:
            preset = Preset(name="Default", rollover_hour=rollover, fsrs_params=params or [])
            s.add(preset)
            s.flush()
            for name in ("Default", "Lang", "Lang::Sub", "Language"):
                s.add(Deck(name=name, preset_id=preset.id))
            s.add(Notetype(name="Basic", fields=[{"name": "Front"}], templates=[], modified_at=NOW))
        with self.store.read() as s:
            self.decks = {d.name: d.id for d in s.query(Deck)}
            self.notetype = s.query(Notetype).one().id

    def day(self, offset: int, hour: float = 12.0) -> datetime:
        """An instant ``hour`` hours after the start of local day today+offset."""
        today = day_number(NOW, self.tz, 4)
        return day_start(today + offset, self.tz, 4) + timedelta(hours=hour - 4)

    def card(self, deck: str = "Default", note: int | None = None, **fields: Any) -> int:
        with self.store.write() as s:
            if note is None:
                n = Note(
                    guid=f"g{next(_ids)}",
                    notetype_id=self.notetype,
                    fields="x",
                    created_at=NOW,
                    modified_at=NOW,
                )
                s.add(n)
                s.flush()
                note = n.id
            fields.setdefault("created_at", NOW)
            c = Card(
                note_id=note, ord=next(_ids), deck_id=self.decks[deck], modified_at=NOW, **fields
            )
            s.add(c)
            s.flush()
            return c.id

    def note_of(self, card_id: int) -> int:
        with self.store.read() as s:
            return s.get_one(Card, card_id).note_id

    def review(
        self,
        card_id: int,
        at: datetime,
        rating: int = 3,
        kind: int = 1,
        before: int = 5,
        after: int = 10,
        factor: int = 2500,
        stability: float | None = None,
        duration_ms: int = 1000,
    ) -> None:
        with self.store.write() as s:
            s.add(
                ReviewLog(
                    card_id=card_id,
                    reviewed_at=at,
                    rating=rating,
                    kind=kind,
                    interval_before=before,
                    interval_after=after,
                    factor=factor,
                    stability=stability,
                    duration_ms=duration_ms,
                )
            )

    def stats(
        self, deck: str | None = None, period: Period = "1y", rollover_hour: int | None = None
    ) -> Stats:
        with self.store.read() as s:
            return compute_stats(
                s, now=NOW, tz=self.tz, deck=deck, period=period, rollover_hour=rollover_hour
            )


def random_review(
    rng: random.Random,
    card: int,
    at: datetime,
    *,
    no_memory: float,
    max_stability: float,
    duration_ms: int,
) -> tuple[ReviewLog, tuple[int, int, int, float | None]]:
    """A review-log row of every kind (manual and cramming included), with or without a
    memory state; also returns its (rating, kind, factor, stability)."""
    kind = rng.choice((0, 1, 1, 1, 2, 3, 4))
    rating = 0 if kind == 4 else rng.choice((1, 2, 3, 3, 4))
    factor = rng.choice((0, 2500))
    stab = None if rng.random() < no_memory else rng.uniform(0.5, max_stability)
    row = ReviewLog(
        card_id=card,
        reviewed_at=at,
        rating=rating,
        kind=kind,
        interval_before=rng.choice((-600, 0, 3, 30)),
        interval_after=5,
        factor=factor,
        stability=stab,
        duration_ms=duration_ms,
    )
    return row, (rating, kind, factor, stab)


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Col]:
    c = Col(tmp_path / "c.db")
    yield c
    c.store.close()


def test_calendar_streaks_and_days_studied(col: Col) -> None:
    cid = col.card(state=2, interval_days=5, due=col.day(3))
    for offset in (0, -1, -2, -5, -6, -7, -8, -9):
        col.review(cid, col.day(offset))
    col.review(cid, col.day(-2, 13))
    col.review(cid, col.day(-3), rating=0, kind=4)  # manual: not a study day
    col.review(cid, col.day(-400))  # older than the calendar year
    cal = col.stats()["calendar"]
    assert len(cal["counts"]) == 365
    assert cal["counts"][-3:] == [2, 1, 1]
    assert cal["counts"][-4] == 0
    assert cal["days_studied"] == 8
    assert cal["total"] == 9
    assert cal["streak"] == 3
    assert cal["longest_streak"] == 5
    assert cal["last_day"] == "2026-11-27"


def test_history_older_than_the_calendar_year(col: Col) -> None:
    cid = col.card(state=2, interval_days=5, due=col.day(3))
    with col.store.write() as s:
        s.add_all(
            ReviewLog(
                card_id=cid,
                reviewed_at=col.day(-offset),
                kind=1,
                rating=1 if offset == 399 else 3,
                interval_before=30,
            )
            for offset in range(0, 400)
        )
    col.review(cid, col.day(-390, 13), rating=0, kind=4)
    # As in Anki, "all time" is what the period loads: a year and a day, or everything.
    cases: list[tuple[Period, int, int]] = [("1y", 366, 0), ("all", 399, 1)]
    for period, passed, failed in cases:
        st = col.stats(period=period)
        assert st["calendar"]["streak"] == 400 == st["calendar"]["longest_streak"]
        assert st["calendar"]["days_studied"] == 365
        assert st["true_retention"]["all_time"]["mature_passed"] == passed
        assert st["true_retention"]["all_time"]["mature_failed"] == failed
        assert st["true_retention"]["year"]["count"] == 365


def test_streak_counts_from_yesterday_when_today_is_not_studied(col: Col) -> None:
    cid = col.card(state=2, interval_days=5, due=col.day(3))
    for offset in (-1, -2):
        col.review(cid, col.day(offset))
    assert col.stats()["calendar"]["streak"] == 2


def test_true_retention_counts_as_anki_defines_it(col: Col) -> None:
    cid = col.card(state=2, interval_days=30, due=col.day(3))
    t = col.day(0)
    rows = [
        dict(rating=3, kind=1, before=5),  # young pass
        dict(rating=1, kind=1, before=30),  # mature fail
        dict(rating=1, kind=0, before=-600),  # learning step: not counted
        dict(rating=3, kind=2, before=2),  # relearn after a day-long interval: young pass
        dict(rating=3, kind=3, before=10, factor=0),  # cramming: not counted
        dict(rating=4, kind=3, before=25, factor=2500),  # filtered, rescheduling: mature pass
        dict(rating=0, kind=5, before=10),  # rescheduled: no rating
        dict(rating=2, kind=0, before=-86400),  # learning after a day: young pass
    ]
    for i, row in enumerate(rows):
        col.review(cid, t + timedelta(minutes=i), **row)
    col.review(cid, col.day(-1), rating=1, kind=1, before=3)  # yesterday: young fail
    col.review(cid, col.day(-20), rating=3, kind=1, before=40)  # this month: mature pass
    tr = col.stats()["true_retention"]
    assert (tr["today"]["young_passed"], tr["today"]["young_failed"]) == (3, 0)
    assert (tr["today"]["mature_passed"], tr["today"]["mature_failed"]) == (1, 1)
    assert tr["today"]["total"] == pytest.approx(4 / 5)
    assert tr["yesterday"]["young_failed"] == 1 and tr["yesterday"]["count"] == 1
    assert tr["week"]["count"] == 6
    assert tr["month"]["mature_passed"] == 2 and tr["month"]["count"] == 7
    assert tr["all_time"]["young"] == pytest.approx(3 / 4)


def test_today_figures(col: Col) -> None:
    a = col.card(state=2, interval_days=30, due=col.day(3))
    b = col.card(state=1, due=col.day(0, 13))
    col.review(a, col.day(0, 9), rating=3, kind=1, before=30, duration_ms=4000)
    col.review(b, col.day(0, 9.5), rating=1, kind=0, before=0, duration_ms=2000)
    col.review(b, col.day(0, 10), rating=3, kind=0, before=-60, duration_ms=6000)
    col.review(a, col.day(0, 11), rating=0, kind=4, before=30)  # manual: ignored
    col.review(a, col.day(-1, 23.5), rating=1, kind=1)  # yesterday, 23:30 local
    today = col.stats()["today"]
    assert today["answered"] == 3 and today["cards"] == 2
    assert today["time_ms"] == 12000 and today["average_ms"] == 4000
    assert (today["again"], today["correct"]) == (1, 2)
    assert (today["learn"], today["review"], today["mature"], today["mature_correct"]) == (
        2,
        1,
        1,
        1,
    )


def test_rollover_hour_comes_from_the_preset_or_the_argument(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db", rollover=0)
    cid = col.card(state=2, interval_days=5, due=col.day(2))
    # 02:30 local today: day 0 with a midnight rollover, yesterday with 04:00
    at = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    col.review(cid, at)
    assert col.stats()["meta"]["rollover_hour"] == 0
    assert col.stats()["today"]["answered"] == 1
    assert col.stats(rollover_hour=4)["today"]["answered"] == 0
    col.store.close()


def test_forecast_folds_overdue_into_today_and_skips_what_anki_skips(col: Col) -> None:
    col.card(state=2, interval_days=10, due=col.day(-3))  # overdue
    col.card(state=2, interval_days=10, due=col.day(0, 5))  # due today
    col.card(state=1, due=NOW + timedelta(hours=2))  # learning, later today
    col.card(state=2, interval_days=4, due=col.day(1))
    col.card(state=3, interval_days=2, due=col.day(1, 20))
    col.card(state=2, interval_days=30, due=col.day(29))
    col.card(state=2, interval_days=30, due=col.day(30))  # past the 1-month horizon
    col.card(state=2, interval_days=10, due=col.day(0), buried=3)  # buried, due today
    col.card(state=2, interval_days=10, due=col.day(5), buried=2)  # buried, due later
    col.card(state=2, interval_days=10, due=col.day(2), suspended=True)
    col.card(state=0)  # new
    fc = col.stats(period="1m")["forecast"]
    assert fc["horizon_days"] == 30
    assert fc["days"][0] == 3 and fc["overdue"] == 1
    assert fc["days"][1] == 2 == fc["due_tomorrow"]
    assert fc["days"][5] == 1 and fc["days"][29] == 1
    assert fc["total"] == 7
    # daily load: 1/ivl of every non-new, non-suspended card (buried included), truncated
    assert fc["daily_load"] == int(3 / 10 + 1 + 1 / 4 + 1 / 2 + 2 / 30 + 2 / 10)
    assert col.stats(period="all")["forecast"]["days"][30] == 1


def test_card_counts_separate_inactive_cards(col: Col) -> None:
    col.card(state=0)
    col.card(state=1, due=NOW)
    col.card(state=3, interval_days=3, due=NOW)
    col.card(state=2, interval_days=20, due=col.day(3))
    col.card(state=2, interval_days=21, due=col.day(3))
    col.card(state=2, interval_days=21, due=col.day(3), suspended=True, buried=2)
    col.card(state=0, buried=3, buried_until=col.day(1, 4))  # buried until tomorrow
    col.card(
        state=2, interval_days=50, due=col.day(3), buried=2, buried_until=col.day(0, 4)
    )  # bury already over
    counts = col.stats()["counts"]
    assert counts == {
        "new": 1,
        "learning": 1,
        "relearning": 1,
        "young": 1,
        "mature": 2,
        "suspended": 1,
        "buried": 1,
        "total": 8,
    }


def test_retrievability_knowledge_and_memory_histograms(tmp_path: Path) -> None:
    params = list(DEFAULT_PARAMS[:20]) + [0.3]
    col = Col(tmp_path / "c.db", params=params)
    a = col.card(
        state=2,
        interval_days=10,
        due=col.day(1),
        stability=10.0,
        difficulty=1.0,
        last_review=NOW - timedelta(days=10),
    )
    col.card(note=col.note_of(a), state=0)  # same note, no memory state
    col.card(
        state=2,
        interval_days=20,
        due=col.day(1),
        stability=5.0,
        difficulty=10.0,
        decay=0.5,
        last_review=NOW - timedelta(days=20),
    )
    col.card(
        state=2,
        interval_days=3,
        due=col.day(1),
        stability=2.5,
        difficulty=5.5,
        last_review=NOW - timedelta(hours=36),
    )
    st = col.stats()
    r_a = retrievability(params, 10.0, 10.0)  # the preset's decay, w20 = 0.3
    assert r_a == pytest.approx(0.9)
    r_b = (1 + (0.9 ** (-1 / 0.5) - 1) * 20 / 5) ** -0.5  # the card's own decay
    r_c = retrievability(params, 2.5, 1.5)
    retr = st["retrievability"]
    assert retr["count"] == 3
    assert retr["sum_by_card"] == pytest.approx(r_a + r_b + r_c)
    assert retr["sum_by_note"] == pytest.approx(r_a / 2 + r_b + r_c)
    assert retr["average"] == pytest.approx((r_a + r_b + r_c) / 3 * 100)
    assert {k: v for k, v in retr["bins"]} == {
        int(r_a * 100): 1,
        int(r_b * 100): 1,
        int(r_c * 100): 1,
    }
    assert st["knowledge"] == {"cards": retr["sum_by_card"], "notes": retr["sum_by_note"]}
    assert st["stability"]["bins"] == [[3, 1], [5, 1], [10, 1]]  # 2.5 rounds half up
    assert st["difficulty"]["bins"] == [[0, 1], [50, 1], [99, 1]]
    assert st["difficulty"]["median"] == pytest.approx(50.0)
    assert st["intervals"]["bins"] == [[3, 1], [10, 1], [20, 1]]
    assert st["intervals"]["median"] == 10 and st["intervals"]["mean"] == pytest.approx(11)
    col.store.close()


def test_calibration_compares_predicted_recall_with_passes(col: Col) -> None:
    a = col.card(state=2, interval_days=10, due=col.day(5))
    col.review(a, col.day(-28), kind=0, before=0, stability=10.0)
    col.review(a, col.day(-28, 14), kind=1, stability=11.0)  # same day: no prediction
    col.review(a, col.day(-23), rating=3, stability=30.0)  # 5 days after S=11
    col.review(a, col.day(-23, 15), kind=3, factor=0, rating=1, stability=30.0)  # cramming
    b = col.card(state=2, interval_days=10, due=col.day(5))
    col.review(b, col.day(-60), kind=0, before=0, stability=2.0)
    col.review(b, col.day(-52), rating=1, stability=1.0)  # 8 days after S=2: failed
    col.review(b, col.day(-400), rating=3, kind=0, before=0)  # no memory state: skipped
    c = col.card(state=2, interval_days=10, due=col.day(5))
    col.review(c, col.day(-40), kind=0, before=0, stability=5.0)
    col.review(c, col.day(-10), rating=4, stability=50.0)  # 30 days after S=5
    p_a = retrievability(DEFAULT_PARAMS, 11.0, 5)
    p_b = retrievability(DEFAULT_PARAMS, 2.0, 8)
    p_c = retrievability(DEFAULT_PARAMS, 5.0, 30)
    cal = col.stats(period="3m")["calibration"]
    assert cal["count"] == 3
    assert cal["predicted"] == pytest.approx((p_a + p_b + p_c) / 3)
    assert cal["measured"] == pytest.approx(2 / 3)
    by_bin = {b["low"]: b for b in cal["bins"] if b["count"]}
    assert by_bin[int(p_a * 10) / 10]["measured"] == 1.0
    assert int(p_b * 10) == int(p_c * 10) == 7  # b and c share a bin
    assert by_bin[0.7]["count"] == 2 and by_bin[0.7]["measured"] == 0.5
    assert by_bin[0.7]["predicted"] == pytest.approx((p_b + p_c) / 2)
    # one month: c's review is paired with nothing (its previous one is older than the period)
    month = col.stats(period="1m")["calibration"]
    assert month["count"] == 1 and month["predicted"] == pytest.approx(p_a)


def test_buttons_hours_and_reviews_follow_the_period(col: Col) -> None:
    cid = col.card(state=2, interval_days=30, due=col.day(3))
    col.review(cid, col.day(-1, 8.25), rating=4, kind=1, before=30)  # 08:15 Berlin
    col.review(cid, col.day(-2, 8.5), rating=1, kind=1, before=3)
    col.review(cid, col.day(-2, 9), rating=3, kind=2, before=-600)
    col.review(cid, col.day(-3, 20), rating=2, kind=3, before=3)  # filtered: no hour
    col.review(cid, col.day(-40, 8), rating=3, kind=0, before=0)
    one = col.stats(period="1m")
    assert one["buttons"]["mature"] == [0, 0, 0, 1]
    assert one["buttons"]["young"] == [1, 0, 0, 0]
    assert one["buttons"]["learning"] == [0, 1, 1, 0]
    hours = {h["hour"]: (h["total"], h["correct"]) for h in one["hours"]["hours"] if h["total"]}
    assert hours == {8: (2, 1), 9: (1, 1)}
    assert one["reviews"]["total"] == 4
    assert [d["day"] for d in one["reviews"]["days"]] == [-3, -2, -1]
    three = col.stats(period="3m")
    assert three["buttons"]["learning"] == [0, 1, 2, 0]
    assert {h["hour"]: h["total"] for h in three["hours"]["hours"]}[8] == 3


def test_deck_scope_includes_children_and_rejects_unknown_names(col: Col) -> None:
    col.card(deck="Lang", state=0)
    col.card(deck="Lang::Sub", state=0)
    col.card(deck="Language", state=0)
    col.card(deck="Default", state=0, created_at=col.day(-5))
    assert col.stats(deck="lang")["counts"]["new"] == 2
    assert col.stats(deck="Lang::Sub")["counts"]["new"] == 1
    assert col.stats()["counts"]["new"] == 4
    assert col.stats(period="1m")["added"]["days"] == [[-5, 1], [0, 3]]
    with pytest.raises(NotFound, match="Nope"):
        col.stats(deck="Nope")
    with pytest.raises(UsageError):
        col.stats(period="2w")  # type: ignore[arg-type]


def test_stats_serialise_with_the_documented_keys(col: Col) -> None:
    stats = col.stats()
    text = json.dumps(stats)
    keys = {
        "today",
        "true_retention",
        "forecast",
        "calendar",
        "counts",
        "intervals",
        "stability",
        "difficulty",
        "retrievability",
        "calibration",
        "buttons",
        "hours",
    }
    assert keys <= set(json.loads(text))
    assert stats["retrievability"]["average"] is None and stats["calibration"]["count"] == 0


def test_unusable_preset_parameters_fall_back_to_the_default_decay(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db", params=["x"] * 21)  # type: ignore[list-item]
    col.card(
        state=2,
        interval_days=10,
        due=col.day(1),
        stability=10.0,
        difficulty=5.0,
        last_review=NOW - timedelta(days=10),
    )
    assert col.stats()["retrievability"]["sum_by_card"] == pytest.approx(0.9)
    col.store.close()


def test_calibration_uses_each_cards_own_decay(col: Col) -> None:
    own = col.card(state=2, interval_days=10, due=col.day(5), decay=0.5)
    plain = col.card(state=2, interval_days=10, due=col.day(5))
    for cid in (own, plain):
        col.review(cid, col.day(-20), kind=0, before=0, stability=4.0)
        col.review(cid, col.day(-10), rating=3, stability=12.0)
    p_own = retrievability(list(DEFAULT_PARAMS[:20]) + [0.5], 4.0, 10)
    p_plain = retrievability(DEFAULT_PARAMS, 4.0, 10)
    assert p_own != pytest.approx(p_plain)
    cal = col.stats(period="1m")["calibration"]
    assert cal["count"] == 2
    assert cal["predicted"] == pytest.approx((p_own + p_plain) / 2)
