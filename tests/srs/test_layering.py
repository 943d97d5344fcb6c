"""The engine must not pull in the UI toolkits (STYLE.md: dependencies point one way)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from srs.store import Store


def test_engine_imports_neither_textual_nor_click() -> None:
    code = (
        "import sys, srs.collection, srs.store, srs.scheduler, srs.render, srs.search\n"
        "bad = [m for m in ('textual', 'click', 'tui', 'importers') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_the_command_line_starts_without_alembic(tmp_path: Path) -> None:
    # Alembic costs ~0.3 s of start-up; an up-to-date collection never needs it.
    db = tmp_path / "c.db"
    Store.open(db).close()  # created (and migrated) here, in this process
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from srs.cli import cli\n"
        f"result = CliRunner().invoke(cli, ['--db', {str(db)!r}, 'decks'])\n"
        "print(result.exit_code, 'alembic' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "0 False"
