"""``srs export``: text and JSON output, the package Anki imports, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner, Result

from srs.cli import cli
from srs.cli import export as export_cli
from tests import anki_factory as factory

NOW = "2026-11-27T09:00:00+00:00"

assert isinstance(cli, click.Group)
if "export" not in cli.commands:  # registered by srs.cli once the command is wired in
    cli.add_command(export_cli.command)


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args], env={"SRS_NOW": NOW})


def _collection(tmp_path: Path) -> Path:
    db = tmp_path / "c.db"
    assert run(db, "add", "--front", "2+2?", "--back", "4", "--deck", "Math::Arith").exit_code == 0
    assert run(db, "add", "--front", "Capital?", "--back", "Paris", "--deck", "Geo").exit_code == 0
    return db


def test_export_writes_a_package_anki_imports(tmp_path: Path) -> None:
    db = _collection(tmp_path)
    out = tmp_path / "out.apkg"
    result = run(db, "export", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("exported 2 notes, 2 cards, 0 reviews")
    col = factory.anki_import(out, tmp_path / "anki")
    try:
        assert sorted(col.db.list("select sfld from notes")) == ["2+2?", "Capital?"]
        assert {"Math::Arith", "Geo"} <= {d["name"] for d in col.decks.all()}
    finally:
        col.close()


def test_export_json_and_one_deck(tmp_path: Path) -> None:
    db = _collection(tmp_path)
    out = tmp_path / "math.apkg"
    result = run(db, "export", str(out), "--deck", "Math", "--no-scheduling", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["notes"], data["cards"], data["scheduling"]) == (1, 1, False)
    assert data["decks"] == ["Math", "Math::Arith"] and data["warnings"] == []


def test_errors_are_one_line(tmp_path: Path) -> None:
    db = _collection(tmp_path)
    out = tmp_path / "out.apkg"
    out.write_bytes(b"keep")
    result = run(db, "export", str(out))
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "already exists" in result.output and "--force" in result.output
    assert out.read_bytes() == b"keep"
    result = run(db, "export", str(tmp_path / "x.apkg"), "--deck", "Nope")
    assert result.exit_code == 1 and result.output.strip() == "srs: error: deck 'Nope' not found"
    assert not (tmp_path / "x.apkg").exists()
    assert run(db, "export", str(out), "--force").exit_code == 0


def test_missing_media_is_a_warning_and_the_export_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    assert run(db, "add", "--front", 'Look <img src="gone.png">', "--back", "x").exit_code == 0
    out = tmp_path / "out.apkg"
    result = run(db, "export", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert "srs: warning: media file 'gone.png' is missing" in result.stderr
    assert json.loads(result.stdout)["media"] == 0 and out.exists()
