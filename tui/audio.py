"""Provides background audio playback of ``[sound:..]`` files with the first installed player
(mpv, ffplay, afplay, paplay), silently doing nothing if none is installed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from tui.rendering import media_path

# Each player with the arguments that make it play once, quietly, without a window.
PLAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mpv", ("--no-video", "--really-quiet", "--no-terminal")),
    ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "quiet")),
    ("afplay", ()),
    ("paplay", ()),
)


def find_player(which: Callable[[str], str | None] = shutil.which) -> list[str] | None:
    """The command (program and options) of the first installed player, or None."""
    for name, options in PLAYERS:
        found = which(name)
        if found:
            return [found, *options]
    return None


class AudioPlayer:
    """Plays media-folder sounds one after another in the background; stops on request."""

    def __init__(self, media_dir: Path, command: list[str] | None = None) -> None:
        self.media_dir = media_dir
        self.command = command
        self._process: subprocess.Popen[bytes] | None = None
        self.played: list[str] = []

    @classmethod
    def detect(cls, media_dir: Path) -> AudioPlayer:
        """A player using whatever program this machine has."""
        return cls(media_dir, find_player())

    def play(self, names: Sequence[str]) -> None:
        """Stop what is playing and play ``names`` (files inside the media folder only)."""
        self.stop()
        paths = [p for p in (media_path(self.media_dir, n) for n in names) if p and p.is_file()]
        self.played.extend(str(p.name) for p in paths)
        if not paths or self.command is None:
            return
        # One player process per call; mpv/ffplay take several files, others play the first.
        files = [str(p) for p in paths] if "mpv" in Path(self.command[0]).name else [str(paths[0])]
        try:
            self._process = subprocess.Popen(
                [*self.command, *files],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            self._process = None  # the player vanished or cannot run: audio is optional

    def stop(self) -> None:
        """Stop the sound that is playing, if any."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                process.kill()
