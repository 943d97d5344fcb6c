"""Provides ``log_window``: the review log from an instant on, as columns, from a columnar
copy kept in a file beside the collection and brought up to date with the rows written
since.

Reading a million log rows out of SQLite costs about half a second (building and parsing the
columns' text), nearly all of the statistics' time. The log is append-only in practice:
every new row takes a larger id than all before it, and rows are deleted (undo, deleted
cards) or changed only rarely. So a copy of the rows up to some id stays exact for as long
as nothing was deleted or changed, which the collection's review-log epoch tells (a count
kept by triggers, ``srs.models.REVLOG_EPOCH_KEY``); the rows after it are read from SQLite
and appended. A copy that is not exact any more, unreadable, or of another collection is
read afresh and written again by the next call for all time (a window alone is read from
the collection faster than the whole log is copied).

The file is a cache: deleting it loses nothing, and a failure to write it (a read-only
folder, a full disk) is ignored. It is written to a temporary name, synced and renamed, so
a reader never sees half of it.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import text
from sqlalchemy.orm import Session

from srs.models import REVLOG_EPOCH_KEY
from srs.stats.log import NO_ROW, Rows, scan_log
from srs.store import raw_connection, read_counter

_MAGIC = b"srs-log\n"
_VERSION = 3  # 1: columns in another order; 2: copies of id ranges
# magic, version, row count, last row id, epoch, the last row's card and time
_HEADER = struct.Struct("<8sIxxxxqqqqq")
# the columns in file order, after the header: (Rows field, dtype); the times come first,
# so that a window's rows are known before the other columns are read
_COLUMNS = (
    ("at", np.dtype("<i8")),
    ("card", np.dtype("<i8")),
    ("duration_ms", np.dtype("<i8")),
    ("stability", np.dtype("<f8")),
    ("code", np.dtype("<u2")),
)
_ROW_BYTES = sum(dtype.itemsize for _, dtype in _COLUMNS)
REWRITE_SHARE = 50
"""The copy is written again once the rows after it exceed 1/50 of it (and ``REWRITE_MIN``)."""
REWRITE_MIN = 4096


@dataclass(frozen=True)
class _Header:
    """A copy holds every row up to the id ``last_id`` (``n`` rows), at ``epoch``;
    ``last_row`` is the card and time of the row ``last_id``."""

    n: int
    last_id: int
    epoch: int
    last_row: tuple[int, int]


def log_window(session: Session, path: Path, lo_ms: int) -> Rows | None:
    """Every review-log row reviewed from ``lo_ms`` on, in row-id order; None when there is
    no usable copy for a window (``lo_ms`` above 0): a window is then better read from the
    collection alone, and the copy is left to be made by a call for all time.

    The copy stops below the rows an undo could still delete (``_settled_id``): they are
    read afresh each time, with the rows written since.

    Args:
        session: the session whose transaction (snapshot) the log is read in.
        path: the cache file (need not exist; it is created or brought up to date).
        lo_ms: the window's first instant (epoch ms); 0 or less for all time.
    """
    epoch = _epoch(session)
    settled = _settled_id(session)
    kept = _read_header(path)
    if kept is not None and kept.epoch == epoch and _ends_alike(session, kept):
        last = max(kept.last_id, settled)
        more = scan_log(session, "id > :a AND id <= :b", {"a": kept.last_id, "b": last})
        tail = scan_log(session, "id > :b", {"b": last})
        total = session.execute(text("SELECT count(*) FROM revlog")).scalar_one()
        if total == kept.n + len(more) + len(tail):
            # nothing was put in below the last id: the copy is exact
            if len(more) <= max(REWRITE_MIN, kept.n // REWRITE_SHARE):
                rows = _read_rows(path, kept, lo_ms, (_since(more, lo_ms), _since(tail, lo_ms)))
                if rows is not None:
                    return rows
            else:  # many rows came after the copy: it takes them in
                rows = _read_rows(path, kept, 0, (more,))
                if rows is not None:
                    last_row = _last_row(more)
                    _write(path, rows, _Header(len(rows), _last_id(session, last), epoch, last_row))
                    return _joined(_since(rows, lo_ms), _since(tail, lo_ms))
    if lo_ms > 0:
        return None
    rows = scan_log(session, "id <= :b", {"b": settled})
    _write(path, rows, _Header(len(rows), _last_id(session, settled), epoch, _last_row(rows)))
    tail = scan_log(session, "id > :b", {"b": settled})
    return _joined(rows, tail)


def _since(rows: Rows, lo_ms: int) -> Rows:
    """The rows reviewed from ``lo_ms`` on."""
    if lo_ms <= 0 or not len(rows):
        return rows
    keep = rows.at >= lo_ms
    return rows if keep.all() else rows.take(keep)


def _last_row(rows: Rows) -> tuple[int, int]:
    return (int(rows.card[-1]), int(rows.at[-1])) if len(rows) else (0, 0)


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


def _epoch(session: Session) -> int:
    return read_counter(raw_connection(session), REVLOG_EPOCH_KEY)


def _last_id(session: Session, upto: int | None) -> int:
    """The log's last row id (up to ``upto``); NO_ROW for none."""
    if upto is None:
        found = session.execute(text("SELECT max(id) FROM revlog")).scalar()
    else:
        found = session.execute(
            text("SELECT max(id) FROM revlog WHERE id <= :b"), {"b": upto}
        ).scalar()
    return NO_ROW if found is None else int(found)


def _ends_alike(session: Session, kept: _Header) -> bool:
    """The copy's last row is still in the log as it was (a copy of another collection
    fails here, or on the row count)."""
    if not kept.n:
        return kept.last_id == NO_ROW
    row = session.execute(
        text("SELECT card_id, reviewed_at FROM revlog WHERE id = :id"), {"id": kept.last_id}
    ).first()
    return row is not None and (int(row[0]), int(row[1])) == kept.last_row


def _joined(*parts: Rows) -> Rows:
    parts = tuple(p for p in parts if len(p))
    if len(parts) == 1:
        return parts[0]
    if not parts:
        none = np.zeros(0, dtype=np.int64)
        return Rows(none, none, none, none, np.zeros(0, dtype=np.float64))
    return Rows(
        np.concatenate([p.card for p in parts]),
        np.concatenate([p.at for p in parts]),
        np.concatenate([p.code for p in parts]),
        np.concatenate([p.duration_ms for p in parts]),
        np.concatenate([p.stability for p in parts]),
    )


def _read_header(path: Path) -> _Header | None:
    """The header of the copy in ``path``; None when there is none or it is not a whole,
    current one."""
    try:
        with path.open("rb") as f:
            raw = f.read(_HEADER.size)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    if len(raw) != _HEADER.size:
        return None
    magic, version, n, last_id, epoch, card, at = _HEADER.unpack(raw)
    if magic != _MAGIC or version != _VERSION or n < 0 or size != _HEADER.size + n * _ROW_BYTES:
        return None
    return _Header(n, last_id, epoch, (card, at))


_CHUNK = 1 << 16
"""Rows read at a time from the file when only a window of them is kept."""


def _read_rows(path: Path, header: _Header, lo_ms: int, after: tuple[Rows, ...]) -> Rows | None:
    """The copy's rows reviewed from ``lo_ms`` on, followed by ``after``; None when the file
    changed. The file is read straight into the result, a chunk at a time when a window is
    cut out of it: the whole copy is never held beside the result."""
    n = header.n
    try:
        with path.open("rb") as f:
            f.seek(_HEADER.size)
            keep: NDArray[np.bool_] | None = None
            times: NDArray[Any] | None = None  # the times, when a window is cut by them
            if lo_ms > 0:
                times = np.empty(n, dtype=_COLUMNS[0][1])
                if f.readinto(times.data.cast("B")) != times.nbytes:
                    return None
                keep = times >= lo_ms
            size = n if keep is None else int(np.count_nonzero(keep))
            total = size + sum(len(part) for part in after)
            columns: dict[str, NDArray[Any]] = {}
            for name, file_dtype in _COLUMNS:
                out = np.empty(total, dtype=np.float64 if name == "stability" else np.int64)
                if name == "at" and times is not None:  # read already (the first column)
                    out[:size] = times[keep]
                    times = None
                elif not _read_column(f, file_dtype, n, keep, out[:size]):
                    return None
                at = size
                for part in after:
                    out[at : at + len(part)] = getattr(part, name)
                    at += len(part)
                columns[name] = out
    except OSError:
        return None
    return Rows(
        columns["card"],
        columns["at"],
        columns["code"],
        columns["duration_ms"],
        columns["stability"],
    )


def _read_column(
    f: io.BufferedReader,
    dtype: np.dtype[Any],
    n: int,
    keep: NDArray[np.bool_] | None,
    out: NDArray[Any],
) -> bool:
    """Read one column of ``n`` values into ``out``: all of them, or those ``keep`` marks."""
    if keep is None and out.dtype == dtype:
        return f.readinto(out.data.cast("B")) == out.nbytes
    buffer = np.empty(min(_CHUNK, max(n, 1)), dtype=dtype)
    filled = 0
    for start in range(0, n, _CHUNK):
        chunk = buffer[: min(_CHUNK, n - start)]
        if f.readinto(chunk.data.cast("B")) != chunk.nbytes:
            return False
        picked = chunk if keep is None else chunk[keep[start : start + chunk.size]]
        out[filled : filled + picked.size] = picked
        filled += picked.size
    return filled == out.size


def _write(path: Path, rows: Rows, header: _Header) -> None:
    """Write ``rows`` to ``path`` whole or not at all; failures are ignored (a cache)."""
    n = len(rows)
    if n and (int(rows.code.min()) < 0 or int(rows.code.max()) > 0xFFFF):
        return  # cannot happen (codes are 10 bits); never store a wrong copy
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with tmp.open("wb") as f:
            fields = (header.n, header.last_id, header.epoch, *header.last_row)
            f.write(_HEADER.pack(_MAGIC, _VERSION, *fields))
            for name, dtype in _COLUMNS:
                np.ascontiguousarray(getattr(rows, name), dtype=dtype).tofile(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
