"""Provides ``DayQueue``: today's study queue for one selected deck, kept in memory between
answers the way Anki keeps its card queues, so that answering and showing the next card
costs no scan of the collection.

The queue is built from the database with the rules of ``srs.queue``; kept up to date, it
picks exactly what a queue built afresh would (tests compare the two after every step).
It holds the usable learning cards due before the day ends (plus the learn-ahead window),
the review cards due today, the head of each deck's new cards, and today's log. An answer
made through the engine updates it in place. It is valid while the collection's generation
is the one it was built or last updated at (any other change, from this process or
another, rebuilds it), and until the study day ends or a burial lifts.
"""

from __future__ import annotations

import bisect
import heapq
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.orm import Session

from srs.clock import to_ms
from srs.domain import CardState, ReviewKind
from srs.queue import (
    LEARN_AHEAD_MS,
    LEARNING_SQL,
    NEW_SQL,
    REVIEW_SQL,
    USABLE,
    DeckNode,
    QueuePick,
    Today,
    TodayLog,
    find_deck,
    load_decks,
    new_turn,
    rollover_hour,
    roots,
    subtree,
    today_log,
)
from srs.store import raw_connection
from srs.views import NotetypeCache

# Each deck's new cards are read this many beyond its daily limit, so that most answers
# need no new read; a deck whose list runs short is read again.
_NEW_SPARE = 32

_Four = tuple[int, int, int, int]
_NOTHING: _Four = (0, 0, 0, 0)
_BIG = 1 << 63  # above any card or deck id: (cutoff, _BIG, _BIG) sorts after every due <= cutoff
# (due in epoch ms, card id, deck id) and (position, ord, card id): sort keys with the id.
_Due = tuple[int, int, int]
_NewKey = tuple[int, int, int]


class AnswerEffect(NamedTuple):
    """What an answer changed that the queue has to know."""

    card_id: int
    deck_id: int
    state: CardState
    due_ms: int | None
    suspended: bool
    buried_ids: tuple[int, ...]
    kind: ReviewKind
    interval_before: int


@dataclass
class DayQueue:
    """Today's queue for ``deck`` (None: every deck), valid at ``generation``."""

    deck: str | None
    generation: int
    today: Today
    expires_ms: int
    decks: dict[int, DeckNode]
    tops: list[DeckNode]
    deck_ids: list[int]
    learning: list[_Due]
    review: list[_Due]
    review_per_deck: Counter[int]
    new: dict[int, list[_NewKey]]
    new_complete: dict[int, bool]
    log: TodayLog
    _scope: frozenset[int] = field(default_factory=frozenset)
    _where: dict[int, tuple[str, tuple[int, int, int], int]] = field(default_factory=dict)
    notetypes: NotetypeCache = field(default_factory=dict)  # parsed while the queue is valid
    # New and review counts after limits, by deck, kept between answers: an answer changes
    # a deck or two, and only they and the decks above them are counted again.
    _counts: dict[int, tuple[int, int]] = field(default_factory=dict)
    _dirty: set[int] | None = None  # decks whose own counts changed; None: count them all
    # By deck: its own (new done, reviews done, new, reviews), those plus what its children
    # pass up, and what it passes up (the same with new and reviews capped by its limits).
    _own: dict[int, _Four] = field(default_factory=dict)
    _sums: dict[int, _Four] = field(default_factory=dict)
    _below: dict[int, _Four] = field(default_factory=dict)
    _parent: dict[int, int | None] = field(default_factory=dict)
    _rank: dict[int, int] = field(default_factory=dict)  # children before parents
    _answered: int | None = None  # today's counted answers in the queue's decks

    def __post_init__(self) -> None:
        self._scope = frozenset(self.deck_ids)

    # -- building -----------------------------------------------------------------------

    @classmethod
    def build(
        cls, session: Session, deck: str | None, now: datetime, tz: tzinfo, generation: int
    ) -> DayQueue:
        """Read today's queue for ``deck`` from the database."""
        decks = load_decks(session)
        today = Today.at(now, tz, rollover_hour(decks))
        tops = roots(decks) if deck is None else [find_deck(decks, deck)]
        deck_ids = [d for top in tops for d in subtree(decks, top.id)]
        now_ms, end_ms = to_ms(now), to_ms(today.end)
        conn = session.connection()
        learning: list[_Due] = []
        review: list[_Due] = []
        expires = end_ms
        if deck_ids:
            in_decks = f"deck_id IN ({','.join(str(int(d)) for d in deck_ids)})"
            params = {"now": now_ms, "bound": end_ms + LEARN_AHEAD_MS, "end": end_ms}

            def due_list(where: str) -> list[_Due]:
                sql = (
                    f"SELECT id, deck_id, due FROM cards WHERE {where} AND {in_decks} AND {USABLE}"
                )
                rows = conn.execute(text(sql), params)
                return sorted((int(due), int(cid), int(did)) for cid, did, due in rows)

            learning = due_list(f"{LEARNING_SQL} AND due <= :bound")
            review = due_list(f"{REVIEW_SQL} AND due < :end")
            # A burial that lifts before the day ends changes what is usable: rebuild then.
            lift = conn.execute(
                text(
                    f"SELECT min(buried_until) FROM cards WHERE buried != 0 "
                    f"AND buried_until > :now AND buried_until < :end AND {in_decks}"
                ),
                params,
            ).scalar()
            if lift is not None:
                expires = min(expires, int(lift))
        queue = cls(
            deck=deck,
            generation=generation,
            today=today,
            expires_ms=expires,
            decks=decks,
            tops=tops,
            deck_ids=deck_ids,
            learning=learning,
            review=review,
            review_per_deck=Counter(did for _, _, did in review),
            new={},
            new_complete={},
            log=today_log(session, today),
        )
        for deck_id in deck_ids:
            queue._read_new(raw_connection(session), deck_id, now_ms)
        queue._index()
        return queue

    def _read_new(self, db: sqlite3.Connection, deck_id: int, now_ms: int) -> None:
        limit = self.decks[deck_id].preset.new_per_day
        if limit <= 0:
            self.new[deck_id], self.new_complete[deck_id] = [], True
            return
        rows = db.execute(
            f"SELECT new_position, ord, id FROM cards INDEXED BY ix_cards_new "
            f"WHERE deck_id = :deck AND {NEW_SQL} AND {USABLE} "
            f"ORDER BY new_position, ord, id LIMIT :limit",
            {"deck": deck_id, "now": now_ms, "limit": limit + _NEW_SPARE},
        )
        keys = [(int(p), int(o), int(i)) for p, o, i in rows]
        for key in self.new.get(deck_id, ()):
            self._where.pop(key[2], None)
        self._where.update((k[2], ("new", k, deck_id)) for k in keys)
        self.new[deck_id] = keys
        self._changed(deck_id)
        self.new_complete[deck_id] = len(keys) < limit + _NEW_SPARE

    # -- asking -------------------------------------------------------------------------

    def valid(self, deck: str | None, generation: int, now: datetime) -> bool:
        """Whether this queue still answers for ``deck`` at ``generation`` and ``now``."""
        now_ms = to_ms(now)
        return (
            deck == self.deck
            and generation == self.generation
            and to_ms(self.today.start) <= now_ms < self.expires_ms
        )

    def pick(self, now: datetime) -> QueuePick:
        """The next card to show and the counts that remain (the card included), as Anki's v3
        scheduler orders them: learning cards due now, then reviews and new cards mixed, then
        learning cards within the learn-ahead limit."""
        if not self.deck_ids:
            return QueuePick(None, 0, 0, 0)
        now_ms = to_ms(now)
        counts = self._new_review_counts()  # (new, review) after limits, by deck
        # learning cards are not limited: those due within the learn-ahead limit
        learn_total = bisect.bisect_right(self.learning, (now_ms + LEARN_AHEAD_MS, _BIG, _BIG))
        new_total = review_total = 0
        for top in self.tops:
            new, review = counts[top.id]
            new_total += new
            review_total += review
        pick: int | None = None
        if self.learning and self.learning[0][0] <= now_ms:
            pick = self.learning[0][1]
        if pick is None:
            if self._answered is None:
                self._answered = sum(self.log.answers.get(d, 0) for d in self.deck_ids)
            if review_total > 0 and not new_turn(self._answered, new_total, review_total):
                pick = self.review[0][1] if self.review else None
            if pick is None and new_total > 0:
                heads = [self.new[d][0] for d in self.deck_ids if counts[d][0] > 0 and self.new[d]]
                pick = min(heads)[2] if heads else None
            if pick is None and review_total > 0:
                pick = self.review[0][1] if self.review else None
        if pick is None and self.learning and self.learning[0][0] <= now_ms + LEARN_AHEAD_MS:
            pick = self.learning[0][1]
        return QueuePick(pick, new_total, learn_total, review_total)

    def _new_review_counts(self) -> dict[int, tuple[int, int]]:
        """The new and review counts of ``srs.queue.limited_counts``, by deck: each deck's
        own cards and its children's counts, capped by its limit less what its subtree did
        today. Only the decks changed since the last call are counted again (the first call:
        every deck, from nothing), and a change passes up to the decks above as a
        difference, as far as it changes what they pass up."""
        dirty = self._dirty
        if dirty is None:
            self._number_tree()
            dirty = set(self._rank)
            for deck_id in dirty:
                self._own[deck_id] = self._sums[deck_id] = self._below[deck_id] = _NOTHING
        if dirty:
            self._count_changes(dirty)
        self._dirty = set()
        return self._counts

    def _own_counts(self, deck_id: int) -> _Four:
        keys = self.new.get(deck_id)
        new = min(len(keys), self.decks[deck_id].preset.new_per_day) if keys else 0
        done = self.log.new_done.get(deck_id)
        new_done = len(done) if done else 0
        done = self.log.review_done.get(deck_id)
        review_done = len(done) if done else 0
        return (new_done, review_done, new, self.review_per_deck.get(deck_id, 0))

    def _pass_up(self, deck_id: int, sums: _Four) -> _Four:
        new_done, review_done, new, review = sums
        counts = self._counts[deck_id] = self.decks[deck_id].preset.capped(
            new, review, new_done, review_done
        )
        return (new_done, review_done, *counts)

    def _count_changes(self, dirty: set[int]) -> None:
        rank, parent_of = self._rank, self._parent
        todo = [(rank[d], d) for d in dirty if d in rank]  # children before parents
        heapq.heapify(todo)
        queued = {d for _, d in todo}
        passed: dict[int, _Four] = {}  # differences children passed up, by parent
        while todo:
            _, deck_id = heapq.heappop(todo)
            a, b, c, d = self._sums[deck_id]
            if deck_id in dirty:
                own = self._own_counts(deck_id)
                o_a, o_b, o_c, o_d = self._own[deck_id]
                self._own[deck_id] = own
                a, b, c, d = a + own[0] - o_a, b + own[1] - o_b, c + own[2] - o_c, d + own[3] - o_d
            diff = passed.pop(deck_id, None)
            if diff is not None:
                a, b, c, d = a + diff[0], b + diff[1], c + diff[2], d + diff[3]
            sums = self._sums[deck_id] = (a, b, c, d)
            up = self._pass_up(deck_id, sums)
            before = self._below[deck_id]
            parent = parent_of[deck_id]
            if up == before:
                continue
            self._below[deck_id] = up
            if parent is None:
                continue
            p_a, p_b, p_c, p_d = passed.get(parent, _NOTHING)
            passed[parent] = (
                p_a + up[0] - before[0],
                p_b + up[1] - before[1],
                p_c + up[2] - before[2],
                p_d + up[3] - before[3],
            )
            if parent not in queued:
                queued.add(parent)
                heapq.heappush(todo, (rank[parent], parent))

    def _number_tree(self) -> None:
        """Number the decks under ``tops``, children before parents (``_rank``), and note
        each one's parent."""

        def walk(node: DeckNode, parent: int | None) -> None:
            self._parent[node.id] = parent
            for child in node.children:
                walk(self.decks[child], node.id)
            self._rank[node.id] = len(self._rank)

        for top in self.tops:
            walk(top, None)

    def _changed(self, deck_id: int) -> None:
        """Deck ``deck_id``'s own new or review cards, or its log, changed."""
        if self._dirty is not None:
            self._dirty.add(deck_id)

    # -- updating -----------------------------------------------------------------------

    def apply_answer(self, db: sqlite3.Connection, effect: AnswerEffect, now: datetime) -> None:
        """Bring the queue up to date with an answer, inside the answer's transaction (the
        caller then moves ``generation`` on to the one that transaction committed)."""
        now_ms = to_ms(now)
        for card_id in (effect.card_id, *effect.buried_ids):
            self._remove(db, card_id, now_ms)
        end_ms = to_ms(self.today.end)
        if effect.deck_id in self._scope and not effect.suspended and effect.due_ms is not None:
            entry = (effect.due_ms, effect.card_id, effect.deck_id)
            if effect.state in (CardState.LEARNING, CardState.RELEARNING):
                if effect.due_ms <= end_ms + LEARN_AHEAD_MS:
                    bisect.insort(self.learning, entry)
                    self._where[effect.card_id] = ("learning", entry, effect.deck_id)
            elif effect.state == CardState.REVIEW and effect.due_ms < end_ms:
                bisect.insort(self.review, entry)
                self.review_per_deck[effect.deck_id] += 1
                self._changed(effect.deck_id)
                self._where[effect.card_id] = ("review", entry, effect.deck_id)
        answers = self.log.answers.get(effect.deck_id, 0)
        self.log.record(effect.card_id, effect.deck_id, effect.kind, effect.interval_before)
        self._changed(effect.deck_id)
        if self._answered is not None and effect.deck_id in self._scope:
            self._answered += self.log.answers.get(effect.deck_id, 0) - answers

    def _remove(self, db: sqlite3.Connection, card_id: int, now_ms: int) -> None:
        found = self._where.pop(card_id, None)
        if found is None:
            return
        where, entry, deck_id = found
        if where == "new":
            keys = self.new[deck_id]
            del keys[bisect.bisect_left(keys, entry)]
            self._changed(deck_id)
            limit = self.decks[deck_id].preset.new_per_day
            if not self.new_complete[deck_id] and len(keys) < limit:
                self._read_new(db, deck_id, now_ms)
            return
        entries = self.learning if where == "learning" else self.review
        del entries[bisect.bisect_left(entries, entry)]
        if where == "review":
            self.review_per_deck[deck_id] -= 1
            self._changed(deck_id)

    def _index(self) -> None:
        """Where each queued card is, so an answer removes it without a scan."""
        for entry in self.learning:
            self._where[entry[1]] = ("learning", entry, entry[2])
        for entry in self.review:
            self._where[entry[1]] = ("review", entry, entry[2])
