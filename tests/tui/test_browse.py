"""Pilot tests of the browse screen: search, sort, card info, and suspend / flag / reset
from the table, checked through the Collection API."""

from __future__ import annotations

import io

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable

from srs.collection import Collection
from srs.domain import CardState, Rating
from tests.tui.conftest import AppFactory
from tui.app import SrsApp
from tui.screens.browse import BrowseScreen
from tui.widgets.card_info import CardInfo


async def _open_browse(app: SrsApp, pilot: Pilot[None]) -> BrowseScreen:
    await pilot.press("slash")
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, BrowseScreen)
    return screen


def _row_ids(screen: BrowseScreen) -> list[int]:
    table: DataTable[object] = screen.query_one(DataTable)
    return [int(str(key.value)) for key in table.rows]


async def test_search_filters_and_sorts(col: Collection, make: AppFactory) -> None:
    col.add_basic("apple", "1", deck="Fruit")
    col.add_basic("banana", "2", deck="Fruit")
    col.add_basic("carrot", "3", deck="Veg")
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_browse(app, pilot)
        assert len(_row_ids(screen)) == 3
        await pilot.press("slash")
        for key in "deck:Fruit":
            await pilot.press(key)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        fruit = set(col.search("deck:Fruit", limit=None))
        assert set(_row_ids(screen)) == fruit and len(fruit) == 2
        await pilot.press("o")  # sort by the column after Due: interval
        assert screen.sort_column == 3
        screen._sort_by(1)  # Front, as a click on its header does
        fronts = [screen.query_one(DataTable).get_row_at(i)[1] for i in range(2)]
        assert [str(f) for f in fronts] == ["apple", "banana"]
        await pilot.press("O")
        fronts = [screen.query_one(DataTable).get_row_at(i)[1] for i in range(2)]
        assert [str(f) for f in fronts] == ["banana", "apple"]


async def test_bad_query_shows_the_error(col: Collection, make: AppFactory) -> None:
    col.add_basic("apple", "1")
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_browse(app, pilot)
        screen.run_search("deck:(")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(screen.query_one("#browse-status").render())
        assert status and "1 cards" not in status
        assert _row_ids(screen)  # the previous results stay


async def test_suspend_flag_reset_from_the_table(col: Collection, make: AppFactory) -> None:
    col.add_basic("apple", "1")
    (card_id,) = col.search("", limit=None)
    col.answer(card_id, Rating.EASY)
    assert col.card(card_id).sched.state == CardState.REVIEW
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_browse(app, pilot)
        await pilot.press("s")
        assert col.card(card_id).suspended
        await pilot.press("s")
        assert not col.card(card_id).suspended
        await pilot.press("f", "2")
        await pilot.pause()
        assert col.card(card_id).flag == 2
        await pilot.press("n")
        assert col.card(card_id).sched.state == CardState.NEW
        await pilot.press("u")
        await app.workers.wait_for_complete()
        assert col.card(card_id).sched.state == CardState.REVIEW
        assert _row_ids(screen) == [card_id]


async def test_card_info_shows_the_review_history(col: Collection, make: AppFactory) -> None:
    col.add_basic("apple", "1")
    (card_id,) = col.search("", limit=None)
    col.answer(card_id, Rating.AGAIN, 4000)
    col.answer(card_id, Rating.GOOD, 2500)
    app = make()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_browse(app, pilot)
        info = screen.query_one("#card-info", CardInfo)
        console = Console(width=100, file=io.StringIO())
        with console.capture() as capture:
            console.print(info.content)
        text = capture.get()
        assert "Again" in text and "Good" in text
        assert "4.0s" in text and "2.5s" in text
        assert len(col.history(card_id)) == 2
