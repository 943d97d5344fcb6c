"""Provides SQL helpers for the statistics: ``pow`` on SQLite builds without the math
functions, and a plain-cursor fetch for large results."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from srs.store import raw_connection


def ensure_pow(session: Session) -> None:
    """Make ``pow(x, y)`` callable in SQL on this session's connection."""
    try:
        session.execute(text("SELECT pow(2.0, 0.5)")).scalar_one()
    except OperationalError:
        raw = raw_connection(session)
        raw.create_function("pow", 2, math.pow, deterministic=True)


def raw_rows(session: Session, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    """Run ``sql`` on the session's own DBAPI connection (same transaction) and return all
    rows as plain tuples: for large results, skipping SQLAlchemy's per-row processing."""
    cur = raw_connection(session).cursor()
    try:
        return cur.execute(sql, params or {}).fetchall()
    finally:
        cur.close()
