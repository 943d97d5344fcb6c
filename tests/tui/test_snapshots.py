"""One snapshot per screen state (pytest-textual-snapshot), made with a fixed clock, a frozen
session timer and an 80x24 terminal. Update with ``--snapshot-update`` after checking them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from importers.anki import import_package
from srs.collection import Collection
from srs.domain import Rating
from tests.tui.conftest import AppFactory
from tests.tui.test_import_and_cards import make_package

Snap = Callable[..., bool]
SIZE = (80, 24)


@pytest.fixture
def filled(col: Collection) -> Collection:
    """A few decks with new, learning and review cards."""
    col.add_basic("What is the capital of <b>France</b>?", "Paris", deck="Geography::Europe")
    col.add_basic("Longest river in Africa?", "The <i>Nile</i>", deck="Geography::Africa")
    col.add_basic(r"Solve \(x^2 = 4\)", r"\(x = \pm 2\)", deck="Maths", tags=["algebra"])
    col.add_basic("<ul><li>first</li><li>second</li></ul>Name both", "one, two", deck="Maths")
    ids = col.search("", limit=None)
    col.answer(ids[-1], Rating.EASY, 3000)
    col.answer(ids[-2], Rating.AGAIN, 5000)
    return col


async def _settle(pilot: Pilot[Any]) -> None:
    """Wait until the screen stops changing. What a worker posts (the browser's results)
    may start more work when handled (the selected card's info), and a table sizes its
    columns on a later refresh: a loaded machine may not have drawn all of it after one or
    two pauses, so the screen is compared with itself between pauses."""
    drawn = None
    for _ in range(50):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        now = _screen_text(pilot)
        if now == drawn:
            return
        drawn = now
    raise AssertionError("the screen kept changing")


def _screen_text(pilot: Pilot[Any]) -> str:
    # the SVG carries a fresh id on each export; the drawn text and styles are what count
    svg = pilot.app.export_screenshot()
    return re.sub(r"terminal-\d+", "terminal", svg)


def test_deck_list(snap_compare: Snap, filled: Collection, make: AppFactory) -> None:
    assert snap_compare(make(), terminal_size=SIZE, run_before=_settle)


def test_review_question(snap_compare: Snap, filled: Collection, make: AppFactory) -> None:
    app = make(start_in_review=True, deck="Geography")
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle)


def test_review_answer(snap_compare: Snap, filled: Collection, make: AppFactory) -> None:
    app = make(start_in_review=True, deck="Geography")
    assert snap_compare(app, press=["space"], terminal_size=SIZE, run_before=_settle)


def test_review_summary(snap_compare: Snap, col: Collection, make: AppFactory) -> None:
    col.add_basic("one", "1")
    col.add_basic("two", "2")
    app = make(start_in_review=True)
    keys = ["space", "4", "space", "4"]
    assert snap_compare(app, press=keys, terminal_size=SIZE, run_before=_settle)


def test_flag_picker(snap_compare: Snap, filled: Collection, make: AppFactory) -> None:
    app = make(start_in_review=True, deck="Maths")
    assert snap_compare(app, press=["f"], terminal_size=SIZE, run_before=_settle)


def test_edit_note(snap_compare: Snap, filled: Collection, make: AppFactory) -> None:
    app = make(start_in_review=True, deck="Geography")
    assert snap_compare(app, press=["e"], terminal_size=SIZE, run_before=_settle)


def test_browse(snap_compare: Snap, filled: Collection, make: AppFactory) -> None:
    async def open_browse(pilot: Pilot[Any]) -> None:
        await pilot.press("slash")
        await _settle(pilot)

    assert snap_compare(make(), terminal_size=SIZE, run_before=open_browse)


def test_stats(snap_compare: Snap, filled: Collection, make: AppFactory) -> None:
    async def open_stats(pilot: Pilot[Any]) -> None:
        await pilot.press("t")
        await _settle(pilot)

    assert snap_compare(make(), terminal_size=SIZE, run_before=open_stats)


def test_help(snap_compare: Snap, filled: Collection, make: AppFactory) -> None:
    assert snap_compare(make(), press=["question_mark"], terminal_size=SIZE, run_before=_settle)


def test_import_dialog(snap_compare: Snap, filled: Collection, make: AppFactory) -> None:
    assert snap_compare(make(), press=["i"], terminal_size=SIZE, run_before=_settle)


def test_review_type_in_answer(
    snap_compare: Snap, col: Collection, make: AppFactory, tmp_path: Path
) -> None:
    """A package made by the real Anki: type-in card with an image (placeholder) and a sound."""
    import_package(col.store, make_package(tmp_path / "anki"))
    keys = ["P", "a", "r", "i", "z", "enter"]
    assert snap_compare(make(start_in_review=True), press=keys, terminal_size=SIZE,
                        run_before=_settle)  # fmt: skip
