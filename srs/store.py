"""Provides ``Store``, the one facade over a collection database: opening, migrating,
and transactions.

A collection is a SQLite file (WAL, foreign keys on, a busy timeout) plus a media folder
beside it. ``Store.open`` creates or upgrades the schema with Alembic and refuses a database
written by a newer srs. Every unit of work is one transaction: ``store.write()`` takes the
write lock up front (``BEGIN IMMEDIATE``), so two writers queue instead of failing half-way;
``store.read()`` is a plain deferred transaction that WAL lets run beside a writer.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from srs.clock import Clock, SystemClock
from srs.errors import CollectionLocked, SchemaTooNew, StoreError

if TYPE_CHECKING:
    from alembic.config import Config

BUSY_TIMEOUT_S = 30.0
CACHE_KIB = 16_000
"""SQLite's page cache per connection (KiB)."""
SCHEMA_HEAD = "0003"
# Media being imported are written under this prefix and renamed once the transaction
# commits; `srs check` knows such leftovers (from a killed import) are not media.
MEDIA_TMP_PREFIX = ".srs-tmp-"  # the newest migration in migrations/versions
_begin_immediate: ContextVar[bool] = ContextVar("srs_begin_immediate", default=False)


def default_collection_path(environ: dict[str, str] | None = None) -> Path:
    """``SRS_DB`` if set, else ``collection.db`` in the platform's user-data folder."""
    env = os.environ if environ is None else environ
    if env.get("SRS_DB"):
        return Path(env["SRS_DB"]).expanduser()
    from platformdirs import user_data_path

    return user_data_path("srs", appauthor=False) / "collection.db"


def media_dir_for(path: Path) -> Path:
    """The media folder of the collection at ``path``: ``<stem>.media`` beside it."""
    return path.with_name(path.stem + ".media")


def stats_cache_for(path: Path) -> Path:
    """The statistics' copy of the review log of the collection at ``path`` (a cache, see
    ``srs.stats.logcache``): ``<stem>.stats-cache`` beside it."""
    return path.with_name(path.stem + ".stats-cache")


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("migrations")))
    return cfg


@dataclass
class Store:
    """An open collection: its engine, its media folder and its clock."""

    path: Path
    engine: Engine
    clock: Clock
    _helper: _Helper | None = field(default=None, init=False, repr=False)
    # One connection kept out of the pool for raw transactions (the review path), so each
    # answer skips a pool checkout and checkin; a second raw user at the same time (another
    # thread) takes one from the pool as before.
    _hot: Any = field(default=None, init=False, repr=False)
    _hot_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def media_dir(self) -> Path:
        return media_dir_for(self.path)

    @property
    def stats_cache(self) -> Path:
        return stats_cache_for(self.path)

    @classmethod
    def open(cls, path: Path | str | None = None, *, clock: Clock | None = None) -> Store:
        """Open (creating or upgrading) the collection at ``path`` (default: see
        ``default_collection_path``)."""
        target = Path(path).expanduser() if path is not None else default_collection_path()
        if target.exists() and target.is_dir():
            raise StoreError(f"{target}: is a folder, not a collection file")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{target}: cannot create its folder ({exc.strerror})") from exc
        if target.exists() and target.stat().st_size > 0:
            _inspect_existing(target)
        engine = _make_engine(target)
        store = cls(path=target, engine=engine, clock=clock or SystemClock())
        try:
            store._migrate()
        except BaseException:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        if self._helper is not None:
            self._helper.close()
            self._helper = None
        with self._hot_lock:
            if self._hot is not None:
                self._hot.close()  # back to the pool, which dispose() then closes
                self._hot = None
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        # Fast paths: an up-to-date collection is recognised, and a new one created, without
        # loading Alembic, which costs a third of a second of start-up (tests check that
        # SCHEMA_HEAD is Alembic's head and that both ways make the same schema).
        try:
            with self.engine.connect() as conn:
                tables = _tables(conn)
                if "alembic_version" in tables:
                    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
                    if [r[0] for r in rows] == [SCHEMA_HEAD]:
                        return
            if not tables and self._create_new():
                return
        except DBAPIError as exc:
            raise StoreError(f"{self.path}: not a readable srs collection ({exc.orig})") from exc
        self._migrate_with_alembic()

    def _create_new(self) -> bool:
        """Create the schema of a new collection from the models, stamped with the newest
        migration; False if another process got there first."""
        from srs.models import Base

        token = _begin_immediate.set(True)
        try:
            with self.engine.begin() as conn:
                if _tables(conn):
                    return False
                Base.metadata.create_all(conn)
                conn.exec_driver_sql(
                    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
                )
                conn.exec_driver_sql(
                    "INSERT INTO alembic_version (version_num) VALUES (?)", (SCHEMA_HEAD,)
                )
            return True
        finally:
            _begin_immediate.reset(token)

    def _migrate_with_alembic(self) -> None:
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = _alembic_config()
        script = ScriptDirectory.from_config(cfg)
        heads = set(script.get_heads())
        try:
            with self.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_heads()
        except DBAPIError as exc:
            raise StoreError(f"{self.path}: not a readable srs collection ({exc.orig})") from exc
        known = {rev.revision for rev in script.walk_revisions()}
        for rev in current:
            if rev not in known:
                raise SchemaTooNew(self.path, rev, ", ".join(sorted(heads)))
        if set(current) == heads:
            return
        token = _begin_immediate.set(True)
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        finally:
            _begin_immediate.reset(token)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on error.

        A transaction that changed any row also advances the collection's generation (see
        ``generation``); ``session.info["generation"]`` holds ``(before, after)`` once the
        block has run.
        """
        token = _begin_immediate.set(True)
        try:
            with _WriteSession(self.engine, expire_on_commit=False) as session:
                try:
                    with session.begin():
                        yield session
                        session.flush()
                        changes = session.info.get("changes_at_begin")
                        if changes is not None:  # the block touched the database
                            _advance_generation(session, changes)
                except OperationalError as exc:
                    if "locked" in str(exc.orig):
                        raise self._busy() from exc
                    raise
        finally:
            _begin_immediate.reset(token)

    def _busy(self) -> CollectionLocked:
        return CollectionLocked(
            f"{self.path}: collection is busy (another srs is writing); try again"
        )

    @staticmethod
    def generation(session: Session) -> int:
        """The collection's change counter as this transaction sees it.

        Every write transaction that changes a row advances it, whichever process made it,
        so an unchanged generation means nothing in the collection changed: in-memory state
        derived from the database (today's study queue) stays valid exactly that long.
        """
        return read_generation(raw_connection(session))

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read-only transaction (a consistent snapshot under WAL)."""
        with Session(self.engine, expire_on_commit=False) as session:
            with session.begin():
                yield session
                session.rollback()

    # -- plain sqlite3 transactions, for the review screen's hot path -----------------------

    @contextmanager
    def raw_write(self) -> Iterator[RawTransaction]:
        """``write()`` on a plain sqlite3 connection (no Session), for code that runs after
        every key press: the same lock, commit, rollback and generation rules."""
        with self._raw() as db:
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc):
                    raise self._busy() from exc
                raise
            tx = RawTransaction(db, changes_at_begin=db.total_changes)
            try:
                yield tx
                tx.advance()
                self._commit(tx)
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def _commit(self, tx: RawTransaction) -> None:
        """COMMIT, running ``tx.overlap`` (if set) on a helper thread meanwhile: SQLite
        releases the GIL while it writes and syncs the log, so work that needs no database
        costs no time beside the sync. The work's result or error is kept in the
        transaction; the commit's own error is raised as usual."""
        work = tx.overlap
        if work is None:
            tx.db.execute("COMMIT")
            return
        if self._helper is None:
            self._helper = _Helper()
        if not self._helper.begin(work):  # busy with another thread's commit: run it after
            tx.db.execute("COMMIT")
            tx.overlap_result, tx.overlap_error = _outcome(work)
        else:
            try:
                tx.db.execute("COMMIT")
            finally:
                # never leave the work running past the transaction
                tx.overlap_result, tx.overlap_error = self._helper.end()
        tx.overlap_ran = True

    @contextmanager
    def raw_read(self) -> Iterator[RawTransaction]:
        """``read()`` on a plain sqlite3 connection (no Session)."""
        with self._raw() as db:
            db.execute("BEGIN")
            try:
                yield RawTransaction(db)
            finally:
                if db.in_transaction:
                    db.execute("ROLLBACK")

    @contextmanager
    def _raw(self) -> Iterator[sqlite3.Connection]:
        if self._hot_lock.acquire(blocking=False):
            try:
                if self._hot is None:
                    self._hot = self.engine.raw_connection()
                hot = self._hot.driver_connection
                assert isinstance(hot, sqlite3.Connection)
                if hot.in_transaction:  # as the pool resets a connection it takes back
                    hot.rollback()
                yield hot
            finally:
                self._hot_lock.release()
            return
        pooled = self.engine.raw_connection()
        try:
            db = pooled.driver_connection
            assert isinstance(db, sqlite3.Connection)
            yield db
        finally:
            pooled.close()


class _Helper:
    """One thread that runs one call at a time for the store (the work beside a commit):
    a lock hands each call over and another hands back its outcome, which costs less than
    an executor's future per call."""

    def __init__(self) -> None:
        self._busy = threading.Lock()
        self._start = threading.Lock()
        self._start.acquire()
        self._done = threading.Lock()
        self._done.acquire()
        self._call: Callable[[], Any] | None = None
        self._outcome: tuple[Any, BaseException | None] = (None, None)
        self._thread = threading.Thread(target=self._run, name="srs-commit", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._start.acquire()
            call = self._call
            if call is None:
                return
            self._outcome = _outcome(call)
            self._done.release()

    def begin(self, call: Callable[[], Any]) -> bool:
        """Start ``call`` on the helper thread; False (nothing started) if it is busy."""
        if not self._busy.acquire(blocking=False):
            return False
        self._call = call
        self._start.release()
        return True

    def end(self) -> tuple[Any, BaseException | None]:
        """Wait for the call ``begin`` started; its result or the error it raised."""
        self._done.acquire()
        outcome, self._outcome, self._call = self._outcome, (None, None), None
        self._busy.release()
        return outcome

    def close(self) -> None:
        with self._busy:
            self._call = None
            self._start.release()
        self._thread.join()


def _outcome(call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """``call``'s result, or the error it raised (handed back to the caller, which decides)."""
    try:
        return call(), None
    except BaseException as exc:
        return None, exc


@dataclass
class RawTransaction:
    """A transaction on a plain sqlite3 connection; ``moved`` is ``(before, after)`` once a
    write that changed rows has advanced the generation.

    A write may set ``overlap``: work that needs no database, run while the transaction
    commits; once it has run, ``overlap_ran`` is set and ``overlap_result`` or
    ``overlap_error`` holds what it returned or raised.
    """

    db: sqlite3.Connection
    moved: tuple[int, int] | None = None
    changes_at_begin: int = 0
    overlap: Callable[[], Any] | None = None
    overlap_ran: bool = False
    overlap_result: Any = None
    overlap_error: BaseException | None = None
    _generation: int | None = None

    def generation(self) -> int:
        """The collection's generation when this transaction began (read once: a write
        transaction holds the lock, so only its own ``advance`` moves it)."""
        if self._generation is None:
            self._generation = read_generation(self.db)
        return self._generation

    def advance(self) -> tuple[int, int] | None:
        """Advance the generation now if this write changed rows (once; ``raw_write`` calls
        it before committing), so the rest of the transaction knows the one it commits."""
        if self.moved is None:
            self.moved = _advance_raw(self.db, self.changes_at_begin, self._generation)
        return self.moved


def raw_connection(session: Session) -> sqlite3.Connection:
    """The plain sqlite3 connection under a session's transaction."""
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def read_generation(db: sqlite3.Connection) -> int:
    """``Store.generation`` on a plain sqlite3 connection."""
    return read_counter(db, _GENERATION_KEY)


def read_counter(db: sqlite3.Connection, key: str) -> int:
    """A counter kept in ``config`` under ``key`` (the generation, the review log's epoch):
    0 until it first moves."""
    row = db.execute(_COUNTER_READ, (key,)).fetchone()
    return int(row[0]) if row is not None else 0


_GENERATION_KEY = "srs.generation"
_COUNTER_READ = "SELECT CAST(value AS INTEGER) FROM config WHERE key = ?"


class _WriteSession(Session):
    """The session of ``Store.write``: it notes the connection's change count when its
    transaction begins (lazily, at the first statement, so a write block that has not yet
    touched the database holds no lock)."""


@event.listens_for(_WriteSession, "after_begin")
def _note_changes(session: Session, _transaction: Any, connection: Any) -> None:
    raw = connection.connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        session.info.setdefault("changes_at_begin", raw.total_changes)


def _advance_generation(session: Session, changes_before: int) -> None:
    moved = _advance_raw(raw_connection(session), changes_before)
    if moved is not None:
        session.info["generation"] = moved


def _advance_raw(
    db: sqlite3.Connection, changes_before: int, before: int | None = None
) -> tuple[int, int] | None:
    """Advance the generation if the transaction changed anything (an import that finds
    nothing new leaves the file exactly as it was); returns ``(before, after)``. ``before``
    is the generation if the caller has read it in this transaction already."""
    if db.total_changes == changes_before:
        return None
    if before is None:
        before = read_generation(db)
    # The value column is JSON: store the number as JSON text, as the ORM would.
    db.execute(
        "INSERT INTO config (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (_GENERATION_KEY, str(before + 1)),
    )
    return before, before + 1


def _tables(conn: Connection) -> set[str]:
    rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").all()
    return {str(r[0]) for r in rows}


def _inspect_existing(path: Path) -> None:
    """Refuse, without writing a byte, a file that is not an srs collection."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = [
                r[0] for r in conn.execute("select name from sqlite_master where type='table'")
            ]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not an srs collection ({exc})") from exc
    if names and "alembic_version" not in names:
        raise StoreError(f"{path}: not an srs collection (it holds tables {', '.join(names[:4])})")


def _make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
        # The most recently used connection first: SQLite keeps a page cache per connection
        # and a write from another connection empties it, so one thread reuses one.
        pool_use_lifo=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun explicitly below
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = FULL")  # an answer survives a power cut
        cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")

    return engine
