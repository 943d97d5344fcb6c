"""Provides ``AppContext``, what every screen is given: the engine facade, the session timer,
the audio player and whether the terminal can draw images."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from srs.collection import Collection
from tui.audio import AudioPlayer


@dataclass
class AppContext:
    """Shared by the screens; tests build it with a frozen timer and a silent player."""

    collection: Collection
    timer: Callable[[], float] = time.monotonic
    audio: AudioPlayer | None = None
    graphics: bool = False
    editor: Callable[[list[str]], int] | None = None
    refresh_seconds: float = 30.0
