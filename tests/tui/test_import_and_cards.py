"""Pilot tests across screens: importing a package made by the real Anki through the import
dialog (a worker), then reviewing its type-in card with an image and a sound."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from anki.collection import Collection as AnkiCollection
from anki.collection import ExportAnkiPackageOptions
from PIL import Image as PILImage
from textual.widgets import Input, Static

from srs.collection import Collection
from tests.tui.conftest import AppFactory
from tui.importing import ImportUnavailable, run_import
from tui.screens.decks import DeckListScreen, DeckTree
from tui.screens.help import HelpScreen
from tui.screens.import_dialog import ImportDialog
from tui.screens.review import ReviewScreen
from tui.screens.stats import StatsScreen


def png_bytes() -> bytes:
    """A real 4x4 PNG."""
    out = io.BytesIO()
    PILImage.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def make_package(folder: Path) -> Path:
    """An .apkg with one "Basic (type in the answer)" note holding an image and a sound."""
    folder.mkdir(parents=True, exist_ok=True)
    anki = AnkiCollection(str(folder / "collection.anki2"))
    try:
        anki.media.write_data("flag.png", png_bytes())
        anki.media.write_data("bonjour.mp3", b"ID3" + bytes(64))
        notetype = anki.models.by_name("Basic (type in the answer)")
        assert notetype is not None
        note = anki.new_note(notetype)
        note["Front"] = 'Capital of <b>France</b>? <img src="flag.png"> [sound:bonjour.mp3]'
        note["Back"] = "Paris"
        deck_id = anki.decks.id("Geography")
        assert deck_id is not None
        anki.add_note(note, deck_id)
        # A fixed card id (Anki takes it from the clock): the fuzz of the card's intervals,
        # and so its button labels in snapshots, is seeded by it.
        assert anki.db is not None
        anki.db.execute("UPDATE cards SET id = ? WHERE nid = ?", 1_700_000_000_000, note.id)
        out = folder / "geo.apkg"
        anki.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(
                with_scheduling=False, with_deck_configs=False, with_media=True, legacy=False
            ),
            limit=None,
        )
    finally:
        anki.close()
    return out


async def test_import_then_type_in_review(
    col: Collection, make: AppFactory, tmp_path: Path
) -> None:
    package = make_package(tmp_path / "anki")
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ImportDialog)
        app.screen.query_one(Input).value = str(tmp_path / "missing.apkg")
        await pilot.press("enter")
        assert isinstance(app.screen, ImportDialog)  # refused: no such file
        app.screen.query_one(Input).value = str(package)
        await pilot.press("enter")
        await app.workers.wait_for_complete()  # the import
        await pilot.pause()
        await app.workers.wait_for_complete()  # the deck counts it asked for
        await pilot.pause()
        decks = app.screen
        assert isinstance(decks, DeckListScreen)
        assert [c.name for c in decks.counts if c.new] == ["Geography"]
        (card_id,) = col.search("deck:Geography", limit=None)

        for _ in range([c.name for c in decks.counts].index("Geography")):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.side is not None
        kinds = [part.kind for part in review.side.parts]
        assert kinds == ["text", "image", "type"]
        assert review.query_one(".card-image-missing", Static)  # no graphics in tests
        assert app.context.audio is not None and app.context.audio.played == ["bonjour.mp3"]
        assert isinstance(app.focused, Input)
        for key in "Pari":
            await pilot.press(key)
        assert col.history(card_id) == []  # typing is not answering
        await pilot.press("enter")
        assert review.answer_shown and review.typed == "Pari"
        diff = review.query_one(".type-diff", Static)
        assert "↓" in str(diff.content)
        await pilot.press("2")
        assert [r.rating for r in col.history(card_id)] == [2]


async def test_help_and_stats_screens(col: Collection, make: AppFactory) -> None:
    col.add_basic("q", "a")
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        stats = app.screen
        assert isinstance(stats, StatsScreen)
        assert stats.stats is not None and stats.stats["counts"]["new"] == 1
        await pilot.press("escape")
        assert isinstance(app.screen, DeckListScreen)


def test_missing_importer_is_reported(
    col: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "importers.vault", None)  # makes the import fail
    with pytest.raises(ImportUnavailable, match="vault importer is not available"):
        run_import(col.store, tmp_path)


async def test_import_error_is_a_notification(
    col: Collection, make: AppFactory, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.apkg"
    bad.write_bytes(b"not a zip")
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        app.screen.query_one(Input).value = str(bad)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DeckListScreen)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "broken.apkg" in errors[-1].message


async def test_expand_and_collapse_survive_a_refresh(col: Collection, make: AppFactory) -> None:
    col.add_basic("q", "a", deck="Parent::Child")
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        decks = app.screen
        assert isinstance(decks, DeckListScreen)
        tree = decks.query_one(DeckTree)
        while (
            tree.cursor_node is not None
            and tree.cursor_node.data is not None
            and (tree.cursor_node.data.name != "Parent")
        ):
            await pilot.press("down")
        node = tree.cursor_node
        assert node is not None and node.is_expanded
        await pilot.press("left")
        assert not node.is_expanded
        decks.refresh_counts()
        await app.workers.wait_for_complete()
        await pilot.pause()
        parent = next(n for n in tree.root.children if n.data and n.data.name == "Parent")
        assert not parent.is_expanded
        tree.move_cursor(parent)
        await pilot.press("right")
        assert parent.is_expanded
