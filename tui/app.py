"""Provides ``SrsApp`` and its factory ``make_app`` (shared by the CLI and the tests), and
``run_app`` for the CLI: wiring only; the screens live in ``tui.screens``."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import App

from srs.collection import Collection
from srs.errors import SrsError
from tui.audio import AudioPlayer
from tui.context import AppContext
from tui.importing import ImportUnavailable, run_import
from tui.messages import ImportFinished, Navigate
from tui.screens.browse import BrowseScreen
from tui.screens.decks import DeckListScreen
from tui.screens.help import HelpScreen
from tui.screens.import_dialog import ImportDialog
from tui.screens.review import ReviewScreen
from tui.screens.stats import StatsScreen


class SrsApp(App[None]):
    """The srs app: the deck list at the bottom of the stack, other screens pushed on it."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "srs"

    def __init__(
        self, context: AppContext, *, deck: str | None = None, start_in_review: bool = False
    ) -> None:
        super().__init__()
        self.context = context
        self.start_deck = deck
        self.start_in_review = start_in_review

    @property
    def collection(self) -> Collection:
        return self.context.collection

    def on_mount(self) -> None:
        self.push_screen(DeckListScreen(self.context))
        if self.start_in_review:
            self.push_screen(ReviewScreen(self.context, self.start_deck))

    def on_navigate(self, message: Navigate) -> None:
        if message.target == "study":
            self.push_screen(ReviewScreen(self.context, message.deck))
        elif message.target == "browse":
            self.push_screen(BrowseScreen(self.context))
        elif message.target == "stats":
            self.push_screen(StatsScreen(self.context, message.deck))
        elif message.target == "help":
            self.push_screen(HelpScreen())
        elif message.target == "import":
            self.push_screen(ImportDialog(), callback=self._import_chosen)

    def _import_chosen(self, path: Path | None) -> None:
        if path is not None:
            self.notify(f"Importing {path.name}…")
            self.import_source(path)

    @work(thread=True, exclusive=True, group="import")
    def import_source(self, path: Path) -> None:
        """Run an import in a worker thread; posts ``ImportFinished``."""
        try:
            summary = run_import(self.collection.store, path)
        except (SrsError, ImportUnavailable) as error:
            self.post_message(ImportFinished(str(error), error=True))
            return
        except OSError as error:  # unreadable file or folder: say so, keep the app running
            self.post_message(ImportFinished(f"{path}: {error.strerror or error}", error=True))
            return
        self.post_message(ImportFinished(summary))

    def on_import_finished(self, message: ImportFinished) -> None:
        self.notify(message.summary, severity="error" if message.error else "information",
                    timeout=8)  # fmt: skip
        for screen in self.screen_stack:
            if isinstance(screen, DeckListScreen):
                screen.refresh_counts()


def make_app(
    collection: Collection,
    *,
    deck: str | None = None,
    start_in_review: bool = False,
    timer: Callable[[], float] = time.monotonic,
    audio: AudioPlayer | None = None,
    graphics: bool = False,
    editor: Callable[[list[str]], int] | None = None,
) -> SrsApp:
    """Build the app over an open collection (the CLI and the tests share this).

    Args:
        collection: the engine facade.
        deck: the deck to study when ``start_in_review`` (None: all decks).
        start_in_review: open straight into a review session.
        timer: monotonic seconds for elapsed time and answer durations (tests freeze it).
        audio: the sound player (None: no sound).
        graphics: draw images with textual-image (only if it probed the terminal first).
        editor: runs an editor command for Obsidian cards (default ``subprocess.call``).
    """
    context = AppContext(collection=collection, timer=timer, audio=audio, graphics=graphics,
                         editor=editor)  # fmt: skip
    return SrsApp(context, deck=deck, start_in_review=start_in_review)


def _probe_graphics() -> bool:
    """Import textual-image before the app starts (it queries the terminal once)."""
    if not sys.stdout.isatty() or os.environ.get("SRS_NO_IMAGES"):
        return False
    try:
        import textual_image.widget  # noqa: F401
    except Exception:  # noqa: BLE001 - any failure to probe just means "no graphics"
        return False
    return True


def run_app(
    collection: Collection, *, deck: str | None = None, start_in_review: bool = False
) -> None:
    """Run the app in this terminal until the user quits."""
    app = make_app(
        collection,
        deck=deck,
        start_in_review=start_in_review,
        audio=AudioPlayer.detect(collection.store.media_dir),
        graphics=_probe_graphics(),
    )
    try:
        app.run()
    finally:
        if app.context.audio is not None:
            app.context.audio.stop()
