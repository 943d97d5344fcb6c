"""Provides the mapping of an Anki package's records onto the engine's import plan.

Units: new cards keep their position; intraday learning dues (epoch seconds) become
instants; day-numbered dues (review, interday learning) become the start of that local
scheduling day, counted from the collection's creation day in the store's time zone.
Filtered-deck cards go back to their home deck with their original due. ``left`` becomes a
step index against the preset's steps. Memory state comes from ``cards.data``; when it is
missing but the card has reviews, it is computed from the review log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from srs.ankipkg import AnkiPackage
from srs.ankipkg.records import PkgCard, PkgDeck, PkgNote, PkgNotetype, PkgPreset
from srs.ankipkg.units import (
    EPOCH_SECONDS_CUTOFF,
    QUEUE_MANUALLY_BURIED,
    QUEUE_SIBLING_BURIED,
    QUEUE_SUSPENDED,
    CardData,
    bury_kind,
    creation_day,
    day_due_ms,
    from_seconds,
    parse_card_data,
    step_index,
)
from srs.clock import next_day_start, to_ms
from srs.errors import PackageError
from srs.ingest_anki import (
    AnkiPlan,
    CardIn,
    DeckIn,
    MediaIn,
    NoteIn,
    NotetypeIn,
    PresetIn,
)

from .memory import CardFacts, HistoryMemory, memories_for

DEFAULT_STEPS = ([1.0, 10.0], [10.0])
# Anki's burying queues -> srs's bury kind, as stored (other queues: not buried, 0)
_BURY_KINDS = {q: int(bury_kind(q)) for q in (QUEUE_SIBLING_BURIED, QUEUE_MANUALLY_BURIED)}


def preset_in(p: PkgPreset, rollover_hour: int) -> PresetIn:
    values = {
        "new_per_day": p.new_per_day,
        "reviews_per_day": p.reviews_per_day,
        "learn_steps": p.learn_steps,
        "relearn_steps": p.relearn_steps,
        "desired_retention": p.desired_retention,
        "maximum_interval": p.maximum_interval,
        "fsrs_params": p.fsrs_params,
        "bury_new": p.bury_new,
        "bury_reviews": p.bury_reviews,
        "bury_interday_learning": p.bury_interday_learning,
        "leech_threshold": p.leech_threshold,
        "leech_action": p.leech_action,
        "rollover_hour": rollover_hour,
        "extra": {**p.extra, "anki_mod": p.mod},
    }
    return PresetIn(p.anki_id, p.name, p.mod, values)


def deck_in(d: PkgDeck) -> DeckIn:
    return DeckIn(d.anki_id, d.name, d.filtered, d.preset_anki_id, d.description, d.extra)


def notetype_in(n: PkgNotetype) -> NotetypeIn:
    return NotetypeIn(
        anki_id=n.anki_id,
        name=n.name,
        kind=n.kind,
        fields=n.fields,
        templates=n.templates,
        css=n.css,
        sort_field=n.sort_field,
        modified_at=from_seconds(n.mod),
        extra=n.extra,
    )


def note_in(n: PkgNote) -> NoteIn:
    extra: dict[str, object] = {}
    if n.flags:
        extra["anki_flags"] = n.flags
    if n.data:
        extra["anki_data"] = n.data
    # positional: keyword arguments cost a third more, once per note of the package
    return NoteIn(
        n.anki_id,  # anki_id
        n.guid,  # guid
        n.notetype_anki_id,  # notetype_anki_id
        n.flds,  # fields
        n.sfld,  # sort_field
        n.tags,  # tags
        n.anki_id,  # created_ms
        n.mod * 1000,  # modified_ms
        extra,  # extra
    )


class Mapper:
    """Turns one open package into an ``AnkiPlan`` for the store's time zone."""

    def __init__(self, pkg: AnkiPackage, tz: tzinfo, now: datetime) -> None:
        self.pkg = pkg
        self.now = now
        self.col = pkg.collection
        self.tz = tz
        self.rollover = self.col.info.rollover_hour
        self.crt_day = creation_day(self.col.info.crt, tz, self.rollover)

    def _fail(self, reason: str) -> PackageError:
        return PackageError(self.pkg.path, reason)

    def plan(self) -> AnkiPlan:
        col = self.col
        presets = col.presets()
        decks = col.decks()
        notetypes = col.notetypes()
        notes = col.notes()
        cards = col.cards()
        self.presets = {p.anki_id: p for p in presets}
        self.deck_preset = {d.anki_id: d.preset_anki_id for d in decks}
        by_nt = {n.anki_id: n for n in notetypes}
        for note in notes:
            nt = by_nt.get(note.notetype_anki_id)
            if nt is None:
                raise self._fail(
                    f"note {note.anki_id} uses a missing note type ({note.notetype_anki_id})"
                )
            count = note.flds.count("\x1f") + 1
            if count != len(nt.fields):
                raise self._fail(
                    f"note {note.anki_id} has {count} fields but its note type "
                    f"{nt.name!r} has {len(nt.fields)}"
                )
        note_ids = {n.anki_id for n in notes}
        for card in cards:
            if card.note_anki_id not in note_ids:
                raise self._fail(
                    f"card {card.anki_id} belongs to a missing note ({card.note_anki_id})"
                )
        datas = [parse_card_data(c.data) for c in cards]
        memories = self._memories(cards, datas)
        container = self.pkg.container
        media = [
            MediaIn(item.name, lambda item=item: container.media_chunks(item))  # type: ignore[misc]
            for item in container.media_members()
        ]
        return AnkiPlan(
            source=self.pkg.path,
            presets=[preset_in(p, self.rollover) for p in presets],
            decks=[deck_in(d) for d in decks],
            notetypes=[notetype_in(n) for n in notetypes],
            notes=[note_in(n) for n in notes],
            cards=[
                self.card_in(c, d, memories.get(c.anki_id))
                for c, d in zip(cards, datas, strict=True)
            ],
            revlog=self.col.iter_revlog,
            revlog_total=col.revlog_count(),
            revlog_db=col.revlog_source(),
            media=media,
        )

    def _preset_of(self, card: PkgCard) -> PkgPreset | None:
        home = card.odid or card.deck_anki_id
        pid = self.deck_preset.get(home)
        return self.presets.get(pid) if pid is not None else None

    def _memories(self, cards: list[PkgCard], datas: list[CardData]) -> dict[int, HistoryMemory]:
        wanted = {
            c.anki_id: CardFacts(c.type, c.ivl, c.factor, c.reps)
            for c, data in zip(cards, datas, strict=True)
            if c.type != 0 and (data.stability is None or data.difficulty is None)
        }
        if not wanted:
            return {}
        by_id = {c.anki_id: c for c in cards}

        def settings(cid: int) -> tuple[Sequence[float], float]:
            preset = self._preset_of(by_id[cid])
            if preset is None:
                return [], 0.9
            return preset.fsrs_params, preset.historical_retention

        next_day_at = int(next_day_start(self.now, self.tz, self.rollover).timestamp())
        return memories_for(self.col.revlog_of(wanted), wanted, settings, next_day_at)

    def _unbury_ms(self, c: PkgCard) -> int:
        """When a buried card comes back: Anki unburies at the next day boundary, the one
        after the card was last changed (its ``mod``, when it was buried), in the store's
        zone."""
        return to_ms(next_day_start(from_seconds(c.mod), self.tz, self.rollover))

    def card_in(self, c: PkgCard, data: CardData, history: HistoryMemory | None) -> CardIn:
        """One card in srs's units (kept lean: it runs once per card of the package)."""
        in_filtered = c.odid != 0
        home_deck = c.odid if in_filtered else c.deck_anki_id
        home_due = c.odue if in_filtered and c.odue else c.due
        state = c.type if 0 <= c.type <= 3 else 0
        step = 0
        if state == 0:
            due_ms, position = None, home_due
        else:
            position = data.position or 0
            if state in (1, 3) and home_due > EPOCH_SECONDS_CUTOFF:
                due_ms = home_due * 1000
            else:
                due_ms = day_due_ms(home_due, self.crt_day, self.tz, self.rollover)
            if state != 2:
                preset = self._preset_of(c)
                steps = (
                    DEFAULT_STEPS if preset is None else (preset.learn_steps, preset.relearn_steps)
                )
                step = step_index(c.left, len(steps[0] if state == 1 else steps[1]))
        stability, difficulty = data.stability, data.difficulty
        last_ms = data.lrt * 1000 if data.lrt else None
        if history is not None:
            if history.memory is not None and (stability is None or difficulty is None):
                stability, difficulty = history.memory.stability, history.memory.difficulty
            if last_ms is None and history.last_review is not None:
                last_ms = to_ms(history.last_review)
        # extra = {"anki": {queue, due, left, [odid, odue, did], [flags], [data]}}, written
        # by hand: cards.data is embedded as the JSON text it already is (it parsed)
        parts = [f'"queue":{c.queue},"due":{c.due},"left":{c.left}']
        if in_filtered:
            parts.append(f'"odid":{c.odid},"odue":{c.odue},"did":{c.deck_anki_id}')
        if c.flags > 7:
            parts.append(f'"flags":{c.flags}')
        if data.raw:
            parts.append(f'"data":{c.data}')
        extra_json = '{"anki":{' + ",".join(parts) + "}}"
        bury = _BURY_KINDS.get(c.queue, 0)
        sched = (  # CARD_SCHED_COLUMNS order
            state,
            step,
            due_ms,
            position,
            stability,
            difficulty,
            last_ms,
            max(c.ivl, 0),
            c.factor,
            c.reps,
            c.lapses,
            int(c.queue == QUEUE_SUSPENDED),
            bury,
            self._unbury_ms(c) if bury else None,
            c.flags & 7,
            data.desired_retention,
            data.decay,
            c.anki_id,
            c.mod * 1000,
        )
        return CardIn(c.anki_id, c.note_anki_id, c.ord, home_deck, sched, extra_json)
