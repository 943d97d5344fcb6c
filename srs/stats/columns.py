"""Provides ``int_columns``: whole integer columns of a query as numpy arrays, joined into text
inside SQLite (``group_concat``) and parsed by numpy, instead of a Python tuple per row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from srs.store import raw_connection

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


def scaled(values: Ints, factor: float) -> Floats:
    """``values * factor`` as float64 (integers that carry fixed-point floats)."""
    out: Floats = np.multiply(values, factor, dtype=np.float64)
    return out


def find_sorted(keys: Ints, values: Ints) -> tuple[Ints, NDArray[np.bool_]]:
    """Where each of ``values`` stands in the sorted ``keys`` (a position within range) and
    whether it is there at all."""
    if not keys.size:
        return np.zeros(values.size, dtype=np.int64), np.zeros(values.size, dtype=np.bool_)
    at: Ints = np.minimum(np.searchsorted(keys, values), keys.size - 1)
    found: NDArray[np.bool_] = keys[at] == values
    return at, found


def int_columns(
    session: Session, exprs: Sequence[str], source: str, params: dict[str, Any] | None = None
) -> list[Ints]:
    """Run ``SELECT <exprs> <source>`` and return each column as an int64 array.

    Every expression must give an integer that is never NULL on every row (SQL's
    ``group_concat`` skips NULLs, which would misalign the columns): wrap nullable columns in
    ``coalesce``. All columns list the rows in one and the same order, the order SQLite
    visits them in. A few values per row cost far less than fetching rows: formatting and
    parsing run in C, and no Python object is made per value.

    Args:
        session: the session whose transaction the query runs in.
        exprs: the integer expressions, one per column.
        source: the rest of the query: ``FROM ... WHERE ...`` (no GROUP BY, no ORDER BY).
        params: named parameters of the query.

    Raises:
        ValueError: a column holds NULLs or non-integers (a bug in the caller's SQL).
    """
    return columns_and_totals(session, exprs, (), source, params)[0]


def columns_and_totals(
    session: Session,
    exprs: Sequence[str],
    totals: Sequence[str],
    source: str,
    params: dict[str, Any] | None = None,
) -> tuple[list[Ints], list[Any]]:
    """``int_columns``, plus aggregates over the same rows in the same pass (``totals``, SQL
    aggregate expressions such as ``min(x)``), returned as SQLite gives them."""
    joined = ", ".join([f"CAST(group_concat({e}) AS BLOB)" for e in exprs] + list(totals))
    cur = raw_connection(session).cursor()
    try:
        row = cur.execute(f"SELECT count(*), {joined} {source}", params or {}).fetchone()
    finally:
        cur.close()
    n = int(row[0])
    texts, found = list(row[1 : 1 + len(exprs)]), list(row[1 + len(exprs) :])
    del row  # each text is let go once parsed: they are large
    if n == 0:
        return [np.empty(0, dtype=np.int64) for _ in exprs], found
    out = []
    for i, expr in enumerate(exprs):
        text, texts[i] = texts[i], None
        # an integer overflowing into a REAL prints with a "." (or as "Inf"), where numpy would
        # stop (with a warning); NULLs are left out of the text, so the count tells
        if text is None or b"." in text or b"I" in text:
            raise ValueError(f"column {expr!r} gave a value that is not an integer")
        values = np.fromstring(text, dtype=np.int64, sep=",")
        del text
        if values.size != n:
            raise ValueError(f"column {expr!r} did not give {n} integers")
        out.append(values)
    return out, found
