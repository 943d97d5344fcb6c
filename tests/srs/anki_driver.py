"""Runs a driver script against the real Anki backend in a subprocess (Anki reads its time
zone and test switches once per process): JSON arguments in on stdin, JSON out on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any


def run_driver(driver: str, args: dict[str, Any], env: dict[str, str], timeout: int = 300) -> Any:
    """The driver's JSON output; ``env`` is added to this process's environment."""
    done = subprocess.run(
        [sys.executable, "-c", driver],
        input=json.dumps(args),
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
        timeout=timeout,
    )
    return json.loads(done.stdout)
