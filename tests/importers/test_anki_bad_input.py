"""Bad packages, each built from a real Anki package: a one-line PackageError, and the
collection and its media folder left exactly as they were."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zstandard

from importers.anki import import_package
from srs.ankipkg import Limits, proto
from srs.clock import FixedClock
from srs.errors import PackageError
from srs.store import Store
from tests import anki_factory as factory


@pytest.fixture(scope="module")
def pkgs(tmp_path_factory: pytest.TempPathFactory) -> tuple[factory.Built, dict[str, Path]]:
    return factory.shared_packages(tmp_path_factory)


def state(store: Store) -> tuple[Any, ...]:
    with store.engine.connect() as conn:
        rows = tuple(
            conn.exec_driver_sql(f"select * from {t} order by 1").fetchall()
            for t in ("presets", "decks", "notetypes", "notes", "cards", "revlog", "media")
        )
    files = sorted(p.name for p in store.media_dir.iterdir()) if store.media_dir.exists() else []
    return rows, tuple(files)


def media_map_latest(names: list[str]) -> bytes:
    entries = proto.new("MediaEntries")
    for name in names:
        entries.entries.add(name=name, size=1, sha1=b"\x01" * 20)
    return bytes(zstandard.ZstdCompressor().compress(entries.SerializeToString()))


def _not_zip(src: dict[str, Path], dst: Path) -> None:
    dst.write_text("this is not a zip\n")


def _truncated(src: dict[str, Path], dst: Path) -> None:
    data = src["latest"].read_bytes()
    dst.write_bytes(data[: len(data) // 2])


def _no_collection(src: dict[str, Path], dst: Path) -> None:
    factory.rewrite_zip(
        src["legacy2"], dst, {"collection.anki21": None, "collection.anki2": None, "meta": None}
    )


def _corrupt_sqlite(src: dict[str, Path], dst: Path) -> None:
    factory.rewrite_zip(
        src["legacy2"], dst, {"collection.anki21": b"SQLite format 3\x00" + b"\x13" * 8000}
    )


def _corrupt_zstd(src: dict[str, Path], dst: Path) -> None:
    factory.rewrite_zip(src["latest"], dst, {"collection.anki21b": b"not zstd at all"})


def _version_too_new(src: dict[str, Path], dst: Path) -> None:
    factory.rewrite_zip(src["latest"], dst, {"meta": b"\x08\x04"})


def _version_unknown(src: dict[str, Path], dst: Path) -> None:
    factory.rewrite_zip(src["latest"], dst, {"meta": b"\x08\x00"})


def _schema_too_new(src: dict[str, Path], dst: Path) -> None:
    factory.modify_collection(src["legacy2"], dst, ["update col set ver = 19"])


def _schema_too_old(src: dict[str, Path], dst: Path) -> None:
    factory.modify_collection(src["latest"], dst, ["update col set ver = 10"])


def _bad_name(name: str) -> Callable[[dict[str, Path], Path], None]:
    def make(src: dict[str, Path], dst: Path) -> None:
        factory.rewrite_zip(
            src["legacy2"], dst, {"media": json.dumps({"0": name, "1": "x.mp3"}).encode()}
        )

    return make


def _bad_name_latest(src: dict[str, Path], dst: Path) -> None:
    factory.rewrite_zip(src["latest"], dst, {"media": media_map_latest(["../up.png", "x"])})


def _missing_member(src: dict[str, Path], dst: Path) -> None:
    factory.rewrite_zip(
        src["legacy2"],
        dst,
        {"media": json.dumps({"0": "pic.png", "1": "x.mp3", "7": "ghost.png"}).encode()},
    )


def _missing_member_latest(src: dict[str, Path], dst: Path) -> None:
    factory.rewrite_zip(src["latest"], dst, {"1": None})


def _bomb(src: dict[str, Path], dst: Path) -> None:
    zeros = zstandard.ZstdCompressor(level=3).compress(b"\x00" * (40 << 20))
    factory.rewrite_zip(src["latest"], dst, {"0": zeros})


def _deflate_bomb(src: dict[str, Path], dst: Path) -> None:
    with (
        zipfile.ZipFile(src["legacy2"]) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = b"\x00" * (40 << 20) if info.filename == "0" else zin.read(info.filename)
            zout.writestr(info.filename, data)


def _field_count(src: dict[str, Path], dst: Path) -> None:
    factory.modify_collection(
        src["latest"],
        dst,
        [
            "update notes set flds = flds || char(31) || 'extra'"
            " where id = (select min(id) from notes)"
        ],
    )


def _card_without_note(src: dict[str, Path], dst: Path) -> None:
    factory.modify_collection(
        src["legacy2"], dst, ["delete from notes where id = (select min(id) from notes)"]
    )


def _missing_notetype(src: dict[str, Path], dst: Path) -> None:
    factory.modify_collection(
        src["legacy2"], dst, ["update notes set mid = 42 where id = (select min(id) from notes)"]
    )


def _garbage_media_member(src: dict[str, Path], dst: Path) -> None:
    # fails only while media are being written, after the database rows: tests the rollback
    factory.rewrite_zip(src["latest"], dst, {"1": b"not zstd"})


CASES: dict[str, tuple[Callable[[dict[str, Path], Path], None], str]] = {
    "not_zip": (_not_zip, "not a readable zip"),
    "truncated": (_truncated, "zip"),
    "no_collection": (_no_collection, "no Anki collection"),
    "corrupt_sqlite": (_corrupt_sqlite, "not a readable SQLite"),
    "corrupt_zstd": (_corrupt_zstd, "not zstd"),
    "version_too_new": (_version_too_new, "package version 4"),
    "version_unknown": (_version_unknown, "package version 0"),
    "schema_too_new": (_schema_too_new, "schema 19"),
    "schema_too_old": (_schema_too_old, "schema 10"),
    "slash": (_bad_name("a/b.png"), "unsafe media file name"),
    "dotdot": (_bad_name("../evil.png"), "unsafe media file name"),
    "backslash": (_bad_name("..\\evil.png"), "unsafe media file name"),
    "absolute": (_bad_name("/etc/passwd"), "unsafe media file name"),
    "nul": (_bad_name("a\x00.png"), "unsafe media file name"),
    "not_nfc": (_bad_name("cafe\u0301.png"), "NFC"),
    "dotdot_latest": (_bad_name_latest, "unsafe media file name"),
    "missing_member": (_missing_member, "missing"),
    "missing_member_latest": (_missing_member_latest, "missing"),
    "zstd_bomb": (_bomb, "zip bomb"),
    "deflate_bomb": (_deflate_bomb, "zip bomb"),
    "field_count": (_field_count, "fields but its note type"),
    "card_without_note": (_card_without_note, "missing note"),
    "missing_notetype": (_missing_notetype, "missing note type"),
    "garbage_media": (_garbage_media_member, "not zstd"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_package_is_refused_and_nothing_changes(
    case: str, pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    built, paths = pkgs
    make, expected = CASES[case]
    bad = tmp_path / f"{case}.apkg"
    make(paths, bad)
    store = Store.open(tmp_path / "c.db", clock=FixedClock(built.made_at))
    import_package(store, paths["legacy1"])  # a collection with content to protect
    before = state(store)
    with pytest.raises(PackageError) as info:
        import_package(store, bad)
    message = str(info.value)
    assert "\n" not in message
    assert str(bad) in message
    assert expected in message
    assert state(store) == before
    assert not (tmp_path / "etc").exists() and not (tmp_path / "evil.png").exists()


def test_total_size_cap(pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path) -> None:
    built, paths = pkgs
    store = Store.open(tmp_path / "c.db", clock=FixedClock(built.made_at))
    with pytest.raises(PackageError, match="decompressed size exceeds"):
        import_package(store, paths["latest"], limits=Limits(max_total=10_000))
    assert all(rows == [] for rows in state(store)[0])
