"""Fixtures for the TUI tests: an app factory over a fresh collection with a frozen timer and
a silent, recording audio player, and no blinking cursors (for stable snapshots)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable

import pytest
from textual.widgets import Input, TextArea

from srs.collection import Collection
from tui.app import SrsApp, make_app
from tui.audio import AudioPlayer

AppFactory = Callable[..., SrsApp]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (Pilot needs one; no plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes snapshots depend on timing."""
    monkeypatch.setattr(Input, "cursor_blink", False)
    monkeypatch.setattr(TextArea, "cursor_blink", False)


@pytest.fixture
def audio(col: Collection) -> AudioPlayer:
    """A player with no program: it records what it was asked to play and plays nothing."""
    return AudioPlayer(col.store.media_dir, command=None)


@pytest.fixture
def make(col: Collection, audio: AudioPlayer) -> AppFactory:
    """``make(deck=..., start_in_review=...)``: the app over ``col`` with a frozen timer."""

    def factory(**options: object) -> SrsApp:
        options.setdefault("timer", lambda: 0.0)
        options.setdefault("audio", audio)
        return make_app(col, **options)  # type: ignore[arg-type]

    return factory
