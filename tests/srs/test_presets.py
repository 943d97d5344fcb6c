"""Tests of deck options through ``Collection``: reading a deck's preset, validated all-or-
nothing updates that the deck counts follow, and optimisation by deck that delegates to
``srs.optimize`` (same answers as calling it directly on the same history)."""

from __future__ import annotations

from pathlib import Path

import pytest

from srs.collection import Collection
from srs.errors import InvalidOption, NotFound, UsageError
from srs.optimize import OptimizeResult, optimize_preset, suggest_retention
from srs.optimize.synthetic import simulate_cards, write_collection
from tests.srs.optimize_support import START, open_store, truth_params


def _counts(col: Collection, deck: str) -> tuple[int, int, int]:
    row = next(c for c in col.deck_counts() if c.name == deck)
    return row.new, row.learn, row.review


def test_preset_for_deck_lists_the_decks_sharing_it(col: Collection) -> None:
    col.add_basic("q", "a", deck="Spanish")
    col.add_basic("q2", "a2", deck="French")
    view = col.preset_for_deck("Spanish")
    assert view.name == "Default"
    assert view.decks == ("Default", "French", "Spanish")
    assert view.new_per_day == 20
    assert view.learn_steps == (1.0, 10.0)
    assert col.preset_for_deck("French") == view


def test_preset_for_unknown_deck_is_not_found(col: Collection) -> None:
    with pytest.raises(NotFound, match="Nope"):
        col.preset_for_deck("Nope")


def test_update_changes_the_preset_and_the_counts_follow(col: Collection) -> None:
    for i in range(5):
        col.add_basic(f"q{i}", f"a{i}", deck="Spanish")
    assert _counts(col, "Spanish") == (5, 0, 0)
    view = col.preset_for_deck("Spanish")
    changed = col.update_preset(
        view.preset_id,
        new_per_day=2,
        learn_steps=[5, 30.5],
        desired_retention=0.85,
        leech_action="suspend",
        bury_new=True,
        rollover_hour=0,
    )
    assert changed == col.preset_for_deck("Spanish")
    assert changed.new_per_day == 2
    assert changed.learn_steps == (5.0, 30.5)
    assert changed.desired_retention == 0.85
    assert changed.leech_action == "suspend"
    assert changed.bury_new is True
    assert changed.rollover_hour == 0
    assert _counts(col, "Spanish") == (2, 0, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("new_per_day", -1),
        ("reviews_per_day", 2.5),
        ("new_per_day", True),
        ("learn_steps", [1, 0]),
        ("relearn_steps", [-10]),
        ("learn_steps", "1 10"),
        ("desired_retention", 0.69),
        ("desired_retention", 0.995),
        ("desired_retention", float("nan")),
        ("maximum_interval", 0),
        ("rollover_hour", 24),
        ("rollover_hour", -1),
        ("leech_threshold", 0),
        ("leech_action", "delete"),
        ("bury_reviews", 1),
        ("name", "  "),
        ("fsrs_params", [1.0]),
        ("no_such_option", 1),
    ],
)
def test_invalid_values_are_refused_naming_the_field(
    col: Collection, field: str, value: object
) -> None:
    before = col.preset_for_deck("Default")
    with pytest.raises(InvalidOption) as caught:
        col.update_preset(before.preset_id, **({"leech_threshold": 5} | {field: value}))
    assert caught.value.field == field
    assert isinstance(caught.value, UsageError)
    assert str(caught.value).startswith(f"{field}: ")
    assert col.preset_for_deck("Default") == before  # the valid change was not saved


def test_boundary_values_are_accepted(col: Collection) -> None:
    preset_id = col.preset_for_deck("Default").preset_id
    low = col.update_preset(
        preset_id, desired_retention=0.7, new_per_day=0, maximum_interval=1, rollover_hour=23,
        leech_threshold=1, learn_steps=[],
    )  # fmt: skip
    assert (low.desired_retention, low.new_per_day, low.maximum_interval) == (0.7, 0, 1)
    assert (low.rollover_hour, low.leech_threshold, low.learn_steps) == (23, 1, ())
    assert col.update_preset(preset_id, desired_retention=0.99).desired_retention == 0.99


def test_preset_names_stay_unique(tmp_path: Path) -> None:
    store = open_store(tmp_path / "c.db")
    write_collection(store, [], preset_name="Other", deck_name="Other", created=START)
    write_collection(store, [], preset_name="Mine", deck_name="Deck", created=START)
    col = Collection(store)
    view = col.preset_for_deck("Deck")
    assert view.name == "Mine"
    with pytest.raises(InvalidOption, match="Other"):
        col.update_preset(view.preset_id, name="Other")
    assert col.update_preset(view.preset_id, name=" Yours ").name == "Yours"
    store.close()


def test_update_unknown_preset_is_not_found(col: Collection) -> None:
    with pytest.raises(NotFound):
        col.update_preset(999, new_per_day=1)


def _simulated(path: Path) -> Collection:
    store = open_store(path)
    cards = simulate_cards(truth_params(), cards=150, days=120, start=START, seed=5)
    write_collection(store, cards, preset_name="Sim", deck_name="Sim", created=START)
    return Collection(store)


def _same(got: OptimizeResult, expected: OptimizeResult) -> None:
    """Equal results (fsrs-rs sums in parallel, so the metrics may differ in the last bits)."""
    assert got.parameters == pytest.approx(expected.parameters, rel=1e-5)
    for name in ("log_loss_before", "log_loss_after", "rmse_bins_before", "rmse_bins_after"):
        assert getattr(got, name) == pytest.approx(getattr(expected, name), rel=1e-5), name
    assert (got.reviews_used, got.items, got.adopted, got.cards_rescheduled) == (
        expected.reviews_used,
        expected.items,
        expected.adopted,
        expected.cards_rescheduled,
    )


def test_optimize_by_deck_matches_optimize_preset_and_saves(tmp_path: Path) -> None:
    col = _simulated(tmp_path / "c.db")
    expected = optimize_preset(col.store, preset="Sim", dry_run=True)
    stages: list[tuple[str, float]] = []
    dry = col.optimize("Sim", dry_run=True, progress=lambda s, f: stages.append((s, f)))
    _same(dry, expected)
    assert stages[0] == ("reading", 0.0) and stages[-1] == ("done", 1.0)
    assert col.preset_for_deck("Sim").fsrs_params == ()  # a dry run writes nothing
    assert dry.adopted  # far-from-default truth: the fit predicts better
    done = col.optimize("Sim")
    _same(done, expected)
    assert col.preset_for_deck("Sim").fsrs_params == tuple(done.parameters)
    col.close()


def test_suggest_retention_by_deck_matches_the_engine(tmp_path: Path) -> None:
    col = _simulated(tmp_path / "c.db")
    got = col.suggest_retention("Sim")
    assert got == suggest_retention(col.store, preset="Sim")
    assert got.preset == "Sim" and got.levels
    col.close()


def test_optimize_unknown_deck_is_not_found(col: Collection) -> None:
    with pytest.raises(NotFound):
        col.optimize("Nope")
