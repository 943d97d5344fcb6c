"""Store: migrations equal the models, too-new and foreign databases are refused, pragmas."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from srs.clock import FixedClock
from srs.errors import SchemaTooNew, StoreError
from srs.models import Base, Card
from srs.store import Store, _make_engine, default_collection_path, media_dir_for


def _migrated_by_alembic(path: Path, clock: FixedClock) -> Store:
    """A store whose empty database was brought up by the Alembic migrations themselves."""
    store = Store(path=path, engine=_make_engine(path), clock=clock)
    store._migrate_with_alembic()
    return store


def _schema(store: Store) -> dict[str, object]:
    """Tables (columns, keys, constraints), indexes, triggers and the stamped version,
    comparably."""
    out: dict[str, object] = {}
    with store.engine.connect() as conn:
        found = inspect(conn)
        for table in sorted(found.get_table_names()):
            out[table] = (
                [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
                found.get_pk_constraint(table)["constrained_columns"],
                sorted(
                    (fk["constrained_columns"], fk["referred_table"], fk["options"])
                    for fk in found.get_foreign_keys(table)
                ),
                sorted(u["column_names"] for u in found.get_unique_constraints(table)),
                sorted(
                    (i["name"], i["column_names"], i["unique"]) for i in found.get_indexes(table)
                ),
            )
        for kind in ("index", "trigger"):
            out[kind] = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = ? ORDER BY name", (kind,)
            ).all()
        out["version"] = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    return out


def test_upgrading_an_empty_database_yields_exactly_the_models(
    tmp_path: Path, clock: FixedClock
) -> None:
    store = _migrated_by_alembic(tmp_path / "c.db", clock)
    try:
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        store.close()


def test_a_new_collection_gets_the_schema_the_migrations_make(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    # Store.open creates a new collection from the models without loading Alembic.
    migrated = _migrated_by_alembic(tmp_path / "m.db", clock)
    try:
        assert _schema(store) == _schema(migrated)
    finally:
        migrated.close()


def test_pragmas_wal_foreign_keys_busy_timeout(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000


def test_a_newer_schema_is_refused(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "c.db"
    Store.open(path, clock=clock).close()
    with sqlite3.connect(path) as conn:
        conn.execute("update alembic_version set version_num = '9999_from_the_future'")
    with pytest.raises(SchemaTooNew, match="newer than this srs"):
        Store.open(path, clock=clock)


def test_a_foreign_database_is_refused_and_left_alone(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table notes (id integer)")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not an srs collection"):
        Store.open(path, clock=clock)
    assert path.read_bytes() == before


def test_not_a_database_at_all(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="junk.db"):
        Store.open(path, clock=clock)


def test_a_failed_write_transaction_changes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as session:
        session.execute(text("insert into config (key, value) values ('x', '1')"))
        raise RuntimeError("boom")
    with store.read() as session:
        assert session.execute(text("select count(*) from config where key='x'")).scalar() == 0


def test_foreign_keys_are_enforced(store: Store) -> None:
    from sqlalchemy.exc import IntegrityError

    from srs.clock import from_ms

    with pytest.raises(IntegrityError), store.write() as session:
        t = from_ms(0)
        session.add(Card(note_id=12345, deck_id=1, created_at=t, modified_at=t, extra={}))
        session.flush()


def test_default_path_honours_srs_db(tmp_path: Path) -> None:
    assert default_collection_path({"SRS_DB": str(tmp_path / "x.db")}) == tmp_path / "x.db"
    assert default_collection_path({}).name == "collection.db"
    assert media_dir_for(tmp_path / "x.db") == tmp_path / "x.media"


def test_two_writers_queue_instead_of_failing(store: Store, tmp_path: Path) -> None:
    other = Store.open(store.path, clock=store.clock)
    try:
        with store.write() as s1:
            s1.execute(text("insert into config (key, value) values ('a', '1')"))
        with other.write() as s2:
            s2.execute(text("insert into config (key, value) values ('b', '2')"))
        engine = create_engine(f"sqlite:///{store.path}")
        with engine.connect() as conn:
            keys = conn.execute(text("select key from config where key in ('a', 'b')")).all()
            assert len(keys) == 2
        engine.dispose()
    finally:
        other.close()


def test_schema_head_constant_is_alembics_head() -> None:
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from srs.store import SCHEMA_HEAD

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("migrations")))
    assert ScriptDirectory.from_config(cfg).get_heads() == [SCHEMA_HEAD]


def test_generation_moves_with_every_changing_write_from_any_store(store: Store) -> None:
    with store.read() as session:
        start = Store.generation(session)
    with store.write() as session:
        session.execute(text("insert into config (key, value) values ('g', '1')"))
    assert session.info["generation"] == (start, start + 1)
    other = Store.open(store.path, clock=store.clock)
    try:
        with other.write() as session:
            session.execute(text("update config set value = '2' where key = 'g'"))
        with store.read() as session:
            assert Store.generation(session) == start + 2
    finally:
        other.close()


def test_generation_stays_when_nothing_changed_or_rolled_back(store: Store) -> None:
    with store.read() as session:
        start = Store.generation(session)
    with store.write() as session:
        session.execute(text("select count(*) from cards")).scalar()
    assert "generation" not in session.info
    with pytest.raises(RuntimeError), store.write() as session:
        session.execute(text("insert into config (key, value) values ('h', '1')"))
        raise RuntimeError("boom")
    with store.read() as session:
        assert Store.generation(session) == start


def test_raw_transactions_share_one_kept_connection_and_nest_onto_the_pool(store: Store) -> None:
    with store.raw_read() as outer:
        kept = outer.db
        # A second raw transaction while the kept connection is busy takes a pooled one.
        with store.raw_read() as inner:
            assert inner.db is not kept
    with pytest.raises(RuntimeError):
        with store.raw_write() as tx:
            assert tx.db is kept
            tx.db.execute("INSERT INTO config (key, value) VALUES ('k', '1')")
            raise RuntimeError("fail mid-write")
    with store.raw_write() as tx:
        assert tx.db is kept and tx.db.in_transaction  # rolled back, then reused
        assert tx.db.execute("SELECT count(*) FROM config WHERE key = 'k'").fetchone()[0] == 0


def test_overlapped_work_runs_during_the_commit_and_keeps_its_error(store: Store) -> None:
    with store.raw_write() as tx:
        tx.db.execute("INSERT INTO config (key, value) VALUES ('a', '1')")
        tx.overlap = lambda: 42
    assert tx.overlap_ran and tx.overlap_result == 42 and tx.overlap_error is None

    def broken() -> int:
        raise ValueError("no")

    with store.raw_write() as tx:
        tx.db.execute("INSERT INTO config (key, value) VALUES ('b', '1')")
        tx.overlap = broken
    assert tx.overlap_ran and isinstance(tx.overlap_error, ValueError)
    with store.raw_read() as check:  # both writes committed
        keys = {r[0] for r in check.db.execute("SELECT key FROM config WHERE key IN ('a', 'b')")}
    assert keys == {"a", "b"}


def test_overlapped_work_from_two_threads_at_once_runs_both(store: Store) -> None:
    import threading

    inside = threading.Event()
    release = threading.Event()
    seen: list[str] = []

    def slow() -> str:
        inside.set()
        release.wait(10)
        return "first"

    def first() -> None:
        with store.raw_write() as tx:
            tx.db.execute("INSERT INTO config (key, value) VALUES ('t1', '1')")
            tx.overlap = slow
        seen.append(tx.overlap_result)

    runner = threading.Thread(target=first)
    runner.start()
    assert inside.wait(10)
    # The helper is busy with the first commit's work: the second runs its own after commit.
    with store.raw_write() as tx:
        tx.db.execute("INSERT INTO config (key, value) VALUES ('t2', '1')")
        tx.overlap = lambda: threading.current_thread().name
    release.set()
    runner.join(10)
    assert tx.overlap_ran and tx.overlap_result == threading.current_thread().name
    assert seen == ["first"]


def test_the_review_log_keeps_its_rows_through_the_stats_columns_migration(
    tmp_path: Path, clock: FixedClock
) -> None:
    """0002 <-> 0003 builds revlog again, with or without its generated columns: every row
    keeps its id and values, the columns equal their expressions, the epoch stays, and the
    triggers are back."""
    from alembic import command

    from srs.revlog_codes import CODE_SQL, STABILITY_SQL
    from srs.store import _alembic_config
    from tests.srs.test_stats import Col

    path = tmp_path / "c.db"
    col = Col(path)
    card = col.card()
    for i, (kind, rating, ivl, stability) in enumerate(
        [(0, 3, -600, None), (1, 1, 30, 12.5), (3, 4, 3, 0.25), (4, 0, 0, 2.0**40), (9, 12, 1, 3.0)]
    ):
        col.review(
            card, col.day(-10 + i), rating=rating, kind=kind, before=ivl, stability=stability
        )
    with col.store.write() as s:
        s.execute(text("DELETE FROM revlog WHERE id = 2"))
    col.store.close()
    plain = "id, card_id, reviewed_at, rating, kind, interval_before, factor, stability"

    def rows() -> list[tuple[object, ...]]:
        with sqlite3.connect(path) as db:
            return db.execute(f"SELECT {plain} FROM revlog ORDER BY id").fetchall()

    def epoch() -> object:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT value FROM config WHERE key = 'srs.revlog_epoch'").fetchone()

    kept, epoch_before = rows(), epoch()
    assert len(kept) == 4 and epoch_before == (1,)
    engine = _make_engine(path)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    engine.dispose()
    assert rows() == kept and epoch() == epoch_before
    store = Store.open(path, clock=clock)  # brought up to the head again
    with store.read() as s:
        found = s.execute(
            text(f"SELECT stats_code, {CODE_SQL}, stats_stability, {STABILITY_SQL} FROM revlog")
        ).all()
        triggers = s.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"))
        assert triggers.scalar_one() == 2
    assert [(a, c) for a, _, c, _ in found] == [(b, d) for _, b, _, d in found]
    assert rows() == kept and epoch() == epoch_before
    with store.write() as s:
        s.execute(text("DELETE FROM revlog WHERE id = 1"))
    assert epoch() == (2,)
    store.close()
