"""The engine must not pull in the UI toolkits (STYLE.md: dependencies point one way)."""

from __future__ import annotations

import subprocess
import sys


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
