"""Provides ``log_from``: the review log from a row id on, as columns, from a columnar copy
kept in a file beside the collection and brought up to date with the rows written since.

Reading a million log rows out of SQLite costs about half a second (building and parsing the
columns' text), nearly all of the statistics' time. The log is append-only in practice:
every new row takes a larger id than all before it, and rows are deleted (undo, deleted
cards) or changed only rarely. So a copy of the rows in an id range stays exact for as long
as nothing was deleted or changed, which the collection's review-log epoch tells (a count
kept by triggers, ``srs.models.REVLOG_EPOCH_KEY``); the rows after the range are read from
SQLite and appended, and the rows before it when a wider window asks for them. A copy that
is not exact any more, unreadable, or of another collection is read afresh and written
again.

The file is a cache: deleting it loses nothing, and a failure to write it (a read-only
folder, a full disk) is ignored. It is written to a temporary name, synced and renamed, so
a reader never sees half of it.
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from srs.models import REVLOG_EPOCH_KEY
from srs.stats.log import NO_ROW, Rows, scan_log

_MAGIC = b"srs-log\n"
_VERSION = 1
# magic, version, row count, first and last row id, epoch, the last row's card and time
_HEADER = struct.Struct("<8sIxxxxqqqqqq")
# the columns in file order, after the header: (Rows field, dtype)
_COLUMNS = (
    ("card", np.dtype("<i8")),
    ("at", np.dtype("<i8")),
    ("duration_ms", np.dtype("<i8")),
    ("stability", np.dtype("<f8")),
    ("code", np.dtype("<u2")),
)
_ROW_BYTES = sum(dtype.itemsize for _, dtype in _COLUMNS)
REWRITE_SHARE = 50
"""The copy is written again once the rows after it exceed 1/50 of it (and ``REWRITE_MIN``)."""
REWRITE_MIN = 4096


@dataclass(frozen=True)
class _Copy:
    """Every row with an id from ``first_id`` to ``last_id``, at ``epoch``."""

    rows: Rows
    first_id: int
    last_id: int
    epoch: int


def log_from(session: Session, path: Path, start_id: int) -> Rows:
    """Every review-log row with an id from ``start_id`` on (``NO_ROW``: all of them), in
    row-id order, possibly preceded by rows before ``start_id`` that the copy already holds.
    A caller that asks for the rows of a time window from its first row id on drops those
    by their time: each was reviewed before the window, or it would be the first.

    The copy stops below the rows an undo could still delete (``_settled_id``): they are
    read afresh each time, with the rows written since.

    Args:
        session: the session whose transaction (snapshot) the log is read in.
        path: the cache file (need not exist; it is created or brought up to date).
        start_id: the first row id wanted.
    """
    epoch = _epoch(session)
    settled = _settled_id(session)
    kept = _read(path)
    if kept is not None and kept.epoch == epoch and _ends_alike(session, kept):
        last = max(kept.last_id, settled)
        more = scan_log(session, "id > :a AND id <= :b", {"a": kept.last_id, "b": last})
        tail = scan_log(session, "id > :b", {"b": last})
        if _count_from(session, kept.first_id) == len(kept.rows) + len(more) + len(tail):
            # nothing was put in below the last id: the copy is exact
            rows, first = kept.rows, kept.first_id
            grown = len(more) > max(REWRITE_MIN, len(rows) // REWRITE_SHARE)
            if len(more):
                rows = _joined(rows, more)
            if start_id < first:
                head = scan_log(session, "id >= :a AND id < :b", {"a": start_id, "b": first})
                rows, first, grown = _joined(head, rows), start_id, True
            if grown:
                _write(path, _Copy(rows, first, _last_id(session, last), epoch))
            return _joined(rows, tail) if len(tail) else rows
    rows = scan_log(session, "id >= :a AND id <= :b", {"a": start_id, "b": settled})
    _write(path, _Copy(rows, start_id, _last_id(session, settled), epoch))
    tail = scan_log(session, "id > :b", {"b": settled})
    return _joined(rows, tail) if len(tail) else rows


def _settled_id(session: Session) -> int:
    """The last row id a copy may hold: below every row an undo entry names (an undo may
    delete those), else the log's last id."""
    undoable = session.execute(
        text(
            "SELECT min(CAST(j.value AS INTEGER)) FROM undo, json_each(undo.revlog_ids) AS j"
            " WHERE json_valid(undo.revlog_ids)"
        )
    ).scalar()
    last = _last_id(session, None)
    return last if undoable is None else min(last, int(undoable) - 1)


def _count_from(session: Session, first_id: int) -> int:
    if first_id == NO_ROW:  # SQLite counts a whole table from its pages alone
        return int(session.execute(text("SELECT count(*) FROM revlog")).scalar_one())
    found = session.execute(text("SELECT count(*) FROM revlog WHERE id >= :a"), {"a": first_id})
    return int(found.scalar_one())


def _epoch(session: Session) -> int:
    found = session.execute(
        text("SELECT CAST(value AS INTEGER) FROM config WHERE key = :key"),
        {"key": REVLOG_EPOCH_KEY},
    ).scalar()
    return 0 if found is None else int(found)


def _last_id(session: Session, upto: int | None) -> int:
    """The log's last row id (up to ``upto``); NO_ROW for none."""
    if upto is None:
        found = session.execute(text("SELECT max(id) FROM revlog")).scalar()
    else:
        found = session.execute(
            text("SELECT max(id) FROM revlog WHERE id <= :b"), {"b": upto}
        ).scalar()
    return NO_ROW if found is None else int(found)


def _ends_alike(session: Session, kept: _Copy) -> bool:
    """The copy's last row is still in the log as it was (a copy of another collection
    fails here, or on the row count)."""
    if not len(kept.rows):
        return kept.last_id == NO_ROW
    row = session.execute(
        text("SELECT card_id, reviewed_at FROM revlog WHERE id = :id"), {"id": kept.last_id}
    ).first()
    return row is not None and (int(row[0]), int(row[1])) == (
        int(kept.rows.card[-1]),
        int(kept.rows.at[-1]),
    )


def _joined(head: Rows, tail: Rows) -> Rows:
    return Rows(
        np.concatenate((head.card, tail.card)),
        np.concatenate((head.at, tail.at)),
        np.concatenate((head.code, tail.code)),
        np.concatenate((head.duration_ms, tail.duration_ms)),
        np.concatenate((head.stability, tail.stability)),
    )


def _read(path: Path) -> _Copy | None:
    """The copy in ``path``; None when there is none or it is not a whole, current one."""
    try:
        with path.open("rb") as f:
            header = f.read(_HEADER.size)
            if len(header) != _HEADER.size:
                return None
            magic, version, n, first_id, last_id, epoch, *_last = _HEADER.unpack(header)
            if magic != _MAGIC or version != _VERSION or n < 0:
                return None
            if os.fstat(f.fileno()).st_size != _HEADER.size + n * _ROW_BYTES:
                return None
            columns = [np.fromfile(f, dtype=dtype, count=n) for _, dtype in _COLUMNS]
    except OSError:
        return None
    if any(column.size != n for column in columns):
        return None
    card, at, duration, stability, code = columns
    rows = Rows(
        card.astype(np.int64, copy=False),
        at.astype(np.int64, copy=False),
        code.astype(np.int64),
        duration.astype(np.int64, copy=False),
        stability.astype(np.float64, copy=False),
    )
    if n and (int(rows.card[-1]), int(rows.at[-1])) != tuple(_last):
        return None
    return _Copy(rows, first_id, last_id, epoch)


def _write(path: Path, copy: _Copy) -> None:
    """Write ``copy`` to ``path`` whole or not at all; failures are ignored (a cache)."""
    rows = copy.rows
    n = len(rows)
    if n and (int(rows.code.min()) < 0 or int(rows.code.max()) > 0xFFFF):
        return  # cannot happen (codes are 10 bits); never store a wrong copy
    last = (int(rows.card[-1]), int(rows.at[-1])) if n else (0, 0)
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with tmp.open("wb") as f:
            header = (n, copy.first_id, copy.last_id, copy.epoch, *last)
            f.write(_HEADER.pack(_MAGIC, _VERSION, *header))
            for name, dtype in _COLUMNS:
                np.ascontiguousarray(getattr(rows, name), dtype=dtype).tofile(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
