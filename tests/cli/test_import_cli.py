"""`srs import` end to end: Anki packages made by the real Anki, and vault folders."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from srs.cli import cli
from tests import anki_factory as factory


def run(db: Path, *args: str, now: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args], env={"SRS_NOW": now})


@pytest.fixture(scope="module")
def packages(tmp_path_factory: Any) -> tuple[factory.Built, dict[str, Path]]:
    return factory.shared_packages(tmp_path_factory)


def anki_deck_counts(collection: Path) -> dict[str, tuple[int, int, int]]:
    from anki.collection import Collection

    col = Collection(str(collection))
    try:
        out: dict[str, tuple[int, int, int]] = {}

        def walk(node: Any, prefix: str) -> None:
            for child in node.children:
                name = f"{prefix}::{child.name}" if prefix else child.name
                out[name] = (child.new_count, child.learn_count, child.review_count)
                walk(child, name)

        walk(col.sched.deck_due_tree(), "")
        filtered = {d["name"] for d in col.decks.all() if d["dyn"]}
    finally:
        col.close()
    # srs sends cards in filtered decks home (filtered decks arrive empty), so those
    # decks are the one place where the two deck lists differ by design.
    return {name: counts for name, counts in out.items() if name not in filtered}


def test_deck_list_after_import_matches_ankis(
    packages: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = packages
    now = datetime.now(UTC).isoformat()  # Anki counts at the wall clock; so do we here
    db = tmp_path / "c.db"
    assert run(db, "import", str(paths["latest"]), now=now).exit_code == 0
    rows = json.loads(run(db, "decks", "--json", now=now).output)
    ours = {r["name"]: (r["new"], r["learn"], r["review"]) for r in rows}
    expected = anki_deck_counts(built.path)
    assert {name: ours.get(name) for name in expected} == expected
    assert sum(sum(v) for v in expected.values()) > 0


def test_importing_twice_changes_nothing(
    packages: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    _, paths = packages
    now = "2026-11-27T09:00:00+00:00"
    db = tmp_path / "c.db"
    first = json.loads(run(db, "import", "--json", str(paths["legacy2"]), now=now).output)
    assert first["notes"]["added"] > 0
    before = run(db, "search", "--json", "", now=now).output
    second = json.loads(run(db, "import", "--json", str(paths["legacy2"]), now=now).output)
    assert second["notes"]["added"] == 0 and second["notes"]["updated"] == 0
    assert second["notes"]["unchanged"] == first["notes"]["added"]
    assert run(db, "search", "--json", "", now=now).output == before


def test_a_truncated_package_is_one_line_and_changes_nothing(
    packages: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    _, paths = packages
    now = "2026-11-27T09:00:00+00:00"
    db = tmp_path / "c.db"
    run(db, "add", "--front", "mine", "--back", "keep me", now=now)
    before = run(db, "search", "--json", "", now=now).output
    broken = tmp_path / "broken.apkg"
    data = paths["latest"].read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    result = run(db, "import", str(broken), now=now)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "broken.apkg" in result.stderr
    assert run(db, "search", "--json", "", now=now).output == before
    assert not (tmp_path / "c.media").exists() or not any((tmp_path / "c.media").iterdir())


def test_vault_dry_run_lists_what_would_change(tmp_path: Path) -> None:
    now = "2026-11-27T09:00:00+00:00"
    vault = tmp_path / "vault"
    vault.mkdir()
    note = vault / "ML.md"
    note.write_text("#flashcards/ml\n\nWhat is a tensor?::A multi-dimensional array\n")
    db = tmp_path / "c.db"
    assert run(db, "import", str(vault), now=now).exit_code == 0
    note.write_text("#flashcards/ml\n\nWhat is a tensor?::A multidimensional array\n")
    result = run(db, "import", "--dry-run", str(vault), now=now)
    assert result.exit_code == 0, result.output
    assert "~ ML.md:3: What is a tensor? -> What is a tensor?" in result.output
    assert "dry run: nothing was written" in result.output
    rows = json.loads(run(db, "search", "--json", "", now=now).output)
    assert [r["deck"] for r in rows] == ["ml"]
    assert note.read_text().endswith("multidimensional array\n")  # the vault is untouched


def test_import_of_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = run(tmp_path / "c.db", "import", str(tmp_path / "nope.apkg"), now="2026-11-27T09:00Z")
    assert result.exit_code == 1 and "nope.apkg" in result.stderr
