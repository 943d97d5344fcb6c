"""Pilot tests of the deck options screen: ``o`` opens it on the selected deck, saved options
reach the engine (and the deck list counts follow), invalid values are refused with nothing
saved, and FSRS optimisation and the retention suggestion run in workers and show their
results (compared with what the engine answers for the same history)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Static

from srs.collection import Collection
from srs.optimize.synthetic import simulate_cards, write_collection
from tests.srs.optimize_support import START, open_store, truth_params
from tests.tui.conftest import AppFactory
from tui.app import make_app
from tui.options_format import TEXT_FIELDS, FieldError, format_steps, parse_steps, parse_value
from tui.screens.deck_options import DeckOptionsScreen
from tui.screens.decks import DeckListScreen

SIZE = (80, 24)
Snap = Callable[..., bool]


@pytest.fixture
def spanish(col: Collection) -> Collection:
    """Five new cards in one deck (the empty Default deck is then hidden)."""
    for i in range(5):
        col.add_basic(f"hola {i}", f"hello {i}", deck="Spanish")
    return col


@pytest.fixture
def simulated(tmp_path: Path) -> Iterator[Collection]:
    """A deck "Sim" with 120 days of answers simulated from far-from-default parameters."""
    store = open_store(tmp_path / "sim.db")
    cards = simulate_cards(truth_params(), cards=150, days=120, start=START, seed=5)
    write_collection(store, cards, preset_name="Sim", deck_name="Sim", created=START)
    col = Collection(store)
    yield col
    store.close()


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _open(pilot: Pilot[Any]) -> DeckOptionsScreen:
    await _settle(pilot)
    await pilot.press("o")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DeckOptionsScreen)
    return screen


def _text(screen: DeckOptionsScreen, selector: str) -> str:
    """What a Static shows (its rendered lines)."""
    widget = screen.query_one(selector, Static)
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


async def test_o_opens_the_options_and_save_changes_the_preset(
    spanish: Collection, make: AppFactory
) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        assert screen.deck == "Spanish"
        assert "Default" in _text(screen, "#options-preset")
        new = screen.query_one("#opt-new_per_day", Input)
        assert new.has_focus and new.value == "20"
        await pilot.press("3")  # the whole value is selected on focus: typing replaces it
        assert new.value == "3"
        await pilot.press("tab", "tab")  # to the learning steps
        steps = screen.query_one("#opt-learn_steps", Input)
        assert steps.has_focus and steps.value == "1m 10m"
        await pilot.press(*"2m 1h")
        screen.query_one("#opt-bury_new", Checkbox).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        view = spanish.preset_for_deck("Spanish")
        assert (view.new_per_day, view.learn_steps, view.bury_new) == (3, (2.0, 60.0), True)
        assert not screen.query_one("#options-error").display
        await pilot.press("escape")
        await _settle(pilot)
        decks = app.screen
        assert isinstance(decks, DeckListScreen)
        assert [(c.name, c.new) for c in decks.counts] == [("Spanish", 3)]


async def test_invalid_values_are_refused_and_nothing_is_saved(
    spanish: Collection, make: AppFactory
) -> None:
    before = spanish.preset_for_deck("Spanish")
    async with make().run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("7")  # a valid new/day, saved only with the rest
        screen.query_one("#opt-desired_retention", Input).value = "0.5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = _text(screen, "#options-error")
        assert "Desired retention" in error and "0.70" in error
        field = screen.query_one("#opt-desired_retention", Input)
        assert field.has_class("-invalid") and field.has_focus
        assert spanish.preset_for_deck("Spanish") == before
        field.value = "0.85"
        screen.query_one("#opt-relearn_steps", Input).value = "10m soon"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Relearning steps" in _text(screen, "#options-error")
        assert "'soon'" in _text(screen, "#options-error")
        assert spanish.preset_for_deck("Spanish") == before
        screen.query_one("#opt-relearn_steps", Input).value = "10m 1d"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not screen.query_one("#options-error").display
        after = spanish.preset_for_deck("Spanish")
        assert (after.new_per_day, after.desired_retention) == (7, 0.85)
        assert after.relearn_steps == (10.0, 1440.0)


async def test_optimize_fits_and_shows_before_and_after(
    simulated: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert simulated.preset_for_deck("Sim").fsrs_params == ()
    stages: list[tuple[str, float]] = []
    original = DeckOptionsScreen.on_deck_options_screen_progress

    def record(screen: DeckOptionsScreen, message: DeckOptionsScreen.Progress) -> None:
        stages.append((message.stage, message.fraction))
        original(screen, message)

    monkeypatch.setattr(DeckOptionsScreen, "on_deck_options_screen_progress", record)
    app = make_app(simulated, timer=lambda: 0.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("ctrl+o")
        await _settle(pilot)
        await pilot.pause()
        assert stages[-1] == ("done", 1.0) and len(stages) >= 3
        assert not screen.query_one("#optimize", Button).disabled
        assert not screen.query_one("#optimize-progress").display
        fitted = simulated.preset_for_deck("Sim").fsrs_params
        assert len(fitted) == 21
        report = _text(screen, "#optimize-result")
        assert "Parameters updated" in report
        assert "Log loss" in report and "RMSE (bins)" in report
        # the figures shown are the engine's: "after" is the loss of the saved parameters
        again = simulated.optimize("Sim", dry_run=True)
        loss = next(line for line in report.splitlines() if line.strip().startswith("Log loss"))
        before, after = (float(x) for x in loss.split()[2:4])
        assert after == pytest.approx(again.log_loss_before, abs=1e-4)
        assert after < before
        assert f"Reviews used: {again.reviews_used}" in report
        assert "21 fitted" in _text(screen, "#options-preset")


async def test_optimize_without_rescheduling_keeps_due_dates(simulated: Collection) -> None:
    ids = simulated.search("")
    due = [simulated.sched(i).due for i in ids]
    app = make_app(simulated, timer=lambda: 0.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        screen.query_one("#optimize-reschedule", Checkbox).value = False
        await pilot.press("ctrl+o")
        await _settle(pilot)
        report = _text(screen, "#optimize-result")
        assert "Parameters updated" in report and "Cards rescheduled: 0" in report
    assert len(simulated.preset_for_deck("Sim").fsrs_params) == 21
    assert [simulated.sched(i).due for i in ids] == due


async def test_escape_with_unsaved_changes_warns_once(
    spanish: Collection, make: AppFactory
) -> None:
    before = spanish.preset_for_deck("Spanish")
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("9", "escape")
        await pilot.pause()
        assert app.screen is screen
        assert any("Unsaved changes" in n.message for n in app._notifications)
        await pilot.press("escape")
        await _settle(pilot)
        assert isinstance(app.screen, DeckListScreen)
    assert spanish.preset_for_deck("Spanish") == before


async def test_optimize_without_history_keeps_the_parameters(
    spanish: Collection, make: AppFactory
) -> None:
    async with make().run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("ctrl+o")
        await _settle(pilot)
        report = _text(screen, "#optimize-result")
        assert "Kept current parameters" in report
        assert "Warning: no review history to fit" in report
        assert "Reviews used: 0" in report
        assert spanish.preset_for_deck("Spanish").fsrs_params == ()


async def test_suggest_retention_lists_the_workload(simulated: Collection) -> None:
    expected = simulated.suggest_retention("Sim")
    app = make_app(simulated, timer=lambda: 0.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("ctrl+r")
        await _settle(pilot)
        report = _text(screen, "#retention-result")
        assert f"Suggested desired retention: {expected.suggested_retention:.2f}" in report
        for level in expected.levels:
            row = next(line for line in report.splitlines() if
                       line.strip().startswith(f"{level.retention:.2f}"))  # fmt: skip
            assert f"{level.daily_reviews:.1f}" in row and f"{level.daily_minutes:.1f}" in row
        assert "(now)" in report
        await pilot.pause()
        body = screen.query_one("#options-body")
        box = screen.query_one("#retention-result")
        assert body.scroll_y > 0  # scrolled down to the answer (80x24 cannot show it all)
        assert box.region.bottom <= body.region.bottom


def test_deck_options_snapshot(snap_compare: Snap, spanish: Collection, make: AppFactory) -> None:
    assert snap_compare(make(), press=["o"], terminal_size=SIZE, run_before=_settle)


@pytest.mark.parametrize(
    ("text", "minutes", "shown"),
    [
        ("1m 10m", [1.0, 10.0], "1m 10m"),
        ("1, 10", [1.0, 10.0], "1m 10m"),
        ("30s 90 2h 1d", [0.5, 90.0, 120.0, 1440.0], "30s 90m 2h 1d"),
        ("1.5m 60m 1440", [1.5, 60.0, 1440.0], "1.5m 1h 1d"),
        ("", [], ""),
    ],
)
def test_steps_are_read_and_written_as_anki_does(
    text: str, minutes: list[float], shown: str
) -> None:
    assert parse_steps("learn_steps", text) == minutes
    assert format_steps(tuple(minutes)) == shown
    assert parse_steps("learn_steps", shown) == minutes


@pytest.mark.parametrize(("name", "text"), [("learn_steps", "10x"), ("learn_steps", "-1m"),
                                             ("new_per_day", "2.5"), ("desired_retention", "inf"),
                                             ("desired_retention", "ninety")])  # fmt: skip
def test_unreadable_text_names_the_field(name: str, text: str) -> None:
    field = next(f for f in TEXT_FIELDS if f.name == name)
    with pytest.raises(FieldError) as caught:
        parse_value(field, text)
    assert caught.value.name == name
    assert str(caught.value).startswith(field.label + ": ")
