"""Provides ``compute_stats``: every statistic of a deck tree or the whole collection, read in
one session and returned as a plain, JSON-ready ``Stats``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from srs.clock import utc
from srs.errors import UsageError
from srs.gcpause import paused_gc
from srs.stats.types import PERIOD_DAYS, Meta, Period, Stats
from srs.store import CACHE_KIB, Store

T = TypeVar("T")
_SIDE_CACHE_KIB = 1000


def compute_stats(
    session: Session,
    *,
    now: datetime,
    tz: tzinfo,
    deck: str | None = None,
    period: Period = "1y",
    rollover_hour: int | None = None,
    log_cache: Path | None = None,
) -> Stats:
    """Compute all statistics as Anki's stats screen defines them.

    Args:
        session: an open (read) session on the collection.
        now: the present instant (aware).
        tz: the local time zone that days and hours are counted in.
        deck: a deck name (its children included), or None for the whole collection.
        period: the window of the per-period figures (forecast, buttons, hours, reviews,
            added, calibration): one month, three months, one year or all time.
        rollover_hour: the hour a day starts; None takes the deck preset's.
        log_cache: a file that keeps a columnar copy of the review log between calls
            (``srs.stats.logcache``; the store's ``stats_cache``); None reads the log from
            the collection alone.

    Returns:
        The statistics; ``json.dumps`` accepts them as they are.

    Raises:
        NotFound: the deck does not exist.
        UsageError: an unknown period or a bad rollover hour.
    """
    if period not in PERIOD_DAYS:
        raise UsageError(f"period {period!r} is not one of {', '.join(PERIOD_DAYS)}")
    # The statistics fetch many rows (tuples, no cycles): see srs.gcpause.
    with paused_gc():
        return _compute(session, utc(now), tz, deck, period, rollover_hour, log_cache)


def _compute(
    session: Session,
    now: datetime,
    tz: tzinfo,
    deck: str | None,
    period: Period,
    rollover_hour: int | None,
    log_cache: Path | None,
) -> Stats:
    # numpy is imported on the first call, not with srs.stats: every CLI command imports
    # this module (through the stats command), few of them compute statistics
    from srs.stats import cards, reviews
    from srs.stats.calibration import calibration_and_hours
    from srs.stats.days import DayScale
    from srs.stats.daytable import day_table
    from srs.stats.log import load_log
    from srs.stats.memory import memory
    from srs.stats.scope import card_decays, resolve_scope

    scope = resolve_scope(session, deck, rollover_hour)
    scale = DayScale.at(now, tz, scope.rollover_hour)
    # Day by day, only what the figures show: the calendar year (and, for the all-time
    # retention row, Anki's loaded range: the period's days before today), or all time.
    span = PERIOD_DAYS[period]
    calendar_first = None if span is None else scale.today - reviews.CALENDAR_DAYS + 1
    all_time_from = None if span is None else scale.today - span
    first_loaded = (
        None if span is None else min(scale.today - reviews.CALENDAR_DAYS + 1, scale.today - span)
    )
    lo_ms = 0 if first_loaded is None else scale.start_ms(first_loaded)
    # the log and the cards are read at once: SQLite works without the GIL
    log_read = _beside(session, lambda s: load_log(s, scope, scale, lo_ms, log_cache))
    in_scope = cards.load_cards(session, scope, scale.now_ms)
    decays = card_decays(session, scope, in_scope.single_decay)
    stability, difficulty, retrievability, knowledge = memory(session, scope, scale, in_scope)
    log = log_read()
    table = day_table(log)
    retention = reviews.true_retention(table, scale.today, all_time_from=all_time_from)
    start = reviews.period_start(scale, period)
    period_log = log if start is None else log.since(scale.start_ms(start))
    calibration, hours = calibration_and_hours(period_log, scale, period, decays)
    counts, intervals = cards.counts_and_intervals(in_scope)
    return Stats(
        meta=Meta(
            now=now.isoformat(),
            timezone=str(tz),
            today=scale.date_of(scale.today).isoformat(),
            rollover_hour=scope.rollover_hour,
            deck=deck,
            period=period,
        ),
        today=reviews.today_stats(
            table, scale, reviews.cards_studied_today(log, scale), retention["today"]
        ),
        true_retention=retention,
        forecast=cards.forecast(in_scope, scale, period),
        calendar=reviews.calendar(table, scale, session, scope, calendar_first),
        counts=counts,
        intervals=intervals,
        stability=stability,
        difficulty=difficulty,
        retrievability=retrievability,
        calibration=calibration,
        buttons=reviews.buttons(table, scale, period),
        hours=hours,
        reviews=reviews.reviews_per_day(table, scale, period),
        added=cards.added(in_scope, scale, period),
        knowledge=knowledge,
    )


def _beside(session: Session, work: Callable[[Session], T]) -> Callable[[], T]:
    """Start ``work`` in a thread, on a second connection in its own read transaction; the
    function returned waits for its result.

    The result is from the snapshot ``session`` reads when the collection's generation (which
    every srs write moves) is the same in both transactions; when a write came in between,
    ``work`` runs again on ``session``. A database that is not a file (each connection
    would see its own) runs ``work`` on ``session`` at once.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.url.database in (None, "", ":memory:"):
        result = work(session)
        return lambda: result
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            with Session(bind) as side, side.begin():
                # a small page cache: the side reads little through it (counting the log
                # would fill a large one), and the main connection has its own
                side.execute(text(f"PRAGMA cache_size = -{_SIDE_CACHE_KIB}"))
                try:
                    box["generation"] = Store.generation(side)
                    box["result"] = work(side)
                finally:  # the pooled connection goes back as it came
                    side.execute(text(f"PRAGMA cache_size = -{CACHE_KIB}"))
        except BaseException as exc:  # handed to the waiting thread
            box["error"] = exc

    thread = threading.Thread(target=run, name="srs-stats-log", daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        if "error" in box:
            raise box["error"]
        if box["generation"] != Store.generation(session):
            return work(session)
        result: T = box["result"]
        return result

    return wait
