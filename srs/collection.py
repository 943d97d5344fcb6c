"""Provides ``Collection``, the engine's API for the CLI and the TUI: every question they ask
and every change they make goes through here, one transaction per call, and answers come
back as plain dataclasses (never ORM rows)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, cast

from sqlalchemy import select

from srs import notes as notes_mod
from srs import queue, scheduler, study
from srs.clock import Clock, to_ms
from srs.dayqueue import AnswerEffect, DayQueue
from srs.domain import CardSched, CardView, DeckCounts, Rating, ReviewKind, ReviewRecord
from srs.errors import NotFound
from srs.models import Card, Deck, Notetype, ReviewLog
from srs.render import cards_for_note
from srs.store import Store, raw_connection, read_generation
from srs.study_answer import KnownCard
from srs.views import card_view_and_config, card_views, read_card

if TYPE_CHECKING:
    from srs.optimize import OptimizeResult, RetentionSuggestion
    from srs.presets import PresetView
    from srs.stats.types import Stats


def _effect(done: study.Answered) -> AnswerEffect:
    sched, review = done.outcome.card, done.outcome.review
    return AnswerEffect(
        card_id=done.card_id,
        deck_id=done.deck_id,
        state=sched.state,
        due_ms=to_ms(sched.due) if sched.due is not None else None,
        suspended=done.suspended_as_leech,
        buried_ids=done.buried_ids,
        kind=review.kind,
        interval_before=review.interval_before,
    )


class _NoDeck:
    """No next card wanted (``Collection.answer``)."""


_NO_DECK = _NoDeck()


@dataclass(frozen=True)
class StudyState:
    """What the review screen needs after every action: the card to show and the counts."""

    card: CardView | None
    new: int
    learn: int
    review: int
    intervals: dict[Rating, str]


class Collection:
    """The engine facade over one open Store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: DayQueue | None = None
        # The card last shown, as answering it needs it, and the generation it was read at.
        self._known: tuple[int, KnownCard] | None = None
        self._queue_lock = threading.Lock()
        self._ensure_defaults()

    def _ensure_defaults(self) -> None:
        """Every collection has a Default preset and deck, as in Anki."""
        with self.store.read() as session:
            present = session.scalar(select(Deck.id).limit(1)) is not None
        if not present:
            with self.store.write() as session:
                if session.scalar(select(Deck.id).limit(1)) is None:
                    notes_mod.ensure_deck(session, notes_mod.DEFAULT_NAME)

    @property
    def clock(self) -> Clock:
        return self.store.clock

    @property
    def tz(self) -> tzinfo:
        return self.store.clock.tz

    def now(self) -> datetime:
        return self.store.clock.now()

    def close(self) -> None:
        self.store.close()

    # -- decks and notes ------------------------------------------------------------------

    def deck_counts(self) -> list[DeckCounts]:
        """Every deck with today's counts after limits, in tree order (Anki's deck list)."""
        with self.store.read() as session:
            rows = queue.deck_counts(session, self.now(), self.tz)
            # Like Anki, an empty Default deck is hidden once other decks exist.
            default = next((r for r in rows if r.name == notes_mod.DEFAULT_NAME), None)
            if default is not None and len(rows) > 1:
                has_cards = session.scalar(
                    select(Card.id).where(Card.deck_id == default.deck_id).limit(1)
                )
                if has_cards is None and not any(
                    r.name.startswith(notes_mod.DEFAULT_NAME + "::") for r in rows
                ):
                    rows.remove(default)
            return rows

    def check_deck(self, name: str) -> None:
        """Raise NotFound unless a deck called ``name`` exists."""
        with self.store.read() as session:
            queue.find_deck(queue.load_decks(session), name)

    def deck_names(self) -> list[str]:
        with self.store.read() as session:
            return sorted(session.scalars(select(Deck.name)).all(), key=str.casefold)

    def add_basic(
        self, front: str, back: str, *, deck: str = notes_mod.DEFAULT_NAME, tags: Sequence[str] = ()
    ) -> int:
        """Add a Basic note (one card); returns the note id."""
        now = self.now()
        with self.store.write() as session:
            nt = notes_mod.ensure_basic_notetype(session, now)
            target = notes_mod.ensure_deck(session, deck)
            note = notes_mod.add_note(
                session, notetype=nt, fields=[front, back], deck=target, tags=tags, now=now,
                ords=[0] if front.strip() else [],
            )  # fmt: skip
            return note.id

    def add_note(
        self,
        notetype: str,
        fields: Sequence[str],
        *,
        deck: str = notes_mod.DEFAULT_NAME,
        tags: Sequence[str] = (),
    ) -> int:
        """Add a note of a stock or existing note type; its cards follow Anki's rules."""
        now = self.now()
        with self.store.write() as session:
            if notetype in notes_mod.STOCK_NOTETYPES:
                nt = notes_mod.ensure_stock_notetype(session, notetype, now)
            else:
                found = session.scalars(select(Notetype).where(Notetype.name == notetype)).first()
                if found is None:
                    raise NotFound(f"no note type called {notetype!r}")
                nt = found
            names = [f["name"] for f in nt.fields]
            ords = cards_for_note(
                [t["qfmt"] for t in nt.templates],
                dict(zip(names, fields, strict=False)),
                is_cloze=nt.kind == "cloze",
            )
            target = notes_mod.ensure_deck(session, deck)
            note = notes_mod.add_note(
                session, notetype=nt, fields=fields, deck=target, tags=tags, now=now, ords=ords
            )
            return note.id

    # -- studying ---------------------------------------------------------------------------

    def study_state(self, deck: str | None = None) -> StudyState:
        """The next card to show in ``deck`` (with subdecks; all decks if None) and counts."""
        now = self.now()
        with self._queue_lock:
            with self.store.raw_read() as tx:
                day_queue = self._queue
                if day_queue is not None and day_queue.valid(deck, read_generation(tx.db), now):
                    return self._study_state(tx.db, day_queue, now)
            with self.store.read() as session:
                generation = Store.generation(session)
                day_queue = DayQueue.build(session, deck, now, self.tz, generation)
                self._queue = day_queue
                return self._study_state(raw_connection(session), day_queue, now)

    def _study_state(
        self, db: sqlite3.Connection, day_queue: DayQueue, now: datetime
    ) -> StudyState:
        return self._prepare(db, day_queue, now)()

    def _prepare(
        self, db: sqlite3.Connection, day_queue: DayQueue, now: datetime
    ) -> Callable[[], StudyState]:
        """Read what the next card's state needs; the returned call builds it without the
        database (rendering and button labels), so it can run while an answer commits."""
        pick = day_queue.pick(now)
        found = None
        if pick.card_id is not None:
            found = read_card(db, pick.card_id, day_queue.notetypes)
        tz, generation = self.tz, day_queue.generation

        def build() -> StudyState:
            if found is None:
                return StudyState(None, pick.new, pick.learn, pick.review, {})
            # Answering it will need the same row, unless something changes meanwhile.
            view, known = found.build_and_know(now, tz)
            self._known = (generation, known)
            # Each button's label: the interval that answer schedules (fuzz included, as in
            # Anki), counted as Anki counts it (whole days past the next day boundary).
            delays = scheduler.prepared_seconds(known.prepared, now)
            intervals = {rating: scheduler.format_interval(s) for rating, s in delays.items()}
            return StudyState(view, pick.new, pick.learn, pick.review, intervals)

        return build

    def answer(self, card_id: int, rating: Rating, duration_ms: int = 0) -> study.Answered:
        """Answer a card; committed (durable) before this returns."""
        return self._answer(card_id, rating, duration_ms, _NO_DECK)[0]

    def answer_and_next(
        self, card_id: int, rating: Rating, deck: str | None, duration_ms: int = 0
    ) -> tuple[study.Answered, StudyState]:
        """Answer a card (committed before this returns) and return ``study_state(deck)``
        after it: what the review screen does after every answer, in one transaction. The
        next card is read before the commit and rendered while the commit syncs to disk."""
        done, state = self._answer(card_id, rating, duration_ms, deck)
        return done, state if state is not None else self.study_state(deck)

    def _answer(
        self, card_id: int, rating: Rating, duration_ms: int, deck: str | None | _NoDeck
    ) -> tuple[study.Answered, StudyState | None]:
        now = self.now()
        with self._queue_lock:
            # Today's queue follows the answer in place when nothing else changed since it
            # was read (checked once the write holds the lock); otherwise it is read again.
            day_queue, self._queue = self._queue, None
            known, self._known = self._known, None
            try:
                with self.store.raw_write() as tx:
                    if known is not None and tx.generation() != known[0]:
                        known = None  # something changed since the card was read: read again
                    done = study.answer(
                        tx.db, card_id, rating, now, self.tz, duration_ms, known and known[1]
                    )
                    moved = tx.advance()
                    if day_queue is None or moved is None or moved[0] != day_queue.generation:
                        day_queue = None
                    else:
                        day_queue.apply_answer(tx.db, _effect(done), now)
                        day_queue.generation = moved[1]
                        if not isinstance(deck, _NoDeck) and day_queue.valid(deck, moved[1], now):
                            tx.overlap = self._prepare(tx.db, day_queue, now)
            except BaseException:
                # What the overlapped work prepared belongs to a generation never committed
                # (the number may be reached later by other changes): drop it.
                self._known = None
                raise
            self._queue = day_queue
            state = None
            if tx.overlap_ran and tx.overlap_error is None:
                state = tx.overlap_result
            return done, state

    def undo(self) -> str | None:
        """Undo the last action (answer, bury, suspend, flag, reset); None if nothing to undo."""
        with self.store.write() as session:
            return study.undo_last(session)

    def bury(self, card_ids: Sequence[int]) -> int:
        with self.store.write() as session:
            return study.bury(session, list(card_ids), self.now(), self.tz)

    def suspend(self, card_ids: Sequence[int], suspended: bool = True) -> int:
        with self.store.write() as session:
            return study.set_suspended(session, list(card_ids), suspended, self.now())

    def flag(self, card_ids: Sequence[int], flag: int) -> int:
        with self.store.write() as session:
            return study.set_flag(session, list(card_ids), flag, self.now())

    def reset(self, card_ids: Sequence[int]) -> int:
        with self.store.write() as session:
            return study.reset(session, list(card_ids), self.now())

    # -- looking things up ------------------------------------------------------------------

    def card(self, card_id: int) -> CardView:
        with self.store.raw_read() as tx:
            found = card_view_and_config(tx.db, card_id, self.now(), self.tz)
            if found is None:
                raise NotFound(f"no card with id {card_id}")
            return found[0]

    def cards(self, card_ids: Sequence[int]) -> list[CardView]:
        now = self.now()
        with self.store.raw_read() as tx:
            views = card_views(tx.db, card_ids, now, self.tz)
            return [views[i] for i in card_ids if i in views]

    def history(self, card_id: int) -> list[ReviewRecord]:
        """A card's whole review log, oldest first."""
        with self.store.read() as session:
            rows = session.scalars(
                select(ReviewLog)
                .where(ReviewLog.card_id == card_id)
                .order_by(ReviewLog.reviewed_at)
            ).all()
            return [
                ReviewRecord(
                    reviewed_at=r.reviewed_at,
                    rating=r.rating,
                    kind=ReviewKind(r.kind),
                    interval_before=r.interval_before,
                    interval_after=r.interval_after,
                    factor=r.factor,
                    stability=r.stability,
                    difficulty=r.difficulty,
                    duration_ms=r.duration_ms,
                )  # fmt: skip
                for r in rows
            ]

    def stats(self, deck: str | None = None, period: str = "1y") -> Stats:
        """Every statistic of ``deck`` (with its children; None: the whole collection).

        Args:
            deck: a deck name, or None for all decks.
            period: the window of the per-period figures: "1m", "3m", "1y" or "all".

        Raises:
            NotFound: the deck does not exist.
            UsageError: an unknown period.
        """
        from srs.errors import UsageError
        from srs.stats import compute_stats
        from srs.stats.types import PERIOD_DAYS, Period

        if period not in PERIOD_DAYS:
            raise UsageError(f"period {period!r} is not one of {', '.join(PERIOD_DAYS)}")
        with self.store.read() as session:
            return compute_stats(
                session,
                now=self.now(),
                tz=self.tz,
                deck=deck,
                period=cast(Period, period),
                log_cache=self.store.stats_cache,
            )

    def search(self, query: str, limit: int | None = None) -> list[int]:
        """Card ids matching an Anki search query, in due order."""
        from srs.search import search_cards

        with self.store.read() as session:
            rollover = queue.read_rollover_hour(session)
            return search_cards(
                session, query, now=self.now(), tz=self.tz, limit=limit, rollover_hour=rollover
            )

    def sched(self, card_id: int) -> CardSched:
        with self.store.read() as session:
            card = session.get(Card, card_id)
            if card is None:
                raise NotFound(f"no card with id {card_id}")
            return study.card_sched(card)

    # -- editing notes (used by the TUI's edit dialog) -------------------------------------

    def note_fields(self, note_id: int) -> dict[str, str]:
        """A note's fields by name, in the note type's order."""
        from srs.models import Note

        with self.store.read() as session:
            note = session.get(Note, note_id)
            if note is None:
                raise NotFound(f"no note with id {note_id}")
            names = [str(f["name"]) for f in note.notetype.fields]
            values = notes_mod.split_fields(note.fields)
            values += [""] * (len(names) - len(values))
            return dict(zip(names, values, strict=False))

    def note_vault_root(self, note_id: int) -> str | None:
        """The vault folder an Obsidian note was imported from (None for other notes)."""
        from srs.models import Note

        with self.store.read() as session:
            note = session.get(Note, note_id)
            if note is None:
                raise NotFound(f"no note with id {note_id}")
            root = (note.extra or {}).get("vault")
            return str(root) if root else None

    def update_note_fields(self, note_id: int, fields: dict[str, str]) -> None:
        """Replace some of a note's fields (by name) in one transaction; unknown names refused."""
        from srs.errors import UsageError
        from srs.models import Note

        with self.store.write() as session:
            note = session.get(Note, note_id)
            if note is None:
                raise NotFound(f"no note with id {note_id}")
            nt = note.notetype
            names = [str(f["name"]) for f in nt.fields]
            unknown = sorted(set(fields) - set(names))
            if unknown:
                raise UsageError(f"note type {nt.name!r} has no field {unknown[0]!r}")
            values = notes_mod.split_fields(note.fields)
            values += [""] * (len(names) - len(values))
            merged = [fields.get(name, value) for name, value in zip(names, values, strict=False)]
            note.fields = notes_mod.join_fields(merged)
            note.sort_field = merged[min(nt.sort_field, len(merged) - 1)] if merged else ""
            note.modified_at = self.now()

    # -- deck options and FSRS optimisation (srs.presets) -----------------------------------

    def preset_for_deck(self, deck: str) -> PresetView:
        """The options (preset) of the deck called ``deck``; NotFound if there is none."""
        from srs import presets

        with self.store.read() as session:
            return presets.preset_for_deck(session, deck)

    def update_preset(self, preset_id: int, **changes: object) -> PresetView:
        """Change some options of a preset in one transaction; all or nothing.

        Raises:
            InvalidOption: a value out of range (a UsageError naming the field).
        """
        from srs import presets

        with self.store.write() as session:
            return presets.update_preset(session, preset_id, changes)

    def optimize(
        self,
        deck: str,
        *,
        dry_run: bool = False,
        reschedule: bool = True,
        progress: Callable[[str, float], None] | None = None,
    ) -> OptimizeResult:
        """Fit FSRS to the history of ``deck``'s preset; ``progress(stage, fraction)``."""
        from srs import presets

        return presets.optimize(
            self.store, deck, dry_run=dry_run, reschedule=reschedule, progress=progress
        )

    def suggest_retention(self, deck: str) -> RetentionSuggestion:
        """A desired retention for ``deck``'s preset, with the workload at a few levels."""
        from srs import presets

        return presets.suggest_retention(self.store, deck)
