"""Pilot test of editing an Obsidian card: the editor is run on the card's file and line,
then the vault is re-imported and the card keeps its id and review history."""

from __future__ import annotations

from pathlib import Path

from importers.vault import import_vault
from srs.collection import Collection
from srs.domain import SourceKind
from tests.tui.conftest import AppFactory
from tui.screens.review import ReviewScreen


async def test_edit_obsidian_card_in_editor_and_reimport(
    col: Collection, make: AppFactory, tmp_path: Path
) -> None:
    vault = tmp_path / "vault"
    (vault / "notes").mkdir(parents=True)
    source = vault / "notes" / "spain.md"
    source.write_text("#flashcards\n\nCapital of Spain::Madrid\n")
    import_vault(col.store, vault)
    (card_id,) = col.search("", limit=None)
    assert col.card(card_id).source_kind == SourceKind.OBSIDIAN
    commands: list[list[str]] = []

    def editor(command: list[str]) -> int:
        commands.append(command)
        path = Path(command[-1])
        path.write_text(path.read_text().replace("Madrid", "Madrid (since 1561)"))
        return 0

    app = make(start_in_review=True, editor=editor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("space", "1")  # Again: back in a minute, with one review logged
        assert screen.card is not None and screen.card.card_id == card_id
        await pilot.press("e")
        await pilot.pause()
        assert len(commands) == 1
        assert commands[0][-2:] == ["+3", str(source.resolve())]
        await pilot.press("space")
        assert screen.side is not None and "Madrid (since 1561)" in screen.side.plain
    assert col.search("", limit=None) == [card_id]
    assert [r.rating for r in col.history(card_id)] == [1]
