"""Export options and bad input: one deck, no scheduling, existing or unwritable destinations,
unknown decks, media missing on disk. Packages are checked by importing them into a fresh
real Anki collection."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from importers.anki import import_package
from srs.clock import FixedClock
from srs.errors import NotFound, PackageError, UsageError
from srs.export import export_package
from srs.export.target import UPDATE_NOTICE
from srs.store import Store
from tests import anki_factory as factory


@pytest.fixture(scope="module")
def pkgs(tmp_path_factory: pytest.TempPathFactory) -> tuple[factory.Built, dict[str, Path]]:
    return factory.shared_packages(tmp_path_factory)


@pytest.fixture
def store(pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path) -> Any:
    built, packages = pkgs
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    s = Store.open(tmp_path / "c.db", clock=FixedClock(built.made_at, tz=tz))
    import_package(s, packages["legacy2"])
    yield s
    s.close()


def _only_package(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_one_deck_takes_its_children_and_every_card_of_its_notes(
    store: Store, tmp_path: Path, pkgs: tuple[factory.Built, dict[str, Path]]
) -> None:
    out = tmp_path / "child.apkg"
    report = export_package(store, out, deck="parent::child")  # Anki's names ignore case
    col = factory.anki_import(out, tmp_path / "anki")
    try:
        names = {d["name"] for d in col.decks.all()}
        assert {"Parent", "Parent::Child", "Parent::Child::Grandchild"} <= names
        original = factory.Collection(str(pkgs[0].path))
        try:
            want = set(
                original.db.list(
                    "select distinct n.guid from notes n join cards c on c.nid = n.id"
                    " join decks d on d.id = (case when c.odid != 0 then c.odid else c.did end)"
                    " where d.name like 'Parent\x1fChild%'"
                )
            )
        finally:
            original.close()
        assert want and set(col.db.list("select guid from notes")) == want
        assert report.notes == len(want)
    finally:
        col.close()


def test_without_scheduling_cards_are_new_and_no_history_goes(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "plain.apkg"
    report = export_package(store, out, scheduling=False)
    assert report.revlog == 0 and not report.scheduling
    col = factory.anki_import(out, tmp_path / "anki")
    try:
        assert col.db.list("select distinct type || '/' || queue from cards") == ["0/0"]
        assert col.db.scalar("select count() from revlog") == 0
        assert col.card_count() == report.cards > 0
    finally:
        col.close()


def test_existing_file_is_refused_unless_forced(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.apkg"
    out.write_bytes(b"precious")
    with pytest.raises(PackageError, match="already exists"):
        export_package(store, out)
    assert out.read_bytes() == b"precious"
    export_package(store, out, force=True)
    assert zipfile.ZipFile(out).read("meta") == b"\x08\x02"


def test_unknown_deck_is_an_error_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "dest"
    folder.mkdir()
    with pytest.raises(NotFound, match="'Nope'"):
        export_package(store, folder / "out.apkg", deck="Nope")
    with pytest.raises(UsageError, match="'Cram' is a filtered deck"):
        export_package(store, folder / "out.apkg", deck="Cram")
    assert _only_package(folder) == []


def test_unwritable_destination_is_one_clear_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="does not exist"):
        export_package(store, tmp_path / "missing" / "out.apkg")
    with pytest.raises(PackageError, match="is a folder"):
        export_package(store, tmp_path)
    with pytest.raises(PackageError, match="cannot write"):
        export_package(store, Path("/proc/srs-out.apkg"))  # no file can be made there


def test_failure_while_writing_leaves_nothing_behind(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "dest"
    folder.mkdir()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("srs.export.package.os.replace", broken)
    monkeypatch.setattr("srs.export.package.os.link", broken)
    with pytest.raises(PackageError, match="No space left"):
        export_package(store, folder / "out.apkg")
    assert _only_package(folder) == []


def test_missing_media_is_reported_and_the_export_goes_on(store: Store, tmp_path: Path) -> None:
    (store.media_dir / "x.mp3").unlink()
    out = tmp_path / "out.apkg"
    report = export_package(store, out)
    assert len(report.warnings) == 1 and "'x.mp3'" in report.warnings[0]
    assert report.media == 1
    col = factory.anki_import(out, tmp_path / "anki")
    try:
        assert sorted(p.name for p in Path(col.media.dir()).iterdir()) == ["pic.png"]
        assert col.card_count() == report.cards
    finally:
        col.close()


def test_the_dummy_collection_tells_old_ankis_to_update(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.apkg"
    export_package(store, out)
    with zipfile.ZipFile(out) as zin:
        assert zin.read("meta") == b"\x08\x02"
        assert json.loads(zin.read("media")) == {"0": "pic.png", "1": "x.mp3"}
        old = tmp_path / "as_seen_by_anki_2_0.apkg"  # legacy 1: only collection.anki2
        with zipfile.ZipFile(old, "w") as zout:
            zout.writestr("collection.anki2", zin.read("collection.anki2"))
            zout.writestr("media", "{}")
    col = factory.anki_import(old, tmp_path / "anki")
    try:
        assert col.db.list("select sfld from notes") == [UPDATE_NOTICE]
    finally:
        col.close()


def test_a_file_appearing_during_the_export_is_not_overwritten(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "dest"
    folder.mkdir()
    out = folder / "out.apkg"
    out.write_bytes(b"written by someone else meanwhile")

    def unchecked(*args: object, **kwargs: object) -> None:
        return None  # as if the file appeared after the destination was checked

    monkeypatch.setattr("srs.export.check_destination", unchecked)
    monkeypatch.setattr("srs.export.package.check_destination", unchecked)
    with pytest.raises(PackageError, match="already exists"):
        export_package(store, out)
    assert out.read_bytes() == b"written by someone else meanwhile"
    assert _only_package(folder) == ["out.apkg"]
