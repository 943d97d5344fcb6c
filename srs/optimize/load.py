"""Provides reading what an optimisation needs from the store: the preset chosen by name or
deck, its cards, and their review logs reduced to ``LogEntry`` rows with local day numbers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from srs.clock import day_number, from_ms
from srs.errors import NotFound, UsageError
from srs.models import Card, Deck, Preset, ReviewLog
from srs.optimize.history import LogEntry

_DAY_MS = 86_400_000
_DAY_S = 86_400
#: ``DayCounter.sorted_days`` walks at most this many days (about 55 years) to find runs.
_MAX_WALK_DAYS = 20_000


def resolve_preset(session: Session, preset: str | None, deck: str | None) -> Preset:
    """The preset named ``preset``, or the one deck ``deck`` uses, or the only preset.

    Raises:
        UsageError: both or neither given while several presets exist.
        NotFound: no such preset or deck.
    """
    if preset is not None and deck is not None:
        raise UsageError("give --preset or --deck, not both")
    if preset is not None:
        found = session.scalars(select(Preset).where(Preset.name == preset)).first()
        if found is None:
            raise NotFound(f"no preset named {preset!r}")
        return found
    if deck is not None:
        row = session.scalars(select(Deck).where(Deck.name == deck)).first()
        if row is None:
            raise NotFound(f"no deck named {deck!r}")
        return row.preset
    presets = list(session.scalars(select(Preset).order_by(Preset.id)))
    if not presets:
        raise NotFound("the collection has no preset")
    if len(presets) > 1:
        names = ", ".join(p.name for p in presets[:5])
        raise UsageError(f"several presets ({names}): choose one with --preset or --deck")
    return presets[0]


def preset_deck_ids(session: Session, preset_id: int) -> list[int]:
    """Ids of the decks whose options are the preset (Anki's ``preset:`` search)."""
    return list(session.scalars(select(Deck.id).where(Deck.preset_id == preset_id)))


@dataclass
class DayCounter:
    """Local day numbers of epoch-ms instants for one time zone and rollover hour.

    Equal to ``srs.clock.day_number`` but cheap in bulk: the zone's UTC offset is looked up
    once per UTC day (and per instant only on a day when it changes). ``shift`` maps a UTC
    day whose offset is constant to ``offset - rollover`` in seconds, so that a caller in a
    hot loop can do ``(ms // 1000 + shift[ms // 86_400_000]) // 86_400`` itself.
    """

    tz: tzinfo
    rollover_hour: int

    def __post_init__(self) -> None:
        self.shift: dict[int, int] = {}
        self._changing: set[int] = set()
        # for ``sorted_days``: UTC day -> number of its run of days with one offset
        self._runs: dict[int, int] = {}
        self._run_count = 0
        self._span: tuple[int, int] | None = None  # the days numbered so far

    def __call__(self, ms: int) -> int:
        utc_day = ms // _DAY_MS
        shift = self.shift.get(utc_day)
        if shift is None and utc_day not in self._changing:
            start = from_ms(utc_day * _DAY_MS).astimezone(self.tz).utcoffset()
            end = from_ms((utc_day + 1) * _DAY_MS - 1).astimezone(self.tz).utcoffset()
            if start is not None and start == end:
                shift = int(start.total_seconds()) - self.rollover_hour * 3600
                self.shift[utc_day] = shift
            else:
                self._changing.add(utc_day)
        if shift is None:  # the offset changes that day: do it the slow, exact way
            return day_number(from_ms(ms), self.tz, self.rollover_hour)
        return (ms // 1000 + shift) // _DAY_S

    def days(self, instants: Sequence[int]) -> list[int]:
        """The day numbers of many instants (as calling this counter on each)."""
        shift = self.shift
        try:
            return [(ms // 1000 + shift[ms // _DAY_MS]) // _DAY_S for ms in instants]
        except KeyError:  # a UTC day not seen yet, or one when the offset changes
            return [self(ms) for ms in instants]

    def sorted_days(self, instants: Sequence[int]) -> list[int]:
        """``days`` of instants in ascending order (one card's log), with one division each
        when the zone's offset stays the same from the first instant to the last."""
        if instants:
            first, last = instants[0] // _DAY_MS, instants[-1] // _DAY_MS
            runs = self._runs
            if first not in runs or last not in runs:
                self._cover(first, last)
            run = runs.get(first)
            if run is not None and run == runs.get(last):
                # (ms // 1000 + shift) // 86_400 == (ms + 1000 * shift) // 86_400_000
                shifted = self.shift[first] * 1000
                return [(ms + shifted) // _DAY_MS for ms in instants]
        return self.days(instants)

    def _cover(self, first: int, last: int) -> None:
        """Number the runs of consecutive UTC days with one offset (a day when the offset
        changes is in none) over ``first`` to ``last`` and the span numbered before; a span
        too long to walk (a bogus instant) is left alone."""
        low, high = first, last
        if self._span is not None:
            low, high = min(low, self._span[0]), max(high, self._span[1])
        if high - low > _MAX_WALK_DAYS:
            return
        if self._span is None:
            self._number(low, None)
            self._span = (low, low)
        done_low, done_high = self._span
        for day in range(done_high + 1, high + 1):
            self._number(day, day - 1)
        for day in range(done_low - 1, low - 1, -1):
            self._number(day, day + 1)
        self._span = (low, high)

    def _number(self, day: int, neighbour: int | None) -> None:
        self(day * _DAY_MS)  # works out the day's shift, or marks it as changing
        shift = self.shift.get(day)
        if shift is None:
            return
        run = None if neighbour is None else self._runs.get(neighbour)
        if run is None or self.shift.get(day if neighbour is None else neighbour) != shift:
            self._run_count += 1
            run = self._run_count
        self._runs[day] = run


def log_statement(deck_ids: list[int], *extra: Any) -> Select[Any]:
    """The review log of every card whose home deck is in ``deck_ids``, by card then time:
    card id, instant, rating, kind, factor, interval after, interval before, then ``extra``."""
    home = func.coalesce(Card.original_deck_id, Card.deck_id)
    return (
        select(
            ReviewLog.card_id,
            ReviewLog.reviewed_at,
            ReviewLog.rating,
            ReviewLog.kind,
            ReviewLog.factor,
            ReviewLog.interval_after,
            ReviewLog.interval_before,
            *extra,
        )
        .where(ReviewLog.card_id.in_(select(Card.id).where(home.in_(deck_ids))))
        .order_by(ReviewLog.card_id, ReviewLog.reviewed_at)
    )


def card_logs(
    session: Session, deck_ids: list[int], day_of: DayCounter
) -> Iterator[tuple[int, list[LogEntry]]]:
    """The log of each card whose home deck is in ``deck_ids``, oldest first, by card id
    (cards with no rows are skipped)."""
    stmt = log_statement(deck_ids, ReviewLog.duration_ms)
    # The raw DB-API cursor of the session's connection (same transaction, same snapshot):
    # this reads every review-log row, and plain tuples cost a fraction of Row objects.
    # The values are integers (instants as epoch ms), read without type conversion.
    # (deck ids are integers, so rendering them inline is safe.)
    sql = str(
        stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )
    cursor = session.connection().connection.cursor()
    shift = day_of.shift
    make = tuple.__new__  # LogEntry without its Python-level __new__: one per row
    try:
        cursor.execute(sql)
        for card_id, group in groupby(_fetch_all(cursor), key=itemgetter(0)):
            yield (
                card_id,
                [
                    make(
                        LogEntry,
                        (
                            ms,
                            day_of(ms)
                            if (sh := shift.get(ms // _DAY_MS)) is None
                            else (ms // 1000 + sh) // _DAY_S,
                            rating,
                            kind,
                            factor,
                            ivl,
                            last_ivl,
                            duration,
                        ),
                    )
                    for _, ms, rating, kind, factor, ivl, last_ivl, duration in group
                ],
            )
    finally:
        cursor.close()


def _fetch_all(cursor: Any) -> Iterator[tuple[int, ...]]:
    while batch := cursor.fetchmany(20_000):
        yield from batch
