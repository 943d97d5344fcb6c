"""Provides ``run_timed``: a Python snippet run in a fresh process under ``/usr/bin/time -v``,
for the benchmarks that compare whole processes (import, export, optimise)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping


def run_timed(
    code: str, *args: str, env: Mapping[str, str] | None = None
) -> tuple[float, float, float, str]:
    """Run ``code`` with ``args`` in a fresh Python: (wall seconds, CPU seconds, peak MB,
    stdout). Exits with the process's error output if it fails."""
    proc = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        env=None if env is None else dict(env),
    )
    if proc.returncode:
        raise SystemExit(f"benchmarked process failed:\n{proc.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    user = re.search(r"User time \(seconds\): ([\d.]+)", proc.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", proc.stderr)
    assert wall and rss and user and system, proc.stderr
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    cpu = float(user.group(1)) + float(system.group(1))
    return seconds, cpu, int(rss.group(1)) / 1024, proc.stdout.strip()
