"""The review-log step's two paths (the package attached to the transaction, or batches of
tuples) and its bulk path (indexes dropped and rebuilt): same results, and a failure at any
point leaves the collection exactly as it was."""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection

from importers.anki import import_package
from srs import ingest_anki_revlog
from srs.ankipkg import open_package
from srs.ankipkg.collection import AnkiCollection
from srs.clock import FixedClock
from srs.errors import StoreError
from srs.ingest_anki_revlog import PACKAGE_ALIAS, RevlogWriter
from srs.store import Store
from tests import anki_factory as factory

Pkgs = tuple[factory.Built, dict[str, Path]]


@pytest.fixture(scope="module")
def pkgs(tmp_path_factory: pytest.TempPathFactory) -> Pkgs:
    return factory.shared_packages(tmp_path_factory)


def open_store(folder: Path, made_at: datetime) -> Store:
    return Store.open(folder / "c.db", clock=FixedClock(made_at))


def state(store: Store) -> dict[str, Any]:
    """Every row an import writes, the whole schema (indexes included) and the media."""
    with store.engine.connect() as conn:
        tables = ("presets", "decks", "notetypes", "notes", "cards", "revlog", "media", "config")
        out: dict[str, Any] = {
            t: conn.exec_driver_sql(f"select * from {t} order by 1").fetchall() for t in tables
        }
        out["schema"] = conn.exec_driver_sql(
            "select type, name, tbl_name, sql from sqlite_master order by name"
        ).fetchall()
    media = store.media_dir
    out["files"] = sorted(p.name for p in media.iterdir()) if media.exists() else []
    return out


def counts(report: Any) -> dict[str, tuple[int, int, int, int, tuple[str, ...]]]:
    return {
        k: (v.added, v.updated, v.unchanged, v.skipped, tuple(v.skipped_reasons))
        for k, v in report.kinds.items()
    }


def batches_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the importer read the review log through Python (no attached package)."""
    monkeypatch.setattr(AnkiCollection, "revlog_source", lambda self: None)


def watch_attach(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record the DB-API connection each import attaches its package to."""
    seen: list[Any] = []
    original = ingest_anki_revlog.attach_package

    def spy(session: Any, path: Path) -> None:
        seen.append(session.connection().connection.dbapi_connection)
        original(session, path)

    monkeypatch.setattr("srs.ingest_anki.attach_package", spy)
    return seen


PATHS = ("attached", "batches")


def take_path(monkeypatch: pytest.MonkeyPatch, path: str) -> list[Any]:
    """Make imports take review-log ``path`` (one of ``PATHS``); the connections they
    attach a package to (``watch_attach``), which the batches path never does."""
    seen = watch_attach(monkeypatch)
    if path == "batches":
        batches_only(monkeypatch)
    return seen


def attached_names(raw: Any) -> list[str]:
    return [str(r[1]) for r in raw.execute("pragma database_list")]


def temp_tables(raw: Any) -> list[str]:
    return [str(r[0]) for r in raw.execute("select name from temp.sqlite_master")]


def _variants(pkgs: Pkgs, folder: Path) -> tuple[Path, Path]:
    """Two edits of the fixture package with every case the review-log step meets on a
    later import. The first keeps every id: one new row, a row of a card the package does
    not have, and a note whose type changed (its cards, and so their rows, are skipped).
    The second puts the notes under other guids: their cards get new ids, so their rows
    are translated (which the attached path leaves to Python)."""
    built, paths = pkgs
    same_ids, moved = folder / "same_ids.apkg", folder / "moved.apkg"
    typein, reversed_ = built.notes["typein"], built.notes["reversed"]
    factory.modify_collection(
        paths["latest"],
        same_ids,
        [
            "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
            f" values (1700000000123, {built.cards['flagged']}, -1, 3, 4, 1, 2500, 4000, 1),"
            " (1700000000456, 424242, -1, 3, 1, 0, 2500, 4000, 1)",
            f"update notes set mid = (select mid from notes where id = {reversed_})"
            f" where id = {typein}",
        ],
    )
    factory.modify_collection(
        paths["latest"], moved, [f"update notes set guid = guid || '-moved' where id != {typein}"]
    )
    return same_ids, moved


@pytest.mark.parametrize("fmt", ["latest", "legacy2", "legacy1"])
def test_package_review_log_is_attachable(pkgs: Pkgs, fmt: str) -> None:
    with open_package(pkgs[1][fmt]) as pkg:
        assert pkg.collection.revlog_source() == pkg.collection.sqlite_path


def test_review_log_comes_by_card_then_time(pkgs: Pkgs) -> None:
    with open_package(pkgs[1]["latest"]) as pkg:
        rows = [r for batch in pkg.collection.iter_revlog() for r in batch]
        expected = pkg.collection.conn.execute(
            "select cid, id, ease, type, lastIvl, ivl, factor, time from revlog"
        ).fetchall()
    assert len(rows) > 10
    assert rows == sorted(expected)


@pytest.mark.parametrize("reindex_min", [1, 10**9])
def test_attached_and_batch_paths_give_the_same_collection(
    pkgs: Pkgs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reindex_min: int
) -> None:
    built, paths = pkgs
    monkeypatch.setattr(ingest_anki_revlog, "_REINDEX_MIN_ROWS", reindex_min)
    same_ids, moved = _variants(pkgs, tmp_path)
    results = []
    for name in PATHS:
        with monkeypatch.context() as patch:
            attached = take_path(patch, name)
            store = open_store(tmp_path / name, built.made_at)
            sequence = (paths["latest"], same_ids, moved, moved)
            reports = [import_package(store, p) for p in sequence]
            assert len(attached) == (2 if name == "attached" else 0)
        # review-log rows compared without their own id: SQLite numbers them in insertion
        # order, which differs between the paths (the attached one copies by time spans)
        final = state(store)
        final["revlog"] = sorted(r[1:] for r in final["revlog"])
        results.append(([counts(r) for r in reports], final))
    for key in results[0][1]:
        assert results[0][1][key] == results[1][1][key], key
    assert results[0] == results[1]
    first, second, third, fourth = results[0][0]
    with open_package(same_ids) as pkg:  # the stray row and those of the skipped note
        total, not_imported = pkg.collection.conn.execute(
            "select count(), sum(cid not in (select id from cards)"
            " or cid in (select id from cards where nid = ?)) from revlog",
            (built.notes["typein"],),
        ).fetchone()
    reason = ("review-log row of a card that was not imported",)
    assert not_imported > 1 and second["cards"][3] > 0
    assert second["revlog"] == (1, 0, total - not_imported - 1, not_imported, reason)
    assert third["revlog"][0] > 0 and third["revlog"][3] == 0  # the moved notes' rows
    assert third["revlog"][0] + third["revlog"][2] == first["revlog"][0]
    assert fourth["revlog"][:4] == (0, 0, first["revlog"][0], 0)


def test_a_failed_bulk_import_restores_the_exact_previous_state(
    pkgs: Pkgs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, paths = pkgs
    monkeypatch.setattr(ingest_anki_revlog, "_REINDEX_MIN_ROWS", 1)
    half = tmp_path / "half.apkg"  # fewer rows than the full package: the bulk path runs
    factory.modify_collection(paths["latest"], half, ["delete from revlog where id % 2 = 0"])
    seen = watch_attach(monkeypatch)
    store = open_store(tmp_path, built.made_at)
    import_package(store, half)
    before = state(store)
    index_sql = [s for s in before["schema"] if s[0] == "index" and s[2] == "revlog" and s[3]]
    assert index_sql  # the plain index the bulk path drops

    original = ingest_anki_revlog._bulk_indexes

    @contextmanager
    def fail_inside(conn: Connection, incoming: int) -> Iterator[None]:
        with original(conn, incoming):
            dropped = conn.exec_driver_sql(
                "select count() from sqlite_master where type = 'index' and sql is not null"
                " and tbl_name = 'revlog'"
            ).scalar()
            assert dropped == 0
            yield
            raise RuntimeError("boom with the indexes dropped")

    def fail_after(method: Callable[..., None]) -> Callable[..., None]:
        def run(*args: Any, **kwargs: Any) -> None:
            method(*args, **kwargs)
            raise RuntimeError("boom after the review log")

        return run

    for path in PATHS:
        with monkeypatch.context() as patch:
            if path == "batches":
                batches_only(patch)
            patch.setattr(ingest_anki_revlog, "_bulk_indexes", fail_inside)
            with pytest.raises(RuntimeError, match="indexes dropped"):
                import_package(store, paths["latest"])
            assert state(store) == before
            patch.setattr(ingest_anki_revlog, "_bulk_indexes", original)
            patch.setattr(RevlogWriter, "from_attached", fail_after(RevlogWriter.from_attached))
            patch.setattr(RevlogWriter, "from_batches", fail_after(RevlogWriter.from_batches))
            with pytest.raises(RuntimeError, match="after the review log"):
                import_package(store, paths["latest"])
            assert state(store) == before
    assert len(seen) == 3  # the first import, then the attached path's two failures
    assert all(PACKAGE_ALIAS not in attached_names(raw) for raw in seen)
    assert all(not temp_tables(raw) for raw in seen)
    report = import_package(store, paths["latest"])  # and the connection is still usable
    after = state(store)
    assert after["schema"] == before["schema"]
    assert report.kind("revlog").added == len(after["revlog"]) - len(before["revlog"]) > 0


def test_package_is_detached_after_success_and_dry_run(
    pkgs: Pkgs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, paths = pkgs
    monkeypatch.setattr(ingest_anki_revlog, "_REINDEX_MIN_ROWS", 1)  # the bulk path too
    seen = watch_attach(monkeypatch)
    store = open_store(tmp_path, built.made_at)
    empty = state(store)
    dry = import_package(store, paths["latest"], dry_run=True)
    assert state(store) == empty  # rows, indexes and media
    real = import_package(store, paths["latest"])
    again = import_package(store, paths["legacy2"])
    assert len(seen) == 3
    for raw in seen:
        assert PACKAGE_ALIAS not in attached_names(raw)
        assert not temp_tables(raw)
    assert dry.kind("revlog").added == real.kind("revlog").added > 0
    assert again.kind("revlog").unchanged == real.kind("revlog").added


_ODD_REVLOGS = {
    "a view": [
        "alter table revlog rename to revlog_rows",
        "create view revlog as select * from revlog_rows",
    ],
    "no integer primary key": [
        "alter table revlog rename to revlog_rows",
        "create table revlog (id, cid integer not null, usn integer not null,"
        " ease integer not null, ivl integer not null, lastIvl integer not null,"
        " factor integer not null, time integer not null, type integer not null)",
        "insert into revlog select * from revlog_rows",
        "drop table revlog_rows",
    ],
}


@pytest.mark.parametrize("odd", sorted(_ODD_REVLOGS))
def test_an_unusual_review_log_table_is_read_through_python(
    pkgs: Pkgs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: str
) -> None:
    built, paths = pkgs
    changed = tmp_path / "odd.apkg"
    factory.modify_collection(paths["legacy2"], changed, _ODD_REVLOGS[odd])
    with open_package(changed) as pkg:
        assert pkg.collection.revlog_source() is None
    seen = watch_attach(monkeypatch)
    plain = import_package(open_store(tmp_path / "a", built.made_at), paths["legacy2"])
    via_python = import_package(open_store(tmp_path / "b", built.made_at), changed)
    assert len(seen) == 1  # only the plain package was attached
    assert counts(via_python) == counts(plain) and plain.kind("revlog").added > 0


def test_attach_failure_leaves_nothing_behind(
    pkgs: Pkgs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, paths = pkgs
    store = open_store(tmp_path, built.made_at)
    before = state(store)
    monkeypatch.setattr(
        AnkiCollection, "revlog_source", lambda self: tmp_path / "no" / "such" / "dir.db"
    )
    with pytest.raises(StoreError, match="cannot read the package's review log"):
        import_package(store, paths["latest"])
    assert state(store) == before


def test_a_utf16_collection_is_read_through_python(
    pkgs: Pkgs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, paths = pkgs
    with zipfile.ZipFile(paths["legacy2"]) as zin:
        (tmp_path / "utf8.db").write_bytes(zin.read("collection.anki21"))
    source = sqlite3.connect(tmp_path / "utf8.db")
    copy = sqlite3.connect(tmp_path / "utf16.db")
    copy.execute("pragma encoding = 'UTF-16le'")
    copy.executescript("\n".join(source.iterdump()))
    copy.close()
    source.close()
    utf16 = tmp_path / "utf16.apkg"
    factory.rewrite_zip(
        paths["legacy2"], utf16, {"collection.anki21": (tmp_path / "utf16.db").read_bytes()}
    )
    with open_package(utf16) as pkg:
        assert pkg.collection.conn.execute("pragma encoding").fetchone()[0] == "UTF-16le"
        assert pkg.collection.revlog_source() is None
    seen = watch_attach(monkeypatch)
    plain = import_package(open_store(tmp_path / "a", built.made_at), paths["legacy2"])
    wide = import_package(open_store(tmp_path / "b", built.made_at), utf16)
    assert len(seen) == 1
    assert counts(wide) == counts(plain) and plain.kind("revlog").added > 0


def test_progress_moves_while_the_attached_log_is_copied(
    pkgs: Pkgs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, paths = pkgs
    seen = watch_attach(monkeypatch)
    ticks: list[tuple[int, int]] = []
    report = import_package(
        open_store(tmp_path, built.made_at),
        paths["latest"],
        progress=lambda d, t: ticks.append((d, t)),
    )
    assert seen
    rows = report.kind("revlog").added
    total = ticks[-1][1]
    during = [d for d, _ in ticks if total - rows < d < total]
    assert len(during) >= 3  # several spans reported before the last
    assert [d for d, _ in ticks] == sorted(d for d, _ in ticks) and ticks[-1][0] == total


def test_answer_times_at_the_ends_of_64_bits_are_copied(
    pkgs: Pkgs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, paths = pkgs
    extreme = tmp_path / "extreme.apkg"
    card = built.cards["flagged"]
    factory.modify_collection(
        paths["latest"],
        extreme,
        [
            "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
            f" values ({2**63 - 1}, {card}, -1, 3, 4, 1, 2500, 4000, 1),"
            f" ({-(2**63)}, {card}, -1, 3, 4, 1, 2500, 4000, 1)"
        ],
    )
    outcomes = []
    for name in PATHS:
        with monkeypatch.context() as patch:
            seen = take_path(patch, name)
            store = open_store(tmp_path / name, built.made_at)
            report = import_package(store, extreme)
            assert bool(seen) == (name == "attached")
        with store.engine.connect() as conn:
            times = (
                conn.exec_driver_sql(
                    "select reviewed_at from revlog where card_id = ? order by reviewed_at", (card,)
                )
                .scalars()
                .all()
            )
        outcomes.append((counts(report), times))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1][0] == -(2**63) and outcomes[0][1][-1] == 2**63 - 1
