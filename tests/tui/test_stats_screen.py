"""Pilot tests of the stats screen over a collection with a review history made by answering
cards through the engine with an advancing fixed clock: the panels show what the engine
computes, and switching the period or the deck (keys or widgets) recomputes."""

from __future__ import annotations

import io
import random
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Select, Static

from srs.clock import FixedClock
from srs.collection import Collection
from srs.domain import Rating
from srs.errors import NotFound, UsageError
from srs.stats.types import Stats
from srs.store import Store
from tests.conftest import FIXED_NOW
from tests.tui.conftest import AppFactory
from tui.screens.stats import StatsScreen
from tui.widgets.charts import BarChart, fold, histogram_columns
from tui.widgets.heatmap import level_bounds, level_of

DAYS = 45
SIZE = (100, 40)


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A collection file made once for the module (see ``studied``)."""
    path = tmp_path_factory.mktemp("stats") / "collection.db"
    clock = FixedClock(FIXED_NOW, tz=UTC)
    store = Store.open(path, clock=clock)
    try:
        _study(Collection(store), clock)
    finally:
        store.close()
    return path


@pytest.fixture
def col(history_db: Path, tmp_path: Path, clock: FixedClock) -> Iterator[Collection]:
    """A copy of the module's collection, at the fixed now."""
    path = tmp_path / "collection.db"
    shutil.copyfile(history_db, path)
    store = Store.open(path, clock=clock)
    yield Collection(store)
    store.close()


@pytest.fixture
def studied(col: Collection) -> Collection:
    return col


def _study(col: Collection, clock: FixedClock) -> None:
    """Twenty cards in two decks, studied every day for 45 days up to the fixed now."""
    end = clock.now()
    rng = random.Random(3)
    clock.set(end - timedelta(days=DAYS))
    for i in range(20):
        col.add_basic(f"q{i}", f"a{i}", deck="Geo" if i % 2 else "Maths::Algebra")
    for day in range(DAYS):
        while (state := col.study_state(None)).card is not None:
            rating = rng.choices(list(Rating), [15, 10, 65, 10])[0]
            col.answer(state.card.card_id, rating, rng.randint(2000, 9000))
            clock.advance(timedelta(minutes=2))
        clock.set(end - timedelta(days=DAYS - day - 1))
    clock.set(end)


def panel_text(screen: StatsScreen, key: str) -> str:
    """What a panel shows on screen (its rendered lines)."""
    panel = screen.query_one(f"#panel-{key}")
    return "\n".join(panel.render_line(y).text for y in range(panel.size.height))


async def _open(pilot: Pilot[Any]) -> StatsScreen:
    await pilot.press("t")
    await _settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    return screen


async def _settle(pilot: Pilot[Any]) -> None:
    """Let the messages of the last action start their worker, then wait for it."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _reviews(col: Collection) -> int:
    return sum(len(col.history(card_id)) for card_id in col.search("", limit=None))


async def test_panels_show_the_engine_figures(studied: Collection, make: AppFactory) -> None:
    expected: Stats = studied.stats(None, "1y")
    async with make().run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        assert screen.stats == expected
        retention = panel_text(screen, "retention")
        for period in ("month", "year"):
            row = expected["true_retention"][period]
            passed = row["young_passed"] + row["mature_passed"]
            counted = passed + row["young_failed"] + row["mature_failed"]
            assert row["total"] is not None
            assert f"{row['total']:.1%} ({passed}/{counted})" in retention
        counts = panel_text(screen, "counts")
        for name in ("new", "young", "mature", "total"):
            value = expected["counts"][name]
            assert any(line.split()[:2] == [name.capitalize(), str(value)]
                       for line in counts.splitlines()), (name, counts)  # fmt: skip
        assert expected["counts"]["total"] == 20
        # Every answer given is in the past year: the calendar counts them all.
        calendar = panel_text(screen, "calendar")
        assert f"{_reviews(studied)} reviews" in calendar
        assert f"{expected['calendar']['days_studied']}/365 days" in calendar
        assert "Mon" in calendar and "■" in calendar
        forecast = panel_text(screen, "forecast")
        assert f"Total {expected['forecast']['total']}" in forecast
        buttons = panel_text(screen, "buttons")
        for kind in ("learning", "young", "mature"):
            clicks = expected["buttons"][kind]
            assert any(line.split()[:5] == [kind.capitalize(), *map(str, clicks)]
                       for line in buttons.splitlines()), (kind, buttons)  # fmt: skip
        b = expected["buttons"]
        assert sum(b["learning"]) + sum(b["young"]) + sum(b["mature"]) == _reviews(studied)


async def test_period_keys_recompute(studied: Collection, make: AppFactory) -> None:
    month = studied.stats(None, "1m")
    year = studied.stats(None, "1y")
    assert month["reviews"]["total"] < year["reviews"]["total"]
    async with make().run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        assert f"Reviews {year['reviews']['total']} " in panel_text(screen, "reviews")
        assert "+364d" in panel_text(screen, "forecast")
        await pilot.press("1")
        await _settle(pilot)
        assert screen.period == "1m" and screen.stats is not None
        assert screen.stats["meta"]["period"] == "1m"
        assert f"Reviews {month['reviews']['total']} " in panel_text(screen, "reviews")
        assert "+29d" in panel_text(screen, "forecast")
        await pilot.press("a")
        await _settle(pilot)
        assert screen.period == "all"
        await pilot.press("p")  # cycles back to the first period
        await _settle(pilot)
        assert screen.period == "1m"


async def test_period_tabs_recompute(studied: Collection, make: AppFactory) -> None:
    async with make().run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.click("#period-3m")
        await _settle(pilot)
        assert screen.period == "3m" and screen.stats is not None
        assert screen.stats["forecast"]["horizon_days"] == 90
        assert "+89d" in panel_text(screen, "forecast")


async def test_deck_selector_recomputes(studied: Collection, make: AppFactory) -> None:
    geo_cards = len(studied.search('deck:"Geo"', limit=None))
    assert geo_cards == 10
    async with make().run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        assert "Total       20" in panel_text(screen, "counts")
        names = studied.deck_names()
        await pilot.press("d")  # opens the deck list on "All decks"
        await pilot.press(*["down"] * (names.index("Geo") + 1), "enter")
        await _settle(pilot)
        assert screen.deck == "Geo" and screen.stats is not None
        assert screen.stats == studied.stats("Geo", "1y")
        assert f"Total       {geo_cards}" in panel_text(screen, "counts")
        screen.query_one("#stats-deck", Select).value = "Maths"
        await _settle(pilot)
        assert screen.deck == "Maths"
        assert screen.stats["counts"]["total"] == 10  # Maths::Algebra is in the tree


async def test_opens_at_once_with_a_loading_indicator(
    studied: Collection, make: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real = Collection.stats

    def slow(self: Collection, deck: str | None = None, period: str = "1y") -> Stats:
        release.wait(10)
        return real(self, deck, period)

    monkeypatch.setattr(Collection, "stats", slow)
    async with make().run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.stats is None
        body = screen.query_one("#stats-body")
        assert body.loading
        release.set()
        await _settle(pilot)
        assert screen.stats is not None
        assert not body.loading
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, StatsScreen)


async def test_an_engine_error_is_shown(
    studied: Collection, make: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(self: Collection, deck: str | None = None, period: str = "1y") -> Stats:
        raise NotFound("no deck called 'Gone'")

    monkeypatch.setattr(Collection, "stats", missing)
    async with make().run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        assert screen.stats is None
        error = screen.query_one("#stats-error")
        assert error.display and "no deck called 'Gone'" in error.render_line(0).text
        assert not screen.query_one("#stats-body").loading


async def test_opens_on_the_deck_it_was_given(studied: Collection, make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.push_screen(StatsScreen(app.context, "Geo"))
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.query_one("#stats-deck", Select).value == "Geo"
        assert screen.stats is not None and screen.stats["meta"]["deck"] == "Geo"
        assert screen.stats["counts"]["total"] == 10


async def test_wide_terminal_puts_panels_side_by_side(
    studied: Collection, make: AppFactory
) -> None:
    async with make().run_test(size=(150, 50)) as pilot:
        screen = await _open(pilot)
        today = screen.query_one("#panel-today").region
        retention = screen.query_one("#panel-retention").region
        calendar = screen.query_one("#panel-calendar").region
        assert today.y == retention.y and retention.x > today.right
        assert calendar.width > today.width + retention.width
        # Two columns per week when there is room.
        assert "■ ■" in panel_text(screen, "calendar")
    async with make().run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        today = screen.query_one("#panel-today").region
        retention = screen.query_one("#panel-retention").region
        assert retention.y > today.y and retention.x == today.x
        for key in ("calendar", "forecast", "reviews", "intervals", "hours"):
            panel = screen.query_one(f"#panel-{key}")
            assert panel.size.width <= 78
            assert all(len(line) <= panel.size.width for line in panel_text(screen, key))


async def test_theme_change_redraws_the_panels(studied: Collection, make: AppFactory) -> None:
    async with make().run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        panel = screen.query_one("#panel-forecast", Static)
        before = panel.content
        pilot.app.theme = "textual-light"
        await pilot.pause()
        assert panel.content is not before
        assert "Total" in panel_text(screen, "forecast")


def test_bar_chart_folds_to_the_width() -> None:
    console = Console(width=40, color_system=None, record=True, file=io.StringIO())
    console.print(BarChart([1.0] * 365 + [50.0], "#00ff00", height=4, labels=("a", "b")))
    lines = console.export_text().splitlines()
    assert len(lines) == 6 and all(len(line) <= 40 for line in lines)
    # 366 values in 37 columns (3 for the axis): the last holds days 356..365, nine 1s and 50.
    assert lines[0].startswith("59│")
    assert lines[-1].strip().startswith("a") and lines[-1].endswith("b")


def test_stacked_bars_colour_each_cell_by_its_main_layer() -> None:
    chart = BarChart((), "#000000", height=2, layers=[("#ff0000", [2.0]), ("#0000ff", [2.0])])
    console = Console(width=20, color_system="truecolor", file=io.StringIO())
    segments = list(console.render(chart))
    bars = [seg for seg in segments if seg.text.strip("▁▂▃▄▅▆▇█") == "" and seg.text]
    colours = [seg.style.color.get_truecolor().hex for seg in bars if seg.style and seg.style.color]
    assert colours == ["#0000ff", "#ff0000"]  # top cell blue, bottom cell red


def test_fold_sums_or_averages_consecutive_values() -> None:
    assert fold([1, 2, 3, 4, 5], 10) == [1, 2, 3, 4, 5]
    assert fold([1, 2, 3, 4, 5], 2) == [3.0, 12.0]
    assert fold([1, 2, 3, 4], 2, mean=True) == [1.5, 3.5]
    assert len(fold([1.0] * 61, 60)) == 60


def test_histogram_folds_the_tail_into_the_last_bar() -> None:
    bins = [[1, 10], [2, 5], [3, 4], [100, 1]]
    columns, lo, hi, step = histogram_columns(bins, columns=10)
    assert (lo, hi, step) == (1, 3, 1)
    assert columns == [10, 5, 5]


def test_heatmap_levels_are_quantiles_of_studied_days() -> None:
    counts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0]
    bounds = level_bounds(counts)
    assert bounds == [3, 5, 7]
    assert [level_of(c, bounds) for c in (0, 1, 3, 4, 8)] == [0, 1, 1, 2, 4]


def test_collection_stats_checks_its_arguments(studied: Collection) -> None:
    with pytest.raises(UsageError, match="period '2y'"):
        studied.stats(None, "2y")
    with pytest.raises(NotFound):
        studied.stats("No such deck")
    assert studied.stats("Maths", "3m")["meta"]["period"] == "3m"
