"""Provides ``MetaWriter``: the presets, decks and note types of one Anki import, matched
against the collection and inserted or updated (the base of ``AnkiWriter``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from srs.clock import to_ms
from srs.ingest_anki_plan import DeckIn, NotetypeIn, PresetIn
from srs.models import Deck, Notetype, Preset
from srs.reports import ImportReport

DEFAULT_PRESET = "Default"
DEFAULT_DECK = "Default"


class MetaWriter:
    """One ingest: the connection, the report, and the collection-level records."""

    def __init__(
        self, conn: Connection, report: ImportReport, tick: Callable[[int], None], now: datetime
    ) -> None:
        self.conn = conn
        self.report = report
        self.tick = tick
        self.now = now
        self.now_ms = to_ms(now)

    def _insert_preset(self, name: str, values: dict[str, Any], anki_id: int | None) -> int:
        row = {**values, "name": name, "anki_id": anki_id}
        return int(
            self.conn.execute(insert(Preset).values(**row).returning(Preset.id)).scalar_one()
        )

    def presets(self, incoming: list[PresetIn]) -> dict[int, int]:
        rep = self.report.kind("presets")
        rows = self.conn.execute(select(Preset)).all()
        by_anki = {r.anki_id: r for r in rows if r.anki_id is not None}
        by_name = {r.name: r for r in rows}
        out: dict[int, int] = {}

        def differs(current: Any, p: PresetIn) -> bool:
            return any(getattr(current, k) != v for k, v in p.values.items() if k != "extra")

        for p in incoming:
            current = by_anki.get(p.anki_id)
            if current is not None:
                stored_mod = int((current.extra or {}).get("anki_mod", 0))
                # Anki's preset 1 ("Default") is in every collection: never overwritten
                if p.anki_id != 1 and differs(current, p) and p.mod > stored_mod:
                    self.conn.execute(
                        update(Preset).where(Preset.id == current.id).values(**p.values)
                    )
                    rep.updated += 1
                else:
                    rep.unchanged += 1
                out[p.anki_id] = current.id
                continue
            same_name = by_name.get(p.name)
            if same_name is not None and not differs(same_name, p):
                out[p.anki_id] = same_name.id  # e.g. a "Default" made by another importer
                rep.unchanged += 1
                continue
            name = p.name
            while name in by_name:
                name += "+"
            if name != p.name:
                self.report.notices.append(
                    f"preset {p.name!r} exists with other settings; imported as {name!r}"
                )
            out[p.anki_id] = self._insert_preset(name, p.values, p.anki_id)
            inserted = self.conn.execute(select(Preset).where(Preset.id == out[p.anki_id])).one()
            by_anki[p.anki_id] = by_name[name] = inserted
            rep.added += 1
        return out

    def _default_preset(self) -> int:
        found = self.conn.execute(select(Preset.id).where(Preset.name == DEFAULT_PRESET)).first()
        if found is not None:
            return int(found[0])
        return self._insert_preset(DEFAULT_PRESET, {"extra": {}}, None)

    def decks(self, incoming: list[DeckIn], presets: dict[int, int]) -> dict[int, int]:
        rep = self.report.kind("decks")
        by_name: dict[str, int] = {
            r.name: int(r.id) for r in self.conn.execute(select(Deck.id, Deck.name))
        }
        default_preset: int | None = None
        out: dict[int, int] = {}

        def preset_for(anki_id: int | None) -> int:
            nonlocal default_preset
            if anki_id is not None and anki_id in presets:
                return presets[anki_id]
            if default_preset is None:
                default_preset = self._default_preset()
            return default_preset

        def add(
            name: str,
            filtered: bool,
            preset: int,
            desc: str,
            extra: dict[str, Any],
            anki_id: int | None,
        ) -> int:
            by_name[name] = int(
                self.conn.execute(
                    insert(Deck)
                    .values(
                        name=name,
                        preset_id=preset,
                        description=desc,
                        filtered=filtered,
                        anki_id=anki_id,
                        extra=extra,
                    )
                    .returning(Deck.id)
                ).scalar_one()
            )
            return by_name[name]

        for d in sorted(incoming, key=lambda d: d.name.count("::")):
            parts = d.name.split("::")
            for depth in range(1, len(parts)):
                parent = "::".join(parts[:depth])
                if parent not in by_name:
                    add(parent, False, preset_for(None), "", {}, None)
                    rep.added += 1
            if d.name in by_name:
                out[d.anki_id] = by_name[d.name]
                rep.unchanged += 1
                continue
            out[d.anki_id] = add(
                d.name, d.filtered, preset_for(d.preset_anki_id), d.description, d.extra, d.anki_id
            )
            rep.added += 1
        self._default_deck = lambda: (
            by_name.get(DEFAULT_DECK) or add(DEFAULT_DECK, False, preset_for(None), "", {}, None)
        )
        return out

    # -- note types ------------------------------------------------------------------------

    def notetypes(self, incoming: list[NotetypeIn]) -> dict[int, int]:
        rep = self.report.kind("notetypes")
        rows = self.conn.execute(select(Notetype)).all()
        out: dict[int, int] = {}
        names = {r.name for r in rows}
        for nt in incoming:

            def fits(r: Any, nt: NotetypeIn = nt) -> bool:
                return bool(
                    [f["name"] for f in r.fields] == nt.field_names
                    and len(r.templates) == len(nt.templates)
                )

            match = next((r for r in rows if r.anki_id == nt.anki_id and fits(r)), None)
            match = match or next((r for r in rows if r.name == nt.name and fits(r)), None)
            if match is not None:
                out[nt.anki_id] = match.id
                same = (
                    match.templates == nt.templates
                    and match.css == nt.css
                    and match.fields == nt.fields
                    and match.kind == nt.kind
                )
                if not same and nt.modified_at > match.modified_at:
                    self.conn.execute(
                        update(Notetype)
                        .where(Notetype.id == match.id)
                        .values(
                            fields=nt.fields,
                            templates=nt.templates,
                            css=nt.css,
                            sort_field=nt.sort_field,
                            modified_at=nt.modified_at,
                            extra=nt.extra,
                        )
                    )
                    rep.updated += 1
                else:
                    rep.unchanged += 1
                continue
            name = nt.name
            while name in names:
                name += "+"
            if name != nt.name:
                self.report.notices.append(
                    f"note type {nt.name!r} exists with other fields or templates; "
                    f"imported as {name!r}"
                )
            names.add(name)
            out[nt.anki_id] = int(
                self.conn.execute(
                    insert(Notetype)
                    .values(
                        name=name,
                        kind=nt.kind,
                        fields=nt.fields,
                        templates=nt.templates,
                        css=nt.css,
                        sort_field=nt.sort_field,
                        anki_id=nt.anki_id,
                        modified_at=nt.modified_at,
                        extra=nt.extra,
                    )
                    .returning(Notetype.id)
                ).scalar_one()
            )
            rep.added += 1
        return out

    _default_deck: Callable[[], int]  # set by decks(): the Default deck, made on demand
