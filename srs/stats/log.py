"""Provides ``load_log``: the review log from an instant on, in scope, as numpy columns (card,
time, a packed code of kind, rating, cramming and previous-interval class, duration, and the
stability the review left), read in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import text
from sqlalchemy.orm import Session

from srs.revlog_codes import BY_HOUR, CODE_BITS, CRAM, LARGE_SCALE, OTHER, PASSED, SMALL_SCALE
from srs.stats.columns import Floats, Ints, find_sorted, int_columns, scaled
from srs.stats.days import DayScale
from srs.stats.scope import Scope

_CODE_SHIFT = CODE_BITS  # reviewed_at * 2**10 + code
# Flags of each code (``CODE_FLAGS``).
CALIBRATED = 1
PASSES = 2
HOURLY = 4


def _code_flags() -> NDArray[np.uint8]:
    """What calibration and the hours need of each code, looked up in one step per row:
    CALIBRATED (a rated review that calibration counts: kind 0..3, rating 1..4, not
    cramming), PASSES (rating > 1), HOURLY (counted in the hours: not filtered, manual or
    rescheduled)."""
    code = np.arange(1 << _CODE_SHIFT, dtype=np.int64)
    kind, rating = (code >> 6) & 7, (code >> 3) & 7
    ordinary = code < OTHER
    cram = (kind == 3) & ((code & CRAM) != 0)
    calibrated = ordinary & (rating >= 1) & (rating <= 4) & (kind <= 3) & ~cram
    passes = np.where(ordinary, rating > 1, (code & PASSED) != 0)
    hourly = np.where(ordinary, (kind < 3) | (kind > 5), (code & BY_HOUR) != 0)
    flags: NDArray[np.uint8] = (calibrated * CALIBRATED + passes * PASSES + hourly * HOURLY).astype(
        np.uint8
    )
    return flags


CODE_FLAGS = _code_flags()


_SATURATED = -np.iinfo(np.int64).max


def _stability(
    session: Session, where: str, params: dict[str, int], card: Ints, at: Ints, code: Ints
) -> Floats:
    """Decode the stability column (see ``srs.revlog_codes.STABILITY_SQL``)."""
    stability = scaled(code, 1.0 / SMALL_SCALE)
    large = code < 0
    if large.any():
        stability[large] = code[large] * (-1.0 / LARGE_SCALE)
    big = np.flatnonzero(code == _SATURATED)
    if big.size:
        rows = session.execute(
            text(f"SELECT card_id, reviewed_at, stability {where} AND stability >= :big"),
            {**params, "big": 2.0**33},
        ).all()
        exact = {(c, t): s for c, t, s in rows}
        for i in big.tolist():
            stability[i] = exact[(int(card[i]), int(at[i]))]
    return stability


@dataclass(frozen=True)
class Log:
    """Review-log rows, one array each, in one order (SQLite's scan order).

    Attributes:
        card: the card id.
        at: ``reviewed_at`` (epoch ms).
        day: the local day number of ``at``.
        code: kind, rating, cramming and previous-interval class, packed (see ``OTHER``).
        duration_ms: the time taken.
        stability: the memory state's stability after the review; 0 when it has none.
    """

    card: Ints
    at: Ints
    day: Ints
    code: Ints
    duration_ms: Ints
    stability: Floats

    def since(self, ms: int) -> Log:
        """The rows from ``ms`` on."""
        if not self.at.size or self.at.min() >= ms:
            return self
        keep = self.at >= ms
        return Log(
            self.card[keep],
            self.at[keep],
            self.day[keep],
            self.code[keep],
            self.duration_ms[keep],
            self.stability[keep],
        )


NO_ROW = -(2**63)
"""Below every row id."""


def first_row(session: Session, lo_ms: int) -> int | None:
    """The smallest row id of a review from ``lo_ms`` on (None: there is none).

    A log written as reviews happen holds them in time order, so the rows from ``lo_ms`` on
    follow that id and a scan can start there. When one of the first rows already qualifies
    (a log written card by card), that is the answer at once; else the time index lists the
    window's ids (index entries only, far cheaper than the rows).
    """
    early = session.execute(
        text(
            "SELECT min(id) FROM (SELECT id, reviewed_at FROM revlog ORDER BY id LIMIT 64)"
            " WHERE reviewed_at >= :lo"
        ),
        {"lo": lo_ms},
    ).scalar()
    if early is not None:
        return int(early)
    found = session.execute(
        text("SELECT min(id) FROM revlog INDEXED BY ix_revlog_time WHERE reviewed_at >= :lo"),
        {"lo": lo_ms},
    ).scalar()
    return None if found is None else int(found)


@dataclass(frozen=True)
class Rows:
    """Review-log rows as read, one array each, in row-id order (``Log`` without days)."""

    card: Ints
    at: Ints
    code: Ints
    duration_ms: Ints
    stability: Floats

    def __len__(self) -> int:
        return int(self.card.size)

    def take(self, keep: NDArray[np.bool_]) -> Rows:
        """The rows ``keep`` marks, in the same order."""
        return Rows(
            self.card[keep],
            self.at[keep],
            self.code[keep],
            self.duration_ms[keep],
            self.stability[keep],
        )


def scan_log(session: Session, where: str, params: dict[str, int]) -> Rows:
    """The review-log rows that ``where`` (a condition on ``revlog``) keeps, in one pass
    (a scan in row-id order, or a row-id range)."""
    source = f"FROM revlog WHERE {where}"
    card, packed, duration, stab = int_columns(
        session,
        [
            "card_id",
            f"reviewed_at * {1 << _CODE_SHIFT} + stats_code",
            "duration_ms",
            "stats_stability",
        ],
        source,
        params,
    )
    at = packed >> _CODE_SHIFT
    code = packed & ((1 << _CODE_SHIFT) - 1)
    return Rows(card, at, code, duration, _stability(session, source, params, card, at, stab))


def load_log(
    session: Session, scope: Scope, scale: DayScale, lo_ms: int, cache: Path | None = None
) -> Log:
    """The review log of the cards in ``scope`` from ``lo_ms`` on.

    With a ``cache`` file that holds a copy of the log (see ``srs.stats.logcache``; a call
    for all time makes it), the window comes from the copy, brought up to date first, and
    the scope is picked out of it. Else the window is read by a table scan from its first
    row id (``first_row``): ``+reviewed_at`` keeps SQLite off the time index, whose
    row-by-row lookups cost more than a scan once the window holds more than a small share
    of the log.
    """
    rows = None
    if cache is not None:
        from srs.stats.logcache import log_window

        rows = log_window(session, cache, lo_ms)
    if rows is not None:
        rows = _in_scope(session, scope, rows)
    else:
        start = NO_ROW if lo_ms <= 0 else first_row(session, lo_ms)
        if start is None:
            return _empty_log()
        rows = scan_log(
            session,
            f"id >= :start AND +reviewed_at >= :lo AND {scope.revlog_filter()}",
            {"lo": lo_ms, "start": start},
        )
    return Log(
        rows.card, rows.at, scale.days_of(rows.at), rows.code, rows.duration_ms, rows.stability
    )


def _in_scope(session: Session, scope: Scope, rows: Rows) -> Rows:
    """The rows of the cards in ``scope``, in the same order."""
    if scope.deck_ids is None or scope.every_card or not len(rows):
        return rows
    (ids,) = int_columns(session, ["id"], f"FROM cards WHERE {scope.card_filter()}")
    ids.sort()
    return rows.take(find_sorted(ids, rows.card)[1])


def _empty_log() -> Log:
    none = np.zeros(0, dtype=np.int64)
    return Log(none, none, none, none, none, np.zeros(0, dtype=np.float64))
