"""Card identity across edits: a card keeps its id and review history when its note is edited,
moved or renamed; a vanished card is retired (suspended, orphaned, history kept) and comes back
when its text returns."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from importers.vault import import_vault
from srs.clock import FixedClock
from srs.models import Deck
from srs.store import Store
from tests.importers.test_vault_support import (
    Vault,
    add_review,
    card_by_front,
    cards,
    days,
    history,
    make_vault,
)

HEAD = "#flashcards\n\n"
FRANCE = "What is the capital of France::Paris"
PLANET = "Which planet is the largest in the solar system::Jupiter"
WATER = "What is the chemical formula of water::H2O"


def _setup(tmp_path: Path, store: Store, clock: FixedClock, body: str) -> Vault:
    vault = make_vault(tmp_path)
    vault.write("a.md", HEAD + body)
    import_vault(store, vault.root)
    for row in cards(store):
        add_review(store, row.card_id, clock.now() - days(1))
    return vault


def test_typo_fix_keeps_the_card(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(tmp_path, store, clock, f"Waht is the captial of France::Paris\n{PLANET}\n")
    before = card_by_front(store, "Waht is the captial of France")
    vault.write("a.md", HEAD + f"{FRANCE}\n{PLANET}\n")
    report = import_vault(store, vault.root)
    assert (report.added, report.updated, report.retired, report.unchanged) == (0, 1, 0, 1)
    after = card_by_front(store, "What is the capital of France")
    assert after.card_id == before.card_id
    assert history(store, after.card_id) == [clock.now() - days(1)]


def test_rewritten_answer_keeps_the_card(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(tmp_path, store, clock, "Who proposed relativity::Einstein\n")
    before = card_by_front(store, "Who proposed relativity")
    vault.write("a.md", HEAD + "Who proposed relativity::Albert Einstein, in 1905 and 1915\n")
    report = import_vault(store, vault.root)
    assert (report.added, report.updated, report.retired) == (0, 1, 0)
    after = card_by_front(store, "Who proposed relativity")
    assert after.card_id == before.card_id
    assert after.fields[1] == "Albert Einstein, in 1905 and 1915"
    assert len(history(store, after.card_id)) == 1


def test_card_moved_to_another_note(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(tmp_path, store, clock, f"{FRANCE}\n{PLANET}\n")
    before = card_by_front(store, "Which planet is the largest in the solar system")
    vault.write("a.md", HEAD + f"{FRANCE}\n")
    vault.write("Space/b.md", HEAD + f"intro line\n\n{PLANET}\n")
    report = import_vault(store, vault.root)
    assert (report.added, report.moved, report.retired) == (0, 1, 0)
    after = card_by_front(store, "Which planet is the largest in the solar system")
    assert after.card_id == before.card_id
    assert (after.path, after.line) == ("Space/b.md", 5)
    assert len(history(store, after.card_id)) == 1
    assert report.to_json()["details"]["moved"] == [{"old": "a.md:4", "new": "Space/b.md:5"}]


def test_note_renamed(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(tmp_path, store, clock, f"{FRANCE}\n{PLANET}\n{WATER}\n")
    before = {c.fields[0]: c.card_id for c in cards(store)}
    vault.rename("a.md", "Geography/renamed.md")
    report = import_vault(store, vault.root)
    assert (report.added, report.moved, report.retired) == (0, 3, 0)
    after = cards(store)
    assert {c.fields[0]: c.card_id for c in after} == before
    assert {c.path for c in after} == {"Geography/renamed.md"}
    assert all(len(history(store, c.card_id)) == 1 for c in after)


def test_card_deleted_then_restored(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(tmp_path, store, clock, f"{FRANCE}\n{WATER}\n")
    water = card_by_front(store, "What is the chemical formula of water")
    vault.write("a.md", HEAD + f"{FRANCE}\n")
    report = import_vault(store, vault.root)
    assert (report.retired, report.added) == (1, 0)
    gone = card_by_front(store, "What is the chemical formula of water")
    assert (gone.card_id, gone.suspended, gone.orphaned) == (water.card_id, True, True)
    assert len(history(store, water.card_id)) == 1
    assert import_vault(store, vault.root).retired == 0  # stays retired, not counted again

    vault.write("Chemistry.md", HEAD + f"{WATER}\n")
    report = import_vault(store, vault.root)
    assert (report.added, report.updated) == (0, 1)
    back = card_by_front(store, "What is the chemical formula of water")
    assert (back.card_id, back.suspended, back.orphaned) == (water.card_id, False, False)
    assert back.path == "Chemistry.md"
    assert len(history(store, water.card_id)) == 1


def test_deleted_file_retires_its_cards(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(tmp_path, store, clock, f"{FRANCE}\n{PLANET}\n")
    vault.remove("a.md")
    report = import_vault(store, vault.root)
    assert report.retired == 2
    assert all(c.orphaned and c.suspended for c in cards(store))


def test_block_id_wins_over_content(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(tmp_path, store, clock, "Old question::old answer ^my-card\n")
    before = card_by_front(store, "Old question")
    vault.write("a.md", HEAD + "Entirely new wording::something else ^my-card\n")
    report = import_vault(store, vault.root)
    assert (report.added, report.updated, report.retired) == (0, 1, 0)
    assert card_by_front(store, "Entirely new wording").card_id == before.card_id


def test_swapped_lines_keep_their_cards(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(tmp_path, store, clock, f"{FRANCE}\n{PLANET}\n")
    before = {c.fields[0]: c.card_id for c in cards(store)}
    vault.write("a.md", HEAD + f"{PLANET}\n{FRANCE}\n")
    report = import_vault(store, vault.root)
    assert (report.added, report.updated, report.retired, report.unchanged) == (0, 0, 0, 2)
    assert {c.fields[0]: c.card_id for c in cards(store)} == before
    assert card_by_front(store, "What is the capital of France").line == 4


def test_cloze_deletions_come_and_go(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(
        tmp_path, store, clock, "The ==trace== is the sum of the ==diagonal== entries.\n"
    )
    first = {c.ord: c.card_id for c in cards(store)}
    vault.write("a.md", HEAD + "The ==trace== is the sum of the diagonal entries.\n")
    import_vault(store, vault.root)
    rows = {c.ord: c for c in cards(store)}
    assert {o: r.card_id for o, r in rows.items()} == first
    assert (rows[0].orphaned, rows[1].orphaned, rows[1].suspended) == (False, True, True)
    vault.write("a.md", HEAD + "The ==trace== is the sum of the ==diagonal== ==entries==.\n")
    import_vault(store, vault.root)
    rows = {c.ord: c for c in cards(store)}
    assert rows[0].card_id == first[0] and rows[1].card_id == first[1]
    assert not rows[1].orphaned and not rows[2].orphaned and len(rows) == 3


def test_basic_turned_reversed_gains_a_card(
    tmp_path: Path, store: Store, clock: FixedClock
) -> None:
    vault = _setup(tmp_path, store, clock, "Hello in French::Bonjour\n")
    before = card_by_front(store, "Hello in French")
    vault.write("a.md", HEAD + "Hello in French:::Bonjour\n")
    import_vault(store, vault.root)
    rows = cards(store)
    assert [(r.note_id, r.ord) for r in rows] == [(before.note_id, 0), (before.note_id, 1)]
    assert rows[0].card_id == before.card_id


def test_deck_change_moves_the_card_between_decks(
    tmp_path: Path, store: Store, clock: FixedClock
) -> None:
    vault = _setup(tmp_path, store, clock, f"{FRANCE}\n")
    vault.write("a.md", f"#flashcards/geo/europe\n\n{FRANCE}\n")
    import_vault(store, vault.root)
    row = card_by_front(store, "What is the capital of France")
    with store.read() as session:
        assert session.scalar(select(Deck.name).where(Deck.id == row.deck_id)) == "geo::europe"


def test_duplicate_cards_are_distinct_notes(
    tmp_path: Path, store: Store, clock: FixedClock
) -> None:
    vault = _setup(tmp_path, store, clock, f"{FRANCE}\n\n{FRANCE}\n")
    first, second = cards(store)
    vault.write("a.md", HEAD + f"{FRANCE}\n")
    report = import_vault(store, vault.root)
    assert (report.unchanged, report.retired) == (1, 1)
    rows = {c.card_id: c for c in cards(store)}
    assert not rows[first.card_id].orphaned and rows[second.card_id].orphaned


def test_note_renamed_and_edited(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(tmp_path, store, clock, f"{FRANCE}\n{PLANET}\n")
    before = {c.fields[0]: c.card_id for c in cards(store)}
    vault.remove("a.md")
    vault.write(
        "b.md", HEAD + f"{FRANCE}\nWhich planet is the largest in our solar system::Jupiter\n"
    )
    report = import_vault(store, vault.root)
    assert (report.added, report.retired) == (0, 0)
    after = {c.fields[0]: c.card_id for c in cards(store)}
    assert (
        after["Which planet is the largest in our solar system"]
        == before["Which planet is the largest in the solar system"]
    )
    assert after["What is the capital of France"] == before["What is the capital of France"]


def test_card_moved_and_edited(tmp_path: Path, store: Store, clock: FixedClock) -> None:
    vault = _setup(tmp_path, store, clock, f"{FRANCE}\n{PLANET}\n")
    before = card_by_front(store, "Which planet is the largest in the solar system")
    vault.write("a.md", HEAD + f"{FRANCE}\n")
    vault.write("b.md", HEAD + "Which planet is the largest in our solar system::Jupiter\n")
    report = import_vault(store, vault.root)
    assert (report.added, report.retired, report.moved) == (0, 0, 1)
    after = card_by_front(store, "Which planet is the largest in our solar system")
    assert after.card_id == before.card_id and after.path == "b.md"


def test_unrelated_new_card_elsewhere_is_not_taken_for_a_moved_one(
    tmp_path: Path, store: Store, clock: FixedClock
) -> None:
    vault = _setup(tmp_path, store, clock, f"{FRANCE}\n{PLANET}\n")
    planet = card_by_front(store, "Which planet is the largest in the solar system")
    vault.write("a.md", HEAD + f"{FRANCE}\n")
    vault.write("b.md", HEAD + "Which river is the longest in Europe::Volga\n")
    report = import_vault(store, vault.root)
    assert (report.added, report.retired) == (1, 1)
    assert card_by_front(store, "Which planet is the largest in the solar system").orphaned
    assert card_by_front(store, "Which river is the longest in Europe").card_id != planet.card_id
