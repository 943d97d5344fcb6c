"""The command line: help everywhere, JSON shapes, line-mode review, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from srs.cli import cli

NOW = "2026-11-27T09:00:00+00:00"


def run(db: Path, *args: str, stdin: str | None = None, now: str = NOW) -> click.testing.Result:
    runner = CliRunner()
    return runner.invoke(cli, ["--db", str(db), *args], input=stdin, env={"SRS_NOW": now})


def all_commands() -> list[str]:
    assert isinstance(cli, click.Group)
    return sorted(cli.commands)


def test_the_promised_commands_exist() -> None:
    promised = {"add", "check", "decks", "demo", "export", "import", "optimize", "review"}
    assert promised | {"search", "stats"} == set(all_commands())


@pytest.mark.parametrize("name", all_commands())
def test_every_command_has_help_text(name: str) -> None:
    command = cli.commands[name]
    assert command.help and len(command.help.strip()) > 10
    for flag in ("-h", "--help"):
        result = CliRunner().invoke(cli, [name, flag])
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_short_help_flag_survives_a_standalone_call(name: str) -> None:
    # Click keeps a command's help option once made; a command called on its own first
    # (as tests and scripts do) must still answer -h under the srs group.
    assert CliRunner().invoke(cli.commands[name], ["-h"]).exit_code == 0
    assert CliRunner().invoke(cli, [name, "-h"]).exit_code == 0


def test_add_then_decks_json(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    assert run(db, "add", "--front", "2+2?", "--back", "4", "--deck", "Math::Arith").exit_code == 0
    assert run(db, "add", "--front", "Q", "--back", "A").exit_code == 0
    result = run(db, "decks", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == {"Default", "Math", "Math::Arith"}
    assert by_name["Math"] == {"name": "Math", "new": 1, "learn": 0, "review": 0, "total": 1}
    assert by_name["Default"]["new"] == 1


def test_search_json_rows_have_the_promised_keys(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    run(db, "add", "--front", "<b>Softmax</b> of \\(z\\)?", "--back", "e^z/sum", "--tags", "ml")
    run(db, "add", "--front", "Other", "--back", "x")
    result = run(db, "search", "--json", "tag:ml")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {
        "card_id", "note_id", "guid", "deck", "ord", "state", "queue", "due", "interval_days",
        "stability", "difficulty", "retrievability", "reps", "lapses", "flag", "tags", "front",
    }  # fmt: skip
    assert row["state"] == "new" and row["due"] is None and row["tags"] == ["ml"]
    assert row["front"].startswith("Softmax of")


def test_plain_review_answers_and_persists(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    run(db, "add", "--front", "Capital of France?", "--back", "Paris")
    result = run(db, "review", "--plain", stdin="\n3\n\n3\nq\n")
    assert result.exit_code == 0, result.output
    assert "Capital of France?" in result.output and "Paris" in result.output
    rows = json.loads(run(db, "search", "--json", "").output)
    assert rows[0]["reps"] >= 1
    assert rows[0]["state"] in ("learning", "review")


def test_plain_review_undo_restores_the_card(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    run(db, "add", "--front", "Q1", "--back", "A1")
    result = run(db, "review", "--plain", stdin="\n1\nu\nq\n")
    assert result.exit_code == 0, result.output
    assert "undid answer" in result.output
    rows = json.loads(run(db, "search", "--json", "").output)
    assert rows[0]["reps"] == 0 and rows[0]["state"] == "new"


def test_unknown_deck_is_one_line_on_stderr_and_exit_1(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    run(db, "add", "--front", "Q", "--back", "A")
    result = run(db, "review", "--plain", "--deck", "Nope")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "Nope" in result.stderr


def test_bad_srs_now_is_a_clear_error(tmp_path: Path) -> None:
    result = run(tmp_path / "c.db", "decks", now="tomorrow-ish")
    assert result.exit_code == 1
    assert "SRS_NOW" in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = run(tmp_path / "c.db", "search", "--limit", "0")
    assert result.exit_code == 2


def test_check_reports_missing_media(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    run(db, "add", "--front", 'See <img src="diagram.png">', "--back", "[sound:say.mp3]")
    result = run(db, "check", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["missing_media"] == ["diagram.png", "say.mp3"]
    (tmp_path / "c.media").mkdir()
    (tmp_path / "c.media" / "diagram.png").write_bytes(b"x")
    (tmp_path / "c.media" / "say.mp3").write_bytes(b"x")
    ok = run(db, "check", "--json")
    assert ok.exit_code == 0 and json.loads(ok.output)["ok"] is True


def test_a_too_new_collection_is_refused_by_every_command(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "c.db"
    run(db, "add", "--front", "Q", "--back", "A")
    with sqlite3.connect(db) as conn:
        conn.execute("update alembic_version set version_num = 'zz_future'")
    result = run(db, "decks")
    assert result.exit_code == 1 and "newer than this srs" in result.stderr


def test_demo_plain_shows_a_card(tmp_path: Path) -> None:
    result = run(tmp_path / "unused.db", "demo", "--plain", stdin="q\n")
    assert result.exit_code == 0, result.output
    assert "new" in result.output and "due]" in result.output


def test_deck_names_from_shared_decks_cannot_drive_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    evil = "Evil\x1b]0;pwned\x07\x1b[2J"
    assert run(db, "add", "--front", "Q\x1b[31m", "--back", "A", "--deck", evil).exit_code == 0
    for args in (("decks",), ("search", ""), ("review", "--plain")):
        result = run(db, *args, stdin="q\n")
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "Evil" in result.output


def test_check_ignores_an_interrupted_imports_staging_files(tmp_path: Path) -> None:
    from srs.store import MEDIA_TMP_PREFIX

    db = tmp_path / "c.db"
    run(db, "add", "--front", "Q", "--back", "A")
    (tmp_path / "c.media").mkdir()
    (tmp_path / "c.media" / f"{MEDIA_TMP_PREFIX}0123").write_bytes(b"half")
    (tmp_path / "c.media" / "stray.png").write_bytes(b"x")
    report = json.loads(run(db, "check", "--json").output)
    assert report["unrecorded_media"] == ["stray.png"]
