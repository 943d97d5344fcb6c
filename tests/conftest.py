"""Shared fixtures: a fixed clock and a fresh collection in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from srs.collection import Collection

from srs.clock import FixedClock
from srs.store import Store

# A Friday morning in UTC; far from the 04:00 day boundary.
FIXED_NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW, tz=UTC)


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    s = Store.open(tmp_path / "collection.db", clock=clock)
    yield s
    s.close()


@pytest.fixture
def col(store: Store) -> Collection:
    from srs.collection import Collection  # imported late: it pulls in the whole engine

    return Collection(store)
