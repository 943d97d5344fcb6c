"""``srs optimize``: JSON shape, dry run, retention suggestion, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import select

from srs.cli.common import CliContext
from srs.cli.optimize import command
from srs.clock import FixedClock
from srs.models import Preset
from srs.optimize.synthetic import simulate_cards, write_collection
from tests.srs.optimize_support import NOW, START, open_store, truth_params

KEYS = {
    "parameters",
    "log_loss_before",
    "log_loss_after",
    "rmse_bins_before",
    "rmse_bins_after",
    "reviews_used",
    "cards_rescheduled",
}


def run(db: Path, *args: str) -> Result:
    ctx = CliContext(db=db, clock=FixedClock(NOW))
    return CliRunner().invoke(command, list(args), obj=ctx)


def make_db(tmp_path: Path, cards: int = 600) -> Path:
    db = tmp_path / "c.db"
    store = open_store(db)
    write_collection(
        store,
        simulate_cards(truth_params(), cards=cards, days=150, start=START, seed=9),
        created=START,
        deck_name="Lang::Words",
    )
    store.close()
    return db


def saved_params(db: Path) -> list[float]:
    store = open_store(db)
    with store.read() as session:
        params = list(session.scalars(select(Preset)).one().fsrs_params)
    store.close()
    return params


def test_json_dry_run_then_real_run(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    dry = run(db, "--json", "--dry-run")
    assert dry.exit_code == 0, dry.output
    shape = json.loads(dry.output)
    assert set(shape) == KEYS
    assert len(shape["parameters"]) == 21
    assert shape["log_loss_after"] < shape["log_loss_before"]
    assert saved_params(db) == []

    real = run(db, "--json", "--deck", "Lang::Words")
    assert real.exit_code == 0, real.output
    done = json.loads(real.output)
    assert done["parameters"] == shape["parameters"]
    assert done["cards_rescheduled"] == shape["cards_rescheduled"]
    assert saved_params(db) == done["parameters"]


def test_human_output_and_no_reschedule(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    result = run(db, "--preset", "Default", "--no-reschedule")
    assert result.exit_code == 0, result.output
    assert "new parameters saved" in result.output
    assert "0 cards were rescheduled" in result.output


def test_little_history_warns_in_json(tmp_path: Path) -> None:
    db = make_db(tmp_path, cards=20)
    result = run(db, "--json", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "FSRS needs about" in json.loads(result.output)["warning"]


def test_retention_json(tmp_path: Path) -> None:
    db = make_db(tmp_path, cards=150)
    result = run(db, "--retention", "--json")
    assert result.exit_code == 0, result.output
    shape = json.loads(result.output)
    assert 0.7 <= shape["suggested_retention"] <= 0.95
    assert [lv["retention"] for lv in shape["levels"]] == [0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    text = run(db, "--retention")
    assert text.exit_code == 0 and "suggested desired retention" in text.output


def test_unknown_preset_is_one_line_error(tmp_path: Path) -> None:
    db = make_db(tmp_path, cards=10)
    result = run(db, "--preset", "Nope")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["srs: error: no preset named 'Nope'"]


def test_help() -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    for flag in ("--preset", "--deck", "--json", "--dry-run", "--no-reschedule", "--retention"):
        assert flag in result.output
