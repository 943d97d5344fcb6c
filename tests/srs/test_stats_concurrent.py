"""The statistics read the log on a second connection beside the cards (``_beside``): its
result comes from the same snapshot as the main session's, or is read again there."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from srs.models import ReviewLog
from srs.stats.compute import _beside
from tests.srs.test_stats import Col


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ReviewLog)) or 0)


def test_a_write_between_the_two_snapshots_is_read_from_the_first(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    card = col.card()
    col.review(card, col.day(-2))
    with col.store.read() as session:
        assert _count(session) == 1  # the main snapshot begins here
        col.review(card, col.day(-1))  # committed before the side reads
        sessions: list[Session] = []

        def work(s: Session) -> int:
            sessions.append(s)
            return _count(s)

        assert _beside(session, work)() == 1
        # the side read 2 rows, on its own session; that was discarded and read again
        assert len(sessions) == 2 and sessions[0] is not session and sessions[1] is session
    with col.store.read() as session:  # nothing comes in between: the side's result stands
        sessions.clear()
        assert _beside(session, work)() == 2
        assert len(sessions) == 1 and sessions[0] is not session
    col.store.close()


def test_an_error_on_the_side_reaches_the_caller(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")

    def work(_s: Session) -> int:
        raise LookupError("side")

    with col.store.read() as session, pytest.raises(LookupError, match="side"):
        _beside(session, work)()
    col.store.close()
