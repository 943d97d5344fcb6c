"""Obsidian vault -> srs -> export -> the real Anki: cards render with the expected HTML,
reviews made in srs arrive in Anki's review log, and a second export after more reviews and
an edit updates the notes in the same Anki collection instead of duplicating them.

Anki's clock is not faked, so srs's fixed clock is set around the real present: reviews
two days and one day ago, the export now.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from importers.vault import import_vault
from srs.clock import FixedClock
from srs.collection import Collection as SrsCollection
from srs.domain import Rating
from srs.export import export_package
from srs.models import Card, Note, ReviewLog
from srs.store import Store
from tests import anki_factory as factory
from tests.importers.test_vault_support import Vault, make_vault

NOTE = """#flashcards/geo

What is **bold** and $x^2$?::It is ![[pic.png]]

The capital of France is ==Paris==.

chien:::dog
"""


def _local_tz() -> Any:
    return datetime.now().astimezone().tzinfo


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Store, FixedClock, Vault]]:
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FixedClock(now - timedelta(days=2), tz=_local_tz())
    vault = make_vault(tmp_path)
    vault.write("Geo/France.md", NOTE)
    vault.write("Geo/pic.png", factory.PNG)
    store = Store.open(tmp_path / "c.db", clock=clock)
    import_vault(store, vault.root)
    yield store, clock, vault
    store.close()


def _card_ids(store: Store) -> dict[str, int]:
    """Card id by "front text/ord"."""
    with store.read() as s:
        return {
            f"{c.note.fields.split(chr(31))[0][:12]}/{c.ord}": c.id for c in s.scalars(select(Card))
        }


def _answer_all(store: Store, clock: FixedClock, rating: Rating) -> None:
    col = SrsCollection(store)
    for cid in _card_ids(store).values():
        col.answer(cid, rating, duration_ms=4000)
        clock.advance(timedelta(seconds=30))


def _question_answer(col: Any, front_prefix: str, ord_: int = 0) -> tuple[str, str]:
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        if card.note().fields[0].startswith(front_prefix) and card.ord == ord_:
            return card.question(), card.answer()
    raise AssertionError(f"no card {front_prefix!r}/{ord_}")


def test_vault_cards_render_in_anki_and_bring_their_history(
    setup: tuple[Store, FixedClock, Vault], tmp_path: Path
) -> None:
    store, clock, _ = setup
    _answer_all(store, clock, Rating.GOOD)
    clock.advance(timedelta(days=1))
    _answer_all(store, clock, Rating.GOOD)
    clock.set(datetime.now(UTC))
    out = tmp_path / "vault.apkg"
    report = export_package(store, out)
    assert (report.notes, report.cards, report.media, report.warnings) == (3, 4, 1, [])
    col = factory.anki_import(out, tmp_path / "anki")
    try:
        q, a = _question_answer(col, "What is")
        assert "What is <strong>bold</strong> and \\(x^2\\)?" in q
        assert 'It is <img src="pic.png">' in a
        q, a = _question_answer(col, "The capital")
        assert '<span class="cloze" data-cloze="Paris" data-ordinal="1">[...]</span>' in q
        assert '<span class="cloze" data-ordinal="1">Paris</span>' in a
        q, _ = _question_answer(col, "chien", 1)
        assert "dog" in q
        assert ".cloze {" in col.models.by_name("Obsidian Cloze")["css"]
        media = Path(col.media.dir()) / "pic.png"
        assert media.read_bytes() == factory.PNG
        assert {m["name"] for m in col.models.all()} >= {
            "Obsidian Basic",
            "Obsidian Cloze",
            "Obsidian Basic (and reversed)",
        }
        anki_log = sorted(
            tuple(r)
            for r in col.db.all("select id, ease, type, ivl, lastIvl, factor, time from revlog")
        )
        with store.read() as s:
            ours = sorted(
                (
                    int(r.reviewed_at.timestamp() * 1000),
                    r.rating,
                    r.kind,
                    r.interval_after,
                    r.interval_before,
                    r.factor,
                    r.duration_ms,
                )
                for r in s.scalars(select(ReviewLog))
            )
        assert len(ours) == 8 and anki_log == ours
        # every card was answered twice: review state with a memory, none new
        assert col.db.list("select distinct type from cards") == [2]
        assert col.db.scalar("select count() from cards where data like '%\"s\":%'") == 4
    finally:
        col.close()


def test_export_again_updates_the_notes_in_anki(
    setup: tuple[Store, FixedClock, Vault], tmp_path: Path
) -> None:
    store, clock, vault = setup
    _answer_all(store, clock, Rating.GOOD)
    clock.set(datetime.now(UTC) - timedelta(hours=1))
    first = tmp_path / "first.apkg"
    export_package(store, first)
    col = factory.anki_import(first, tmp_path / "anki")
    try:
        notes_before = col.note_count()
        guids_before = set(col.db.list("select guid from notes"))
        vault.write("Geo/France.md", NOTE.replace("dog", "hound"))
        clock.set(datetime.now(UTC))
        import_vault(store, vault.root)
        _answer_all(store, clock, Rating.EASY)
        second = tmp_path / "second.apkg"
        export_package(store, second)
        col.import_anki_package(
            factory.ImportAnkiPackageRequest(
                package_path=str(second),
                options=factory.ImportAnkiPackageOptions(with_scheduling=True),
            )
        )
        assert col.note_count() == notes_before == 3
        assert set(col.db.list("select guid from notes")) == guids_before
        assert "hound\x1f" in "\x1f".join(col.db.list("select flds || char(31) from notes"))
        assert col.card_count() == 4
    finally:
        col.close()
    with store.read() as s:
        assert {n.guid for n in s.scalars(select(Note))} == guids_before
