"""The statistics' columnar paths: whole columns read through ``group_concat`` (empty, odd and
broken columns), local days and hours of numpy instants across DST and the rollover, and the
review log's packed columns (codes, stabilities of every size, deck scope, windows)."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from srs.clock import day_number, from_ms, to_ms
from srs.revlog_codes import OTHER, PASSED, STUDY
from srs.stats.cards import distinct_counts, value_counts
from srs.stats.columns import columns_and_totals, int_columns
from srs.stats.days import DayScale
from srs.stats.daytable import day_table, sum_by
from srs.stats.log import Log, load_log
from srs.stats.scope import resolve_scope
from tests.srs.test_stats import NOW, Col


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    with Session(engine) as s:
        raw = s.connection().connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute("CREATE TABLE t (a INTEGER, b INTEGER, r REAL)")
        yield s
    engine.dispose()


def _raw(session: Session) -> sqlite3.Connection:
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def test_int_columns_equal_the_rows_in_one_order(session: Session) -> None:
    assert [c.tolist() for c in int_columns(session, ["a", "b"], "FROM t")] == [[], []]
    rng = random.Random(3)
    rows = [(rng.randint(-(2**62), 2**62), rng.randint(-5, 5)) for _ in range(3000)]
    _raw(session).executemany("INSERT INTO t (a, b) VALUES (?, ?)", rows)
    a, b = int_columns(session, ["a", "b * 2"], "FROM t WHERE b >= :lo", {"lo": -2})
    expected = [(x, 2 * y) for x, y in rows if y >= -2]
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == expected
    (only,), totals = columns_and_totals(session, ["b"], ["min(a)", "count(*)"], "FROM t")
    assert only.tolist() == [y for _, y in rows]
    assert totals == [min(x for x, _ in rows), len(rows)]


@pytest.mark.parametrize(
    "expr",
    [
        "CASE WHEN b > 0 THEN a END",  # NULLs would shift the column
        "b + 0.5",  # not an integer
        "a * 4",  # overflows into a REAL
        "CAST(b AS REAL) * 1e308 * 10",  # Inf
    ],
)
def test_int_columns_refuse_what_is_not_one_integer_per_row(session: Session, expr: str) -> None:
    _raw(session).executemany("INSERT INTO t (a, b) VALUES (?, ?)", [(2**62, 1), (1, -1)])
    with pytest.raises(ValueError, match="column"):
        int_columns(session, ["a", expr], "FROM t")


ZONES = ("America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC")


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("rollover", [0, 4, 23])
def test_days_and_hours_of_instants_match_python_across_dst(zone: str, rollover: int) -> None:
    tz = ZoneInfo(zone)
    scale = DayScale.at(NOW, tz, rollover)
    rng = random.Random(rollover)
    instants = []
    # around every local hour mark of a few days at each DST change of 2025-2026 (and a
    # plain stretch), a millisecond either side and on it
    for month, day in ((3, 9), (4, 6), (10, 5), (11, 2), (3, 8), (6, 1)):
        for year in (2025, 2026):
            base = datetime(year, month, day, tzinfo=UTC) - timedelta(days=1)
            for h in range(0, 72):
                mark = to_ms(base + timedelta(hours=h, minutes=rng.choice((0, 15, 30, 45))))
                instants += [mark - 1, mark, mark + 1]
    instants += [rng.randint(to_ms(NOW) - 900 * 86_400_000, to_ms(NOW)) for _ in range(2000)]
    ms = np.array(instants, dtype=np.int64)
    got_days, got_hours = scale.days_of(ms).tolist(), scale.hours_of(ms).tolist()
    for t, d, h in zip(instants, got_days, got_hours, strict=True):
        at = from_ms(t)
        assert d == day_number(at, tz, rollover) == scale.day_of_ms(t), at
        assert h == at.astimezone(tz).hour, at
    empty = np.zeros(0, dtype=np.int64)
    assert scale.days_of(empty).tolist() == scale.hours_of(empty).tolist() == []


def test_sum_by_adds_exactly_whatever_the_size() -> None:
    rng = random.Random(9)
    keys = np.array([rng.randrange(7) for _ in range(500)], dtype=np.int64)
    for top in (60_000, 2**60 // 1000):  # float64 sums exact; then too large for them
        values = np.array([rng.randint(-top, top) for _ in range(500)], dtype=np.int64)
        expected = [0] * 7
        for k, v in zip(keys.tolist(), values.tolist(), strict=True):
            expected[k] += v
        assert sum_by(keys, values, 7).tolist() == expected


def test_value_counts_with_and_without_a_compact_range() -> None:
    for values in ([5, -3, 5, 7, 7, 7], [10**15, -(10**15), 3, 3], []):
        arr = np.array(values, dtype=np.int64)
        counts = {v: values.count(v) for v in values}
        assert dict(value_counts(arr)) == counts
        keys, n = distinct_counts(arr)
        assert keys.tolist() == sorted(counts) and n.tolist() == [counts[k] for k in sorted(counts)]


def _log_rows(col: Col, deck: str | None, lo: datetime) -> list[tuple[int, int, int, int]]:
    """(card, reviewed_at ms, rating, kind) of the log from ``lo`` on, by plain SQL."""
    with col.store.read() as s:
        scope = resolve_scope(s, deck, None)
        rows = s.execute(
            text(
                "SELECT card_id, reviewed_at, rating, kind FROM revlog"
                f" WHERE reviewed_at >= :lo AND {scope.revlog_filter()} ORDER BY id"
            ),
            {"lo": to_ms(lo)},
        ).all()
    return [(int(a), int(b), int(c), int(d)) for a, b, c, d in rows]


def _load(col: Col, deck: str | None, lo: datetime) -> list[tuple[int, int, int, int]]:
    with col.store.read() as s:
        scope = resolve_scope(s, deck, None)
        log = load_log(s, scope, DayScale.at(NOW, col.tz, 4), to_ms(lo))
    code = log.code
    rating, kind = ((code >> 3) & 7).tolist(), ((code >> 6) & 7).tolist()
    return list(zip(log.card.tolist(), log.at.tolist(), rating, kind, strict=True))


def test_the_log_loads_a_window_in_a_deck_scope_either_way_the_rows_lie(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    assert _load(col, None, col.day(-10)) == []  # an empty log
    lang = col.card(deck="Lang", state=2, interval_days=5, due=col.day(3))
    other = col.card(state=2, interval_days=5, due=col.day(3))
    # written old first: the first rows by id are outside a one-month window, so the
    # window's first row is found through the time index
    for i in range(80):
        col.review(lang if i % 2 else other, col.day(-200 + i, 9), rating=1 + i % 4)
    for i in range(20):
        col.review(lang if i % 3 else other, col.day(-20 + i, 10), rating=1 + i % 4)
    col.review(other, col.day(0, 20), rating=2)
    for deck in (None, "Lang", "Language"):
        for lo in (col.day(-25), col.day(-500), col.day(5)):
            got = _load(col, deck, lo)
            assert sorted(got) == sorted(_log_rows(col, deck, lo))
    col.store.close()


def test_a_log_written_card_by_card_starts_at_its_first_recent_row(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    for _ in range(3):
        card = col.card(state=2, interval_days=5, due=col.day(3))
        for offset in (-300, -100, -10, -2):
            col.review(card, col.day(offset, 8))
    for lo in (col.day(-50), col.day(-150), col.day(-1)):
        assert sorted(_load(col, None, lo)) == sorted(_log_rows(col, None, lo))
    col.store.close()


def test_stabilities_of_every_size_and_odd_rows_travel_intact(tmp_path: Path) -> None:
    col = Col(tmp_path / "c.db")
    card = col.card(state=2, interval_days=5, due=col.day(3))
    values: list[float | None] = [None, -2.5, 0.0, 0.001, 0.1, 1.0 / 3, 3.3, 64.5, 36500.0]
    values += [131_072.0, 987_654.321, 2.0**33, 1.5e12]  # large, then too large for the CAST
    for i, value in enumerate(values):
        col.review(card, col.day(-60 + i, 9), stability=value)
    col.review(card, col.day(-1, 9), rating=12, kind=9)  # out of the packed ranges
    col.review(card, col.day(-1, 10), rating=0, kind=4)
    with col.store.read() as s:
        log = load_log(s, resolve_scope(s, None, None), DayScale.at(NOW, col.tz, 4), 0)
    got = log.stability.tolist()
    for want, have in zip(values, got, strict=False):
        if want is None or want <= 0:
            assert have == 0.0
        elif 64.0 <= want < 2.0**17 or want >= 2.0**22:
            assert have == want  # every bit kept
        elif want >= 2.0**17:
            assert abs(have - want) <= want * 2.0**-47
        else:
            assert abs(have - want) < 2.0**-46 and have <= want
    odd, manual = log.code[-2:].tolist()
    assert odd & OTHER and odd & PASSED and odd & STUDY  # kind 9: studied, by hour
    assert manual < OTHER and (manual >> 6) & 7 == 4 and (manual >> 3) & 7 == 0
    col.store.close()


@pytest.mark.parametrize("far", [False, True])
def test_day_table_counts_by_day_and_code_even_with_days_far_apart(far: bool) -> None:
    rng = random.Random(4)
    n = 3000
    day = [rng.randint(20_000, 20_400) for _ in range(n)]
    if far:  # a clock gone wrong: a grid of every day between would not fit
        day[:3] = [10**9, 10**9, -(10**8)]
    code = [rng.choice((8, 72, 75, 200, 268, OTHER + 3)) for _ in range(n)]
    duration = [rng.randint(0, 60_000) for _ in range(n)]
    none = np.zeros(n, dtype=np.int64)
    stability = np.zeros(n, dtype=np.float64)
    log = Log(none, none, np.array(day), np.array(code), np.array(duration), stability)
    table = day_table(log)
    want: Counter[tuple[int, int]] = Counter()
    spent: Counter[tuple[int, int]] = Counter()
    for d, c, t in zip(day, code, duration, strict=True):
        if c < OTHER:
            want[d, c] += 1
            spent[d, c] += t
    assert table.days.tolist() == sorted({d for d, _ in want})
    got = {
        (d, c): (int(table.counts[i, j]), int(table.times[i, j]))
        for i, d in enumerate(table.days.tolist())
        for j, c in enumerate(table.codes.tolist())
        if table.counts[i, j]
    }
    assert got == {k: (want[k], spent[k]) for k in want}
    rows = table.rows(20_100, 20_200)
    assert table.days[rows].tolist() == [d for d in table.days.tolist() if 20_100 <= d <= 20_200]
    assert table.rows(30_000, None) == slice(table.days.size - (1 if far else 0), table.days.size)


def test_importing_the_statistics_leaves_numpy_to_the_first_computation() -> None:
    # every CLI command imports the stats command, hence srs.stats: numpy (a tenth of a
    # second to import) waits for a computation
    code = "import sys, srs.stats, srs.cli.stats; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
