"""The statistics' columnar copy of the review log (``srs.stats.logcache``): statistics
computed with it equal those read from the collection alone, through appends, deletions,
changes, rows put in below the copy, a damaged or foreign file, and a folder it cannot be
written to."""

from __future__ import annotations

import random
import shutil
import struct
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from srs.clock import FixedClock
from srs.collection import Collection
from srs.domain import Rating
from srs.models import REVLOG_EPOCH_KEY
from srs.stats import compute_stats, logcache
from srs.stats.types import Period
from srs.study_answer import UNDO_DEPTH
from tests.srs.test_stats import NOW, Col, random_review


def _fill(col: Col, rng: random.Random, reviews: int, first_day: int = -700) -> list[int]:
    cards = [col.card(deck=rng.choice(("Default", "Lang", "Lang::Sub"))) for _ in range(12)]
    with col.store.write() as s:
        for i in range(reviews):
            day = first_day + i * (-first_day) // max(reviews, 1)
            row, _ = random_review(
                rng,
                rng.choice(cards),
                col.day(day, rng.uniform(0, 23.9)),
                no_memory=0.2,
                max_stability=400.0,
                duration_ms=rng.randint(500, 40_000),
            )
            s.add(row)
    return cards


def _both(col: Col, cache: Path, deck: str | None = None, period: Period = "all") -> Any:
    """The statistics with the cache, checked equal to those without it."""
    with col.store.read() as s:
        fresh = compute_stats(s, now=NOW, tz=col.tz, deck=deck, period=period)
    with col.store.read() as s:
        cached = compute_stats(s, now=NOW, tz=col.tz, deck=deck, period=period, log_cache=cache)
    assert cached == fresh
    return cached


def _header(cache: Path) -> tuple[int, int, int]:
    """Row count, last row id and epoch written in the cache file."""
    _magic, _version, n, last_id, epoch, _card, _at = struct.unpack(
        "<8sIxxxxqqqqq", cache.read_bytes()[:56]
    )
    return n, last_id, epoch


def _epoch(col: Col) -> int:
    with col.store.read() as s:
        found = s.execute(
            text("SELECT CAST(value AS INTEGER) FROM config WHERE key = :k"),
            {"k": REVLOG_EPOCH_KEY},
        ).scalar()
    return 0 if found is None else int(found)


def test_the_epoch_moves_with_every_deleted_or_changed_row_only(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    _fill(col, random.Random(1), 5)
    assert _epoch(col) == 0  # appends leave it
    with col.store.write() as s:
        s.execute(text("DELETE FROM revlog WHERE id IN (SELECT id FROM revlog LIMIT 2)"))
    assert _epoch(col) == 2
    with col.store.write() as s:
        s.execute(text("UPDATE revlog SET rating = 2 WHERE id = (SELECT max(id) FROM revlog)"))
    assert _epoch(col) == 3
    with col.store.write() as s:  # the newest row, which no undo entry names
        s.execute(text("DELETE FROM revlog WHERE id = (SELECT max(id) FROM revlog)"))
    assert _epoch(col) == 4
    col.store.close()


def test_cached_statistics_equal_fresh_ones_through_appends_and_deletions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logcache, "_CHUNK", 7)  # windows are cut from the file in chunks
    col = Col(tmp_path / "c.db")
    cache = col.store.stats_cache
    rng = random.Random(7)
    cards = _fill(col, rng, 300)
    assert not cache.exists()
    first = _both(col, cache)
    n, last_id, epoch = _header(cache)
    assert (n, epoch) == (300, 0)
    for deck in (None, "Lang", "Lang::Sub"):  # the copy serves every scope and period
        for period in ("1m", "1y", "all"):
            _both(col, cache, deck, period)
    # new reviews are read after the copy, which stays as it was while they are few
    col.review(cards[0], col.day(0, 11), rating=1, stability=3.0)
    col.review(cards[1], col.day(0, 12), rating=4, stability=30.0)
    second = _both(col, cache)
    assert second["today"]["answered"] == first["today"]["answered"] + 2
    assert _header(cache) == (300, last_id, 0)
    # a deletion (undo, a deleted card) makes the copy stale: it is read afresh
    with col.store.write() as s:
        s.execute(text("DELETE FROM revlog WHERE id = :id"), {"id": last_id - 3})
    _both(col, cache)
    assert _header(cache)[0] == 301 and _header(cache)[2] == 1
    col.store.close()


def test_rows_put_in_below_the_copy_are_noticed(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    cache = col.store.stats_cache
    cards = _fill(col, random.Random(3), 50)

    def insert(row_id: int, day: int) -> None:  # a row with its id given
        with col.store.write() as s:
            s.execute(
                text(
                    "INSERT INTO revlog (id, card_id, reviewed_at, rating, kind, interval_before,"
                    " interval_after, factor, duration_ms)"
                    " VALUES (:id, :card, :at, 1, 1, 5, 1, 2500, 1000)"
                ),
                {"id": row_id, "card": cards[0], "at": int(col.day(day, 9).timestamp() * 1000)},
            )

    insert(1000, -2)
    _both(col, cache)
    assert _header(cache)[:2] == (51, 1000)
    insert(500, -1)  # below the copy's last row id: no trigger sees an insert
    _both(col, cache)
    assert _header(cache)[:2] == (52, 1000)
    # one row deleted, another put in below: the same count, the same last row; only the
    # epoch tells
    with col.store.write() as s:
        s.execute(text("DELETE FROM revlog WHERE id = 7"))
    insert(600, -3)
    _both(col, cache)
    assert _header(cache) == (52, 1000, 1)
    col.store.close()


def test_a_damaged_or_foreign_cache_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    a, b = Col(tmp_path / "a.db"), Col(tmp_path / "b.db")
    _fill(a, random.Random(4), 80)
    _fill(b, random.Random(5), 80)
    _both(a, a.store.stats_cache)
    # b's cache is a's file: same row count, another log
    shutil.copyfile(a.store.stats_cache, b.store.stats_cache)
    _both(b, b.store.stats_cache)
    good = b.store.stats_cache.read_bytes()
    assert good != a.store.stats_cache.read_bytes()
    for damaged in (b"", good[:30], good[:-7], b"not a cache" + good[11:]):
        b.store.stats_cache.write_bytes(damaged)
        _both(b, b.store.stats_cache)
        assert b.store.stats_cache.read_bytes() == good
    a.store.close()
    b.store.close()


def test_a_cache_that_cannot_be_written_changes_nothing(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    _fill(col, random.Random(6), 40)
    nowhere = tmp_path / "missing-folder" / "c.stats-cache"
    _both(col, nowhere)
    assert not nowhere.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if "stats" in p.name) == []
    col.store.close()


def test_many_new_rows_rewrite_the_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logcache, "REWRITE_MIN", 10)
    col = Col(tmp_path / "c.db")
    rng = random.Random(8)
    cards = _fill(col, rng, 30)
    cache = col.store.stats_cache
    _both(col, cache)
    for i in range(8):  # not more than REWRITE_MIN: read after the copy
        col.review(cards[i % 4], col.day(-1, 1 + i), stability=2.0 + i)
    _both(col, cache)
    assert _header(cache)[0] == 30
    for i in range(8):  # 16 new rows now: the copy takes them in
        col.review(cards[i % 4], col.day(0, 1 + i), stability=2.0 + i)
    _both(col, cache)
    assert _header(cache)[0] == 46
    _both(col, cache)  # and serves as it is
    col.store.close()


def test_a_window_without_a_copy_is_read_from_the_collection(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    cache = col.store.stats_cache
    _fill(col, random.Random(9), 400)
    _both(col, cache, period="1m")
    _both(col, cache, "Lang", "1y")
    assert not cache.exists()  # windows leave the copy to a call for all time
    _both(col, cache, period="all")
    assert _header(cache) == (400, 400, 0)
    _both(col, cache, period="1m")  # which every window then uses
    col.store.close()


def test_undoing_answers_keeps_the_copy_in_use(
    col: Collection, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An undo deletes the newest row, which the copy never holds: the epoch stays, and the
    statistics (with the cache, as ``Collection.stats`` computes them) follow the undo."""
    monkeypatch.setattr(logcache, "REWRITE_MIN", 0)  # copy every row it may
    for i in range(6):
        col.add_basic(f"front {i}", f"back {i}")
    ids = col.search("deck:Default")
    for card_id in ids[:4]:
        col.answer(card_id, Rating.GOOD)
        clock.advance(timedelta(seconds=30))
    cache = col.store.stats_cache
    first = col.stats(period="all")
    n, last_id, epoch = _header(cache)
    assert (n, epoch) == (0, 0)  # every row is still undoable: none is copied yet
    # undo entries reach UNDO_DEPTH answers back; older rows are copied
    for _ in range(UNDO_DEPTH):
        col.answer(ids[4], Rating.AGAIN)
        clock.advance(timedelta(seconds=30))
    col.stats(period="all")
    n, last_id, epoch = _header(cache)
    assert (n, epoch) == (4, 0)
    for _ in range(3):
        assert col.undo() == "answer"
    undone = col.stats(period="all")
    assert _header(cache) == (n, last_id, 0)  # the undone rows were newer than the copy
    assert undone["today"]["answered"] == first["today"]["answered"] + UNDO_DEPTH - 3
    cache.unlink()
    assert col.stats(period="all") == undone


@pytest.mark.parametrize("seed", range(4))
def test_random_histories_of_writes_keep_cached_figures_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Appends, deletions, changes and rows put in below the copy, in random order, with
    statistics asked for in between: the cached figures always equal the fresh ones."""
    monkeypatch.setattr(logcache, "REWRITE_MIN", 3)  # rewrites happen too
    monkeypatch.setattr(logcache, "_CHUNK", 5)
    rng = random.Random(seed)
    col = Col(tmp_path / "c.db")
    cache = col.store.stats_cache
    cards = _fill(col, rng, 40)
    day = -300
    for _ in range(30):
        action = rng.choice(("append", "append", "delete", "change", "below", "stats"))
        with col.store.write() as s:
            if action == "append":
                for _ in range(rng.randint(1, 6)):
                    day += rng.randint(0, 9)
                    row, _ = random_review(
                        rng,
                        rng.choice(cards),
                        col.day(min(day, 0), rng.uniform(0, 23)),
                        no_memory=0.2,
                        max_stability=200.0,
                        duration_ms=rng.randint(500, 9000),
                    )
                    s.add(row)
            elif action == "delete":
                s.execute(
                    text(
                        "DELETE FROM revlog WHERE id = (SELECT id FROM revlog"
                        " ORDER BY random() LIMIT 1)"
                    )
                )
            elif action == "change":
                s.execute(
                    text(
                        "UPDATE revlog SET rating = 1 + (rating % 4) WHERE id ="
                        " (SELECT id FROM revlog ORDER BY random() LIMIT 1)"
                    )
                )
            elif action == "below":  # an explicit id in a gap below the newest row
                free = s.execute(
                    text(
                        "SELECT min(id) + 1 FROM revlog WHERE id + 1 NOT IN (SELECT id FROM revlog)"
                        " AND id + 1 < (SELECT max(id) FROM revlog)"
                    )
                ).scalar()
                if free is not None:
                    s.execute(
                        text(
                            "INSERT INTO revlog (id, card_id, reviewed_at, rating, kind,"
                            " interval_before, interval_after, factor, duration_ms)"
                            " VALUES (:id, :card, :at, 3, 1, 4, 9, 2500, 700)"
                        ),
                        {
                            "id": free,
                            "card": rng.choice(cards),
                            "at": int(col.day(-rng.randint(1, 400), 7.5).timestamp() * 1000)
                            + int(free),
                        },
                    )
        period: Period = rng.choice(("1m", "1y", "all", "all"))
        _both(col, cache, rng.choice((None, "Lang")), period)
    col.store.close()
