"""Import behaviour: idempotence, dry runs, newer notes, name clashes, renamed packages."""

from __future__ import annotations

import gc
import hashlib
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from importers.anki import import_package
from srs import ingest_anki, ingest_anki_revlog
from srs.clock import FixedClock
from srs.errors import PackageError
from srs.ingest_anki_media import rewrite_media_refs
from srs.models import Card, Note, Notetype, Preset, ReviewLog
from srs.store import Store
from tests import anki_factory as factory
from tests.anki_factory import Collection


@pytest.fixture(scope="module")
def pkgs(tmp_path_factory: pytest.TempPathFactory) -> tuple[factory.Built, dict[str, Path]]:
    return factory.shared_packages(tmp_path_factory)


def open_store(folder: Path, made_at: datetime) -> Store:
    return Store.open(folder / "c.db", clock=FixedClock(made_at))


def snapshot(store: Store) -> dict[str, Any]:
    """Every row of the tables an import writes, for before/after comparisons."""
    with store.engine.connect() as conn:
        tables = ("presets", "decks", "notetypes", "notes", "cards", "revlog", "media")
        return {t: conn.exec_driver_sql(f"select * from {t} order by 1").fetchall() for t in tables}


def counts(report: Any) -> dict[str, tuple[int, int, int, int]]:
    return {k: (v.added, v.updated, v.unchanged, v.skipped) for k, v in report.kinds.items()}


def test_same_package_twice_changes_nothing(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = pkgs
    store = open_store(tmp_path, built.made_at)
    first = import_package(store, paths["latest"])
    before = snapshot(store)
    second = import_package(store, paths["latest"])
    assert snapshot(store) == before
    for kind, rep in second.kinds.items():
        assert (rep.added, rep.updated, rep.skipped) == (0, 0, 0), kind
        assert rep.unchanged == first.kind(kind).added, kind
    # the same collection in another format is the same data: nothing changes either
    third = import_package(store, paths["legacy2"])
    assert snapshot(store) == before
    assert all(rep.added == 0 and rep.updated == 0 for rep in third.kinds.values())


def test_dry_run_reports_and_writes_nothing(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = pkgs
    store = open_store(tmp_path, built.made_at)
    empty = snapshot(store)
    dry = import_package(store, paths["latest"], dry_run=True)
    assert snapshot(store) == empty
    assert not store.media_dir.exists() or not any(store.media_dir.iterdir())
    real = import_package(store, paths["latest"])
    assert counts(dry) == counts(real)
    assert dry.to_json()["dry_run"] is True
    assert real.to_json()["kinds"]["notes"]["added"] == real.kind("notes").added > 0


def test_progress_reaches_total(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = pkgs
    seen: list[tuple[int, int]] = []
    import_package(
        open_store(tmp_path, built.made_at),
        paths["latest"],
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen and seen[-1][0] == seen[-1][1] > 0
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))


def _edited_package(built: factory.Built, folder: Path, nid: int, front: str) -> Path:
    """The fixture collection with note ``nid``'s first field changed, a minute later."""
    copy = factory.copy_collection(built, folder / "col")
    col = Collection(str(copy))
    try:
        note = col.get_note(nid)
        note.fields[0] = front
        col.update_note(note)
        col.db.execute("update notes set mod=mod+60 where id=?", nid)
    finally:
        col.close()
    out = factory.export_all(factory.Built(copy, built.made_at, built.today), folder / "out")
    return out["latest"]


def test_newer_note_updates_fields_and_keeps_scheduling(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = pkgs
    nid = built.notes["typein"]
    edited = _edited_package(built, tmp_path / "edit", nid, "Capital of <b>France</b>?")
    store = open_store(tmp_path, built.made_at)
    import_package(store, paths["latest"])
    with store.read() as s:
        cards_before = [
            (c.id, c.state, c.due, c.stability, c.reps)
            for c in s.scalars(select(Card).where(Card.note_id == nid))
        ]
        revlog_before = s.scalar(select(func.count()).select_from(ReviewLog))
    report = import_package(store, edited)
    assert report.kind("notes").updated == 1
    assert report.kind("notes").added == 0
    assert report.kind("revlog").added == 0
    with store.read() as s:
        note = s.get(Note, nid)
        assert note is not None and note.fields.startswith("Capital of <b>France</b>?\x1f")
        assert [
            (c.id, c.state, c.due, c.stability, c.reps)
            for c in s.scalars(select(Card).where(Card.note_id == nid))
        ] == cards_before
        assert s.scalar(select(func.count()).select_from(ReviewLog)) == revlog_before
    # and the older package does not overwrite the newer note
    older = import_package(store, paths["latest"])
    assert older.kind("notes").updated == 0
    assert older.kind("notes").skipped == 1
    assert "newer" in older.kind("notes").skipped_reasons[0]


def test_notetype_name_clash_imports_under_new_name(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = pkgs
    store = open_store(tmp_path, built.made_at)
    with store.write() as s:
        s.add(
            Notetype(
                name="Basic",
                fields=[{"name": "Q"}, {"name": "A"}],
                templates=[{"name": "C", "qfmt": "{{Q}}", "afmt": "{{A}}"}],
                modified_at=built.made_at,
            )
        )
    report = import_package(store, paths["latest"])
    assert any("'Basic+'" in n for n in report.notices)
    with store.read() as s:
        ours = s.scalars(select(Notetype).where(Notetype.name == "Basic")).one()
        assert [f["name"] for f in ours.fields] == ["Q", "A"]  # untouched
        plus = s.scalars(select(Notetype).where(Notetype.name == "Basic+")).one()
        assert [f["name"] for f in plus.fields] == ["Front", "Back"]
        note = s.get(Note, built.notes["basic"])
        assert note is not None and note.notetype_id == plus.id


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("colpkg", ".apkg"), ("latest", ".colpkg"), ("colpkg_legacy", ".apkg")]
)
def test_renamed_packages_import_by_content(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path, fmt: str, suffix: str
) -> None:
    built, paths = pkgs
    renamed = tmp_path / f"renamed{suffix}"
    shutil.copy(paths[fmt], renamed)
    direct = import_package(open_store(tmp_path / "a", built.made_at), paths[fmt])
    via_rename = import_package(open_store(tmp_path / "b", built.made_at), renamed)
    assert counts(direct) == counts(via_rename)
    assert via_rename.kind("cards").added > 0


def test_ids_kept_when_free_and_moved_when_taken(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = pkgs
    store = open_store(tmp_path, built.made_at)
    import_package(store, paths["latest"])
    # a second collection whose notes reuse the same ids but other guids
    other = tmp_path / "other"
    factory.modify_collection(
        paths["legacy2"], other.with_suffix(".apkg"), ["update notes set guid = guid || '-moved'"]
    )
    report = import_package(store, other.with_suffix(".apkg"))
    assert report.kind("notes").added == len(built.notes)
    with store.read() as s:
        moved = s.scalars(select(Note).where(Note.guid.like("%-moved"))).all()
        assert all(n.extra["anki_id"] != n.id for n in moved)
        assert {n.extra["anki_id"] for n in moved} == set(built.notes.values())


def test_same_settings_preset_is_reused_by_name(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = pkgs
    store = open_store(tmp_path, built.made_at)
    with store.write() as s:
        s.add(Preset(name="Default"))  # srs's defaults are Anki's defaults
    report = import_package(store, paths["legacy2"])
    with store.read() as s:
        names = sorted(p.name for p in s.scalars(select(Preset)))
    assert names == ["Default", "Slow steps"]
    assert report.kind("presets").unchanged == 1 and report.kind("presets").added == 1


def test_media_name_taken_by_other_content_is_kept_and_renamed(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = pkgs
    store = open_store(tmp_path, built.made_at)
    store.media_dir.mkdir(parents=True)
    (store.media_dir / "pic.png").write_bytes(b"my own picture")
    report = import_package(store, paths["latest"])
    media = report.kind("media")
    assert (media.added, media.skipped) == (2, 0)
    new_name = f"pic-{hashlib.sha1(factory.PNG).hexdigest()}.png"
    assert any(repr(new_name) in n for n in report.notices)
    assert (store.media_dir / "pic.png").read_bytes() == b"my own picture"
    assert (store.media_dir / new_name).read_bytes() == factory.PNG
    assert (store.media_dir / "x.mp3").read_bytes() == factory.MP3
    with store.read() as s:
        note = s.get(Note, built.notes["media"])
        assert note is not None
        assert f'<img src="{new_name}">' in note.fields and "[sound:x.mp3]" in note.fields
    again = import_package(store, paths["latest"])  # still idempotent
    assert again.kind("media").unchanged == 2 and again.kind("notes").updated == 0
    assert again.kind("notes").unchanged == report.kind("notes").added


def test_rewrite_media_refs_touches_only_references() -> None:
    fields = '<img src="a.png"> a.png <img src=a.png> [sound:a.png] <img src="a.png.bak">'
    assert rewrite_media_refs(fields, {"a.png": "a-1.png"}) == (
        '<img src="a-1.png"> a.png <img src=a-1.png> [sound:a-1.png] <img src="a.png.bak">'
    )


def test_bulk_path_rebuilds_revlog_indexes(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, paths = pkgs
    monkeypatch.setattr(ingest_anki_revlog, "_REINDEX_MIN_ROWS", 1)

    def indexes(store: Store) -> list[tuple[str, str]]:
        with store.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.exec_driver_sql(
                    "select name, sql from sqlite_master where tbl_name = 'revlog' order by name"
                )
            ]

    store = open_store(tmp_path, built.made_at)
    before = indexes(store)
    bad = tmp_path / "bad.apkg"
    factory.rewrite_zip(paths["latest"], bad, {"1": b"not zstd"})  # fails staging media
    with pytest.raises(PackageError):
        import_package(store, bad)
    assert indexes(store) == before
    report = import_package(store, paths["latest"])
    assert indexes(store) == before
    assert report.kind("revlog").added > 0
    again = import_package(store, paths["legacy2"])
    assert again.kind("revlog").added == 0
    assert again.kind("revlog").unchanged == report.kind("revlog").added


def test_note_whose_type_changed_is_skipped_with_its_cards(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = pkgs
    store = open_store(tmp_path, built.made_at)
    import_package(store, paths["latest"])
    before = snapshot(store)
    nid, other = built.notes["reversed"], built.notes["typein"]
    changed = tmp_path / "changed.apkg"
    factory.modify_collection(
        paths["legacy2"],
        changed,
        [f"update notes set mid = (select mid from notes where id = {other}) where id = {nid}"],
    )
    report = import_package(store, changed)
    assert report.kind("notes").skipped == 1
    assert report.kind("cards").skipped == 2  # both cards of the reversed note
    assert report.kind("cards").added == 0
    assert snapshot(store) == before


@pytest.mark.parametrize("enabled", [True, False])
def test_cyclic_gc_is_paused_during_an_import_and_restored(
    pkgs: tuple[factory.Built, dict[str, Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    enabled: bool,
) -> None:
    built, paths = pkgs
    store = open_store(tmp_path, built.made_at)
    during: list[bool] = []
    original = ingest_anki.ingest_anki

    def spy(*args: Any, **kwargs: Any) -> Any:
        during.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr("importers.anki.ingest_anki", spy)
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert import_package(store, paths["latest"]).kind("cards").added > 0
        assert gc.isenabled() == enabled
        with pytest.raises(PackageError):
            import_package(store, tmp_path / "missing.apkg")
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert during == [False]
