"""Provides the review-log step of an Anki import: the package's rows copied into ``revlog``
without duplicates, straight from its SQLite file when it can be attached, else from
batches of tuples.

Both paths insert by card, then time (the order of the unique (card, time) key, so each
insert appends to that index), skip rows already present with ``INSERT OR IGNORE`` on that
key, skip rows of cards that were not imported, and translate package card ids into the
collection's. A large incoming log is inserted with the table's plain secondary indexes
dropped and rebuilt once at the end, inside the same transaction (SQLite's DDL is
transactional: a rollback restores them).

The attached path copies the rows inside SQLite with one ``INSERT ... SELECT``: no Python
object per row. The package file is attached to the transaction's connection under
``PACKAGE_ALIAS`` and detached as soon as the transaction has ended (SQLite refuses to
detach a database a transaction has read). It takes imports whose cards kept their package
ids (the usual case); the others go through Python, which translates the ids.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from srs.ankipkg.collection import REVLOG_COLUMNS
from srs.errors import StoreError
from srs.reports import KindReport

PACKAGE_ALIAS = "srs_import_pkg"
_REINDEX_MIN_ROWS = 50_000  # review-log rows above which indexes are rebuilt, not maintained
_COPY_CHUNKS = 10  # statements a package's log is copied in, for progress
_TARGET = "card_id, reviewed_at, rating, kind, interval_before, interval_after, factor, duration_ms"
_INSERT = f"INSERT OR IGNORE INTO main.revlog ({_TARGET}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_NOT_IMPORTED = "review-log row of a card that was not imported"
_first = itemgetter(0)


def attach_package(session: Session, path: Path) -> None:
    """Attach the SQLite file at ``path`` to the connection of ``session``'s transaction
    as ``PACKAGE_ALIAS``, detached again once that transaction commits or rolls back."""
    raw: Any = session.connection().connection.dbapi_connection

    def detach(_session: Session) -> None:
        try:
            raw.execute(f"DETACH DATABASE {PACKAGE_ALIAS}")
        except sqlite3.Error:  # never attached (the ATTACH failed): nothing to undo
            pass

    event.listen(session, "after_commit", detach)
    event.listen(session, "after_rollback", detach)
    try:
        raw.execute(f"ATTACH DATABASE ? AS {PACKAGE_ALIAS}", (str(path),))
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read the package's review log ({exc})") from exc


@contextmanager
def _bulk_indexes(conn: Connection, incoming: int) -> Iterator[None]:
    """Drop the plain secondary indexes of ``revlog`` while a large log (more rows than the
    table holds) is inserted; recreate them, with their own SQL, when the block ends well.
    On failure the transaction's rollback brings them back."""
    rebuild: list[str] = []
    if incoming >= _REINDEX_MIN_ROWS:
        stored = conn.exec_driver_sql("select count() from main.revlog").scalar() or 0
        if incoming > stored:
            indexes = conn.exec_driver_sql(
                "select name, sql from main.sqlite_master where type = 'index'"
                " and tbl_name = 'revlog' and sql is not null order by name"
            ).all()
            for name, create in indexes:
                conn.exec_driver_sql(f'DROP INDEX main."{name}"')
                rebuild.append(str(create))
    yield
    for create in rebuild:
        conn.exec_driver_sql(create)


class RevlogWriter:
    """Inserts one import's review log and counts it in ``rep``."""

    def __init__(self, conn: Connection, rep: KindReport, tick: Callable[[int], None]) -> None:
        self.conn = conn
        self.rep = rep
        self.tick = tick

    def _count(self, matched: int, inserted: int, total: int, ticked: int) -> None:
        self.rep.added += inserted
        self.rep.unchanged += matched - inserted
        if total > matched:
            self.rep.skip(_NOT_IMPORTED, total - matched)
        self.tick(total - ticked)

    @staticmethod
    def can_attach(cards: dict[int, int]) -> bool:
        """Whether ``from_attached`` can take this import: every imported card kept its
        package id (the usual case; otherwise rows need translating, in ``from_batches``)."""
        return all(k == v for k, v in cards.items())

    def from_attached(self, cards: dict[int, int]) -> None:
        """Copy the log of the package attached as ``PACKAGE_ALIAS`` (see
        ``attach_package``) inside SQLite.

        When every row belongs to an imported card (the usual case), the copy runs in
        ``_COPY_CHUNKS`` statements over consecutive spans of answer times, each sorted by
        card then time, so that progress moves while it runs (it costs no more than one
        statement: each sort is smaller). Otherwise one statement copies the rows of the
        imported cards.

        Args:
            cards: package card id -> collection card id for every imported card, all the
                same id (``can_attach``); rows of other cards are skipped.
        """
        if not self.can_attach(cards):
            raise ValueError("from_attached needs cards that kept their package ids")
        source = f"{PACKAGE_ALIAS}.revlog"
        copy = (
            f"INSERT OR IGNORE INTO main.revlog ({_TARGET})"
            f" SELECT {', '.join(REVLOG_COLUMNS)} FROM {source}"
        )
        # the imported ids go in as one JSON array, which SQLite turns into an index of its
        # own for the statement: no temporary table, so no change is counted for them
        known = json.dumps(sorted(cards))
        imported = "cid IN (SELECT value FROM json_each(?))"  # NULL (no card): not imported
        cursor: Any = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            total, first, last = cursor.execute(
                f"SELECT count(), min(id), max(id) FROM {source}"
            ).fetchone()
            # counting the rows that are in is cheaper than counting those that are not
            matched = cursor.execute(
                f"SELECT count() FROM {source} WHERE {imported}", (known,)
            ).fetchone()[0]
            stray = total - matched
            inserted = 0
            with _bulk_indexes(self.conn, total):
                if stray:
                    cursor.execute(
                        f"{copy} NOT INDEXED WHERE {imported} ORDER BY cid, id", (known,)
                    )
                    inserted = cursor.rowcount
                elif total:
                    step = (last - first) // _COPY_CHUNKS + 1
                    for start in range(first, last + 1, step):
                        span = (start, min(start + step - 1, last))  # never past a 64-bit id
                        cursor.execute(
                            f"{copy} NOT INDEXED WHERE id BETWEEN ? AND ? ORDER BY cid, id", span
                        )
                        inserted += cursor.rowcount
                        self.tick(cursor.rowcount)  # rows already present: ticked at the end
        finally:
            cursor.close()
        self._count(matched, inserted, total, ticked=0 if stray else inserted)

    def from_batches(
        self, batches: Iterable[list[tuple[int, ...]]], cards: dict[int, int], total: int = 0
    ) -> None:
        """Insert rows given as tuples in ``REVLOG_COLUMNS`` order (best by card, then
        time), ``total`` of them (0: unknown, no bulk index rebuild).

        The rows go to the DB-API cursor's executemany as they come (no per-row work in
        Python unless card ids must be translated or filtered).
        """
        rep = self.rep
        same_ids = all(k == v for k, v in cards.items())
        known = set(cards)
        cursor: Any = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with _bulk_indexes(self.conn, total):
                for batch in batches:
                    rows: Sequence[Sequence[Any]] = batch
                    if not same_ids or not known.issuperset(map(_first, batch)):
                        rows = [(cards[r[0]], *r[1:]) for r in batch if r[0] in known]
                        if len(rows) < len(batch):
                            rep.skip(_NOT_IMPORTED, len(batch) - len(rows))
                    if rows:
                        cursor.executemany(_INSERT, rows)
                        rep.added += cursor.rowcount
                        rep.unchanged += len(rows) - cursor.rowcount
                    self.tick(len(batch))
        finally:
            cursor.close()
