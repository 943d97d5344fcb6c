"""Answer-button labels against Anki's own formatter (``Collection.format_timespan``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.lang import FormatTimeSpan

from srs.scheduler import format_interval

SECONDS = [
    0, 1, 30, 59, 60, 89, 90, 150, 599, 600, 1799, 3599, 3600, 5400, 5430, 23 * 3600,
    86399, 86400, 1.5 * 86400, 2.5 * 86400, 3.5 * 86400, 29 * 86400, 30 * 86400,
    31 * 86400, 45 * 86400, 100 * 86400, 364 * 86400, 365 * 86400, 400 * 86400,
    3650 * 86400, 36500 * 86400,
]  # fmt: skip


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection(str(tmp_path / "labels.anki2"))
    yield collection
    collection.close()


def _strip(text: str) -> str:
    return text.replace("\u2068", "").replace("\u2069", "")


@pytest.mark.parametrize("seconds", SECONDS)
def test_labels_match_anki(col: Collection, seconds: float) -> None:
    theirs = _strip(col.format_timespan(seconds, context=FormatTimeSpan.ANSWER_BUTTONS))
    assert format_interval(seconds) == theirs


def test_collapsed_labels() -> None:
    assert format_interval(60, collapse_seconds=1200) == "<1m"
    assert format_interval(600, collapse_seconds=1200) == "<10m"
    assert format_interval(1800, collapse_seconds=1200) == "30m"
    assert format_interval(0, collapse_seconds=1200) == "End"
