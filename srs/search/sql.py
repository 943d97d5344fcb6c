"""Provides ``card_filter``: a parsed search turned into a SQL condition over cards and notes.

The condition reads the columns of ``Card`` and ``Note`` (the caller joins them on
``Card.note_id == Note.id``); decks, note types, presets and the review log are reached
through correlated subqueries on aliases, so the caller's own joins never interfere.

It follows Anki's ``sqlwriter.rs``: text matches the raw field text (HTML included) or the
sort field with SQLite ``LIKE`` (case-insensitive for ASCII letters only, as in Anki); names
of decks, note types, templates, fields and tags compare case-insensitively. Day-based
searches count local days that start at the rollover hour (``srs.clock``). Regular
expressions use SQLite's ``REGEXP``, which SQLAlchemy backs with Python's ``re`` on every
connection it opens. ``prop:r`` computes FSRS retrievability in SQL with ``pow()``;
``nc:`` folds accents with ``srs_no_combining()`` and ``sc:`` drops cloze markup with
``srs_strip_clozes()``: run ``srs.search.prepare_connection`` on the session first
(``search_cards`` does), which adds those two and, if SQLite was built without its math
functions, ``pow()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import aliased

from srs.clock import DEFAULT_ROLLOVER_HOUR, day_number, day_start, to_ms, utc
from srs.domain import BuryKind, CardState
from srs.models import Card, Deck, Note, Notetype, Preset, ReviewLog
from srs.search.nodes import (
    And,
    Comparison,
    DaysSearch,
    DeckSearch,
    FieldSearch,
    FlagSearch,
    IdSearch,
    Node,
    Not,
    NotetypeSearch,
    Or,
    PresetSearch,
    PropSearch,
    RatedSearch,
    StateSearch,
    TagSearch,
    TemplateSearch,
    TextSearch,
    WholeCollection,
)
from srs.search.sqlparts import (
    STRIP_CLOZES_SQL,
    call,
    checked_regex,
    compare,
    deck_component,
    field_pattern,
    field_value,
    name_matches,
    no_combining,
)
from srs.search.text import glob_regex, is_glob, to_like, to_regex, without_combining

LEARN_AHEAD = timedelta(minutes=20)
"""How far ahead ``is:due`` looks for (re)learning cards (Anki's default learn-ahead limit)."""

FSRS5_DEFAULT_DECAY = 0.5
"""The decay Anki assumes for ``prop:r`` when a card stores none."""

_DAY_MS = 86_400_000


def card_filter(
    node: Node, *, now: datetime, tz: tzinfo, rollover_hour: int = DEFAULT_ROLLOVER_HOUR
) -> ColumnElement[bool]:
    """The WHERE condition that selects the cards a search finds.

    Args:
        node: a tree from ``parse_query``.
        now: the current instant (aware); ``is:due``, ``rated:``, ``prop:due`` count from it.
        tz: the user's time zone, in which days start at ``rollover_hour``.
        rollover_hour: the local hour at which a new scheduling day starts.

    Returns:
        A boolean SQL expression over ``Card`` and ``Note`` (join them on
        ``Card.note_id == Note.id``).

    Raises:
        SearchSyntaxError: a regular expression in the search does not compile.
    """
    return _Writer(utc(now), tz, rollover_hour).write(node)


@dataclass(frozen=True)
class _Writer:
    now: datetime
    tz: tzinfo
    rollover_hour: int

    @property
    def today(self) -> int:
        return day_number(self.now, self.tz, self.rollover_hour)

    def day_start(self, offset: int) -> datetime:
        """Start of the local day ``offset`` days from today (0 today, 1 tomorrow)."""
        return day_start(self.today + offset, self.tz, self.rollover_hour)

    def write(self, node: Node) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(*(self.write(child) for child in node.children))
        if isinstance(node, Or):
            return or_(*(self.write(child) for child in node.children))
        if isinstance(node, Not):
            return not_(self.write(node.child))
        if isinstance(node, WholeCollection):
            return true()
        if isinstance(node, TextSearch):
            return self.text(node)
        if isinstance(node, FieldSearch):
            return self.field(node)
        if isinstance(node, DeckSearch):
            return self.deck(node.name)
        if isinstance(node, TagSearch):
            return self.tag(node)
        if isinstance(node, NotetypeSearch):
            nt = aliased(Notetype)
            ids = select(nt.id).where(nt.name.regexp_match(glob_regex(node.name)))
            return Note.notetype_id.in_(ids)
        if isinstance(node, TemplateSearch):
            return self.template(node)
        if isinstance(node, PresetSearch):
            return self.preset(node.name)
        if isinstance(node, StateSearch):
            return self.state(node)
        if isinstance(node, FlagSearch):
            return Card.flag == node.flag
        if isinstance(node, IdSearch):
            return self.ids(node)
        if isinstance(node, PropSearch):
            return self.prop(node)
        if isinstance(node, RatedSearch):
            return self.rated(node)
        return self.days(node)

    # -- note text -----------------------------------------------------------------------

    def text(self, node: TextSearch) -> ColumnElement[bool]:
        if node.mode in ("normal", "nc", "sc"):
            sort_field: Any = Note.sort_field
            fields: Any = Note.fields
            pattern = f"%{to_like(node.text)}%"
            if node.mode == "nc":
                sort_field, fields = no_combining(sort_field), no_combining(fields)
                pattern = without_combining(pattern)
            elif node.mode == "sc":
                sort_field, fields = (
                    call(STRIP_CLOZES_SQL, sort_field),
                    call(STRIP_CLOZES_SQL, fields),
                )
            found = or_(sort_field.like(pattern, escape="\\"), fields.like(pattern, escape="\\"))
            if node.mode != "sc":
                return found
            nt = aliased(Notetype)
            return and_(Note.notetype_id.in_(select(nt.id).where(nt.kind == "cloze")), found)
        raw = node.text if node.mode == "regex" else rf"\b{to_regex(node.text)}\b"
        return Note.fields.regexp_match(checked_regex(raw, node.text))

    def field(self, node: FieldSearch) -> ColumnElement[bool]:
        nt = aliased(Notetype)
        each = func.json_each(nt.fields).table_valued("key", "value")
        # a field that matches holds text the whole note text holds too: a cheap first check
        quick: ColumnElement[bool] = true()
        if node.mode == "regex":
            value = field_value(Note.fields, each.c.key)
            matches = value.regexp_match(checked_regex(node.text, node.text))
        elif node.mode == "nc":
            pattern = without_combining(to_like(node.text))
            count = func.json_array_length(nt.fields)
            like_fields = field_pattern(each.c.key, count, pattern)
            matches = no_combining(Note.fields).like(like_fields, escape="\\")
        else:
            pattern = to_like(node.text)
            count = func.json_array_length(nt.fields)
            matches = Note.fields.like(field_pattern(each.c.key, count, pattern), escape="\\")
            quick = Note.fields.like(f"%{pattern}%", escape="\\")
        name = func.json_extract(each.c.value, "$.name")
        found = exists(
            select(literal(1))
            .select_from(nt)
            .join(each, true())
            .where(nt.id == Note.notetype_id, name_matches(name, node.field), matches)
        )
        return and_(quick, found)

    def tag(self, node: TagSearch) -> ColumnElement[bool]:
        if node.mode == "regex":
            lines = func.replace(func.trim(Note.tags), " ", "\n")
            return lines.regexp_match("(?m)" + checked_regex(node.tag, node.tag))
        if node.tag == "none":
            return func.trim(Note.tags) == ""
        if node.tag == "*":
            return true()
        if " " in node.tag:
            return false()
        if node.mode == "nc":
            tag = to_regex(without_combining(node.tag), r"\S")
            return no_combining(Note.tags).regexp_match(f"(?i).* {tag}(::| ).*")
        tag = to_regex(node.tag, r"\S")
        regex = Note.tags.regexp_match(f"(?i).* {tag}(::| ).*")
        if not node.tag.isascii():  # LIKE folds only ASCII case; leave the rest to the regex
            return regex
        like = to_like(node.tag)
        if not is_glob(node.tag):
            exact = Note.tags.like(f"% {like} %", escape="\\")
            return or_(exact, Note.tags.like(f"% {like}::%", escape="\\"))
        return and_(Note.tags.like(f"% {like}%", escape="\\"), regex)

    # -- where the card sits -------------------------------------------------------------

    def decks_in(self, ids: Any) -> ColumnElement[bool]:
        """The card's deck, or the home deck of a card in a filtered deck, is in ``ids``."""
        return or_(
            Card.deck_id.in_(ids),
            and_(Card.original_deck_id.is_not(None), Card.original_deck_id.in_(ids)),
        )

    def deck(self, name: str) -> ColumnElement[bool]:
        if name == "*":
            return true()
        if name == "filtered":
            return Card.original_deck_id.is_not(None)
        parts = [deck_component(part) for part in name.split("::")]
        pattern = "(?i)^" + to_regex("::".join(parts)) + r"(?:::|\Z)"
        deck = aliased(Deck)
        return self.decks_in(select(deck.id).where(deck.name.regexp_match(pattern)))

    def preset(self, name: str) -> ColumnElement[bool]:
        deck, preset = aliased(Deck), aliased(Preset)
        ids = (
            select(deck.id)
            .join(preset, deck.preset_id == preset.id)
            .where(preset.name.regexp_match(f"(?i)^{re.escape(name)}\\Z"))
        )
        return self.decks_in(ids)

    def template(self, node: TemplateSearch) -> ColumnElement[bool]:
        if node.ordinal is not None:
            return Card.ord == node.ordinal
        assert node.name is not None
        nt = aliased(Notetype)
        path = literal("$[", String).concat(cast(Card.ord, String)).concat("].name")
        name = func.json_extract(nt.templates, path)
        return exists(
            select(literal(1))
            .select_from(nt)
            .where(nt.id == Note.notetype_id, name_matches(name, node.name))
        )

    def ids(self, node: IdSearch) -> ColumnElement[bool]:
        if node.kind == "nid":
            return Card.note_id.in_(node.ids)
        if node.kind == "cid":
            return Card.id.in_(node.ids)
        if node.kind == "did":
            return self.decks_in(node.ids)
        return Note.notetype_id.in_(node.ids)

    # -- scheduling state ----------------------------------------------------------------

    def buried(self, kind: BuryKind | None = None) -> ColumnElement[bool]:
        """Buried now: a bury that has not expired (no end means until unburied)."""
        which = Card.buried != BuryKind.NONE if kind is None else Card.buried == kind
        return and_(which, or_(Card.buried_until.is_(None), Card.buried_until > self.now))

    def queued(self) -> ColumnElement[bool]:
        """Scheduled in a study queue: not new, with a due time, neither suspended nor buried
        (Anki's review and learning queues)."""
        return and_(
            Card.state != CardState.NEW,
            Card.due.is_not(None),
            Card.suspended.is_(False),
            not_(self.buried()),
        )

    def state(self, node: StateSearch) -> ColumnElement[bool]:
        learning = (CardState.LEARNING, CardState.RELEARNING)
        match node.state:
            case "new":
                return Card.state == CardState.NEW
            case "learn":
                return Card.state.in_(learning)
            case "review":
                return Card.state.in_((CardState.REVIEW, CardState.RELEARNING))
            case "suspended":
                return Card.suspended.is_(True)
            case "buried":
                return self.buried()
            case "buried-manually":
                return self.buried(BuryKind.MANUAL)
            case "buried-sibling":
                return self.buried(BuryKind.SIBLING)
            case "due":
                # a review card moved into a filtered deck is due there now (Anki gives it a
                # negative due position in the review queue)
                # (the filtered-deck branch tests the deck first and hides state from the
                # planner with a unary +, so SQLite serves it from the small partial index
                # instead of scanning every review card)
                review_due = or_(
                    and_(Card.state == CardState.REVIEW, Card.due < self.day_start(1)),
                    and_(
                        Card.original_deck_id.is_not(None),
                        literal_column("+cards.state") == int(CardState.REVIEW),
                    ),
                )
                learn_due = and_(Card.state.in_(learning), Card.due <= self.now + LEARN_AHEAD)
                return and_(self.queued(), or_(review_due, learn_due))

    def prop(self, node: PropSearch) -> ColumnElement[bool]:
        op, value = node.op, node.value
        match node.prop:
            case "ivl":
                return compare(Card.interval_days, op, int(value))
            case "reps":
                return compare(Card.reps, op, int(value))
            case "lapses":
                return compare(Card.lapses, op, int(value))
            case "ease":
                return compare(Card.ease_factor, op, max(int(round(value * 1000)), 0))
            case "pos":
                return and_(Card.state == CardState.NEW, compare(Card.new_position, op, int(value)))
            case "s":
                return compare(Card.stability, op, value)
            case "d":
                return compare(Card.difficulty, op, value * 9 + 1)
            case "r":
                return case(
                    (Card.state == CardState.NEW, false()),
                    else_=compare(self.retrievability(), op, value),
                )
            case "due":
                return and_(self.queued(), self.on_day(Card.due, op, int(value)))

    def on_day(self, column: Any, op: Comparison, day: int) -> ColumnElement[bool]:
        """``column``'s local day compared with day ``day`` (0 today, -1 yesterday)."""
        start, end = self.day_start(day), self.day_start(day + 1)
        match op:
            case "=":
                return and_(column >= start, column < end)
            case "!=":
                return or_(column < start, column >= end)
            case "<":
                return compare(column, "<", start)
            case "<=":
                return compare(column, "<", end)
            case ">":
                return compare(column, ">=", end)
            case ">=":
                return compare(column, ">=", start)

    def retrievability(self) -> ColumnElement[float]:
        """FSRS retrievability now, as Anki computes it: seconds since the last review (or,
        without one, whole days since the due date minus the interval), and the card's
        decay (0.5 when unknown)."""
        last = type_coerce(Card.last_review, Integer)
        due = type_coerce(Card.due, Integer)
        elapsed_s = case(
            (last.is_not(None), (to_ms(self.now) - last) / 1000),
            else_=(to_ms(self.day_start(0)) - (due - Card.interval_days * _DAY_MS)) / 1000,
        )
        days = func.max(elapsed_s, 0) / literal(86_400.0, Float)
        decay = func.coalesce(Card.decay, FSRS5_DEFAULT_DECAY)
        factor = func.pow(0.9, -1.0 / decay) - 1.0
        value: ColumnElement[float] = func.pow(1.0 + factor * days / Card.stability, -decay)
        return value

    # -- review log and dates ------------------------------------------------------------

    def rated(self, node: RatedSearch) -> ColumnElement[bool]:
        log = aliased(ReviewLog)
        if node.ease is None:
            button = log.rating > 0
        else:
            button = log.rating == node.ease
        when = self.on_day(log.reviewed_at, node.op, node.day)
        return Card.id.in_(select(log.card_id).where(when, button))

    def days(self, node: DaysSearch) -> ColumnElement[bool]:
        cutoff = self.day_start(1 - node.days)
        if node.kind == "added":
            return Card.created_at > cutoff
        if node.kind == "edited":
            return Note.modified_at > cutoff
        log, recent = aliased(ReviewLog), aliased(ReviewLog)
        first = (
            select(log.card_id)
            .where(
                log.rating != 0,
                log.card_id.in_(select(recent.card_id).where(recent.reviewed_at > cutoff)),
            )
            .group_by(log.card_id)
            .having(func.min(log.reviewed_at) > cutoff)
        )
        return Card.id.in_(first)
