"""The statistics of srs equal Anki's own for the same collection.

A collection is built by the real Anki backend (cards answered with ``col.sched`` plus a
year and more of review history, see ``stats_anki``), Anki's ``graphs`` statistics are taken
from it, and the same cards and log are copied into an srs store whose fixed clock reads
the instant Anki computed at. The local zone has no DST (Anki counts days as fixed 86,400 s
steps back from the next rollover, srs by true local days; they agree without DST).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from srs.stats import Period, Stats, compute_stats
from srs.stats.types import PERIOD_DAYS
from srs.store import Store
from tests.srs.stats_anki import run_anki, store_from_dump

TZ = "Asia/Tokyo"
SEARCHES = {"": None, "deck:Lang": "Lang"}
PERIODS: dict[Period, str] = {
    "1m": "one_month",
    "3m": "three_months",
    "1y": "one_year",
    "all": "all_time",
}


Anki = tuple[dict[str, Any], Store]


@pytest.fixture(scope="module")
def anki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Anki]:
    tmp = tmp_path_factory.mktemp("anki_stats")
    dump = run_anki(tmp, TZ)
    store = store_from_dump(dump, tmp / "srs.db", TZ, dump["graphs"][""]["_now"][0])
    yield dump, store
    store.close()


def _ours(anki: Anki, search: str, period: Period) -> Stats:
    dump, store = anki
    now = datetime.fromtimestamp(dump["graphs"][search]["_now"][0], UTC)
    with store.read() as session:
        return compute_stats(
            session,
            now=now,
            tz=store.clock.tz,
            deck=SEARCHES[search],
            period=period,
            log_cache=store.stats_cache,  # as srs stats computes them
        )


def _same_day(graphs: dict[str, Any], dump: dict[str, Any]) -> None:
    # Anki answered and computed on one day; the comparison is meaningless across a rollover.
    assert graphs["_now"][1] < dump["cutoff"]


@pytest.mark.parametrize("search", list(SEARCHES))
def test_true_retention_table_equals_anki(anki: Anki, search: str) -> None:
    dump, _ = anki
    graphs = dump["graphs"][search]
    _same_day(graphs, dump)
    ours = _ours(anki, search, "all")["true_retention"]
    assert ours["all_time"]["count"] > 100  # the history is rich enough to mean something
    for name, theirs in graphs["true_retention"].items():
        for key in ("young_passed", "young_failed", "mature_passed", "mature_failed"):
            assert ours[name][key] == theirs.get(key, 0), (name, key)


@pytest.mark.parametrize("period", ["1m", "3m", "1y"])
def test_true_retention_of_a_shorter_period_equals_anki(anki: Anki, period: Period) -> None:
    # Anki loads the period's days plus today and caps every row of the table to them.
    dump, store = anki
    days = PERIOD_DAYS[period]
    graphs = dump["graphs_days"][str(days)]
    now = datetime.fromtimestamp(graphs["_now"][0], UTC)
    with store.read() as session:
        ours = compute_stats(
            session, now=now, tz=store.clock.tz, period=period, log_cache=store.stats_cache
        )
    mine = ours["true_retention"]
    assert mine["all_time"]["count"] < _ours(anki, "", "all")["true_retention"]["all_time"]["count"]
    for name, theirs in graphs["true_retention"].items():
        for key in ("young_passed", "young_failed", "mature_passed", "mature_failed"):
            assert mine[name][key] == theirs.get(key, 0), (period, name, key)


@pytest.mark.parametrize("search", list(SEARCHES))
def test_card_counts_equal_anki(anki: Anki, search: str) -> None:
    dump, _ = anki
    theirs = dump["graphs"][search]["card_counts"]["excluding_inactive"]
    ours = _ours(anki, search, "all")["counts"]
    pairs = {
        "new": "newCards",
        "learning": "learn",
        "relearning": "relearn",
        "young": "young",
        "mature": "mature",
        "suspended": "suspended",
        "buried": "buried",
    }
    assert {k: ours[k] for k in pairs} == {k: theirs.get(v, 0) for k, v in pairs.items()}  # type: ignore[literal-required]
    assert ours["suspended"] and ours["buried"] and ours["relearning"]


@pytest.mark.parametrize("search", list(SEARCHES))
@pytest.mark.parametrize("period", ["1m", "1y", "all"])
def test_forecast_equals_anki(anki: Anki, search: str, period: Period) -> None:
    dump, _ = anki
    graphs = dump["graphs"][search]
    _same_day(graphs, dump)
    due = {int(k): v for k, v in graphs["future_due"]["future_due"].items()}
    ours = _ours(anki, search, period)["forecast"]
    expected = [due.get(i, 0) for i in range(ours["horizon_days"])]
    expected[0] += sum(v for k, v in due.items() if k < 0)
    assert ours["days"] == expected
    assert ours["overdue"] == sum(v for k, v in due.items() if k < 0) > 0
    assert ours["daily_load"] == graphs["future_due"]["daily_load"]
    if period == "all":
        assert ours["horizon_days"] == max(due) + 1


@pytest.mark.parametrize("search", list(SEARCHES))
def test_calendar_equals_anki(anki: Anki, search: str) -> None:
    dump, _ = anki
    graphs = dump["graphs"][search]
    _same_day(graphs, dump)
    per_day = {int(k): sum(v.values()) for k, v in graphs["reviews"]["count"].items()}
    cal = _ours(anki, search, "1y")["calendar"]
    assert cal["counts"] == [per_day.get(d, 0) for d in range(-364, 1)]
    assert cal["days_studied"] == sum(1 for d in range(-364, 1) if per_day.get(d))


@pytest.mark.parametrize("search", list(SEARCHES))
def test_today_equals_anki(anki: Anki, search: str) -> None:
    dump, _ = anki
    theirs = dump["graphs"][search]["today"]
    ours = _ours(anki, search, "1m")["today"]
    pairs = {
        "answered": "answer_count",
        "time_ms": "answer_millis",
        "correct": "correct_count",
        "mature": "mature_count",
        "mature_correct": "mature_correct",
        "learn": "learn_count",
        "review": "review_count",
        "relearn": "relearn_count",
        "filtered": "early_review_count",
    }
    assert {k: ours[k] for k in pairs} == {k: int(theirs.get(v, 0)) for k, v in pairs.items()}  # type: ignore[literal-required]
    assert ours["answered"] > 0


@pytest.mark.parametrize("search", list(SEARCHES))
@pytest.mark.parametrize("period", list(PERIODS))
def test_buttons_and_hours_equal_anki(anki: Anki, search: str, period: Period) -> None:
    dump, _ = anki
    graphs = dump["graphs"][search]
    ours = _ours(anki, search, period)
    theirs = graphs["buttons"][PERIODS[period]]
    for kind in ("learning", "young", "mature"):
        assert ours["buttons"][kind] == [int(x) for x in theirs[kind]], kind
    hours = [(h.get("total", 0), h.get("correct", 0)) for h in graphs["hours"][PERIODS[period]]]
    assert [(h["total"], h["correct"]) for h in ours["hours"]["hours"]] == hours


@pytest.mark.parametrize("search", list(SEARCHES))
def test_distributions_equal_anki(anki: Anki, search: str) -> None:
    dump, _ = anki
    graphs = dump["graphs"][search]
    ours = _ours(anki, search, "all")
    assert {k: v for k, v in ours["intervals"]["bins"]} == {
        int(k): v for k, v in graphs["intervals"]["intervals"].items()
    }
    assert {k: v for k, v in ours["stability"]["bins"]} == {
        int(k): v for k, v in graphs["stability"]["intervals"].items()
    }
    assert {k: v for k, v in ours["difficulty"]["bins"]} == {
        int(k): v for k, v in graphs["difficulty"]["eases"].items()
    }
    assert ours["difficulty"]["median"] == pytest.approx(graphs["difficulty"]["average"], rel=1e-4)
    assert {k: v for k, v in ours["added"]["days"]} == {
        int(k): v for k, v in graphs["added"]["added"].items()
    }


@pytest.mark.parametrize("search", list(SEARCHES))
def test_retrievability_equals_anki(anki: Anki, search: str) -> None:
    dump, _ = anki
    theirs = dump["graphs"][search]["retrievability"]
    ours = _ours(anki, search, "all")["retrievability"]
    assert ours["count"] == sum(theirs["retrievability"].values())
    assert ours["sum_by_card"] == pytest.approx(theirs["sum_by_card"], rel=1e-4)
    assert ours["sum_by_note"] == pytest.approx(theirs["sum_by_note"], rel=1e-4)
    assert ours["average"] == pytest.approx(theirs["average"], rel=1e-4)
    assert {k: v for k, v in ours["bins"]} == {
        int(k): v for k, v in theirs["retrievability"].items()
    }
