"""Provides the schema-11 JSON of exported presets, decks and note types, built from srs's rows:
Anki's defaults, then the original JSON the import kept (``extra["anki11"]``), then the
values srs models (names, limits, steps, FSRS parameters, fields, templates, CSS).

Ids: the Anki id kept by the import when there is one; otherwise an id derived from srs's
own id, stable from one export to the next so that Anki matches what it imported before.
A preset never gets id 1 (Anki never imports the preset with id 1: every collection has
one).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from srs.export import defaults, schema18
from srs.models import Deck, Notetype, Preset

_STABLE_BASE = 1_000_000_000_000  # ids look like epoch milliseconds (2001 onwards)
_STABLE_SPAN = 100_000_000_000


def stable_id(kind: str, key: object) -> int:
    """An Anki id for an object Anki never saw, the same on every export."""
    digest = hashlib.sha1(f"srs\x00{kind}\x00{key}".encode()).digest()
    return _STABLE_BASE + int.from_bytes(digest[:8], "big") % _STABLE_SPAN


def _anki11(extra: dict[str, Any] | None) -> dict[str, Any]:
    value = (extra or {}).get("anki11")
    return dict(value) if isinstance(value, dict) else {}


def _anki18(extra: dict[str, Any] | None) -> dict[str, Any]:
    value = (extra or {}).get("anki18")
    return value if isinstance(value, dict) else {}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _secs(value: datetime) -> int:
    return int(value.timestamp())


def preset_id(preset: Preset) -> int:
    """The Anki id a preset is exported under (never 1)."""
    if preset.anki_id is not None and preset.anki_id != 1:
        return int(preset.anki_id)
    return stable_id("preset", preset.id)


def preset_json(preset: Preset, now: datetime) -> dict[str, Any]:
    """The ``dconf`` entry of ``preset``."""
    kept = _anki11(preset.extra) or schema18.preset(_anki18(preset.extra).get("config"))
    conf = _merge(defaults.preset(), kept)
    anki_mod = (preset.extra or {}).get("anki_mod")
    conf.update(
        id=preset_id(preset),
        name=preset.name,
        mod=int(anki_mod) if isinstance(anki_mod, int) and anki_mod > 0 else _secs(now),
        usn=0,
        dyn=False,
        desiredRetention=float(preset.desired_retention),
        buryInterdayLearning=bool(preset.bury_interday_learning),
    )
    conf["new"].update(
        perDay=int(preset.new_per_day),
        delays=[float(s) for s in preset.learn_steps],
        bury=bool(preset.bury_new),
    )
    conf["rev"].update(
        perDay=int(preset.reviews_per_day),
        maxIvl=int(preset.maximum_interval),
        bury=bool(preset.bury_reviews),
    )
    conf["lapse"].update(
        delays=[float(s) for s in preset.relearn_steps],
        leechFails=int(preset.leech_threshold),
        leechAction=0 if preset.leech_action == "suspend" else 1,
    )
    params = [float(p) for p in preset.fsrs_params or []]
    key = {21: "fsrsParams6", 19: "fsrsParams5", 17: "fsrsWeights"}.get(len(params))
    if key is not None and conf.get(key) != params:
        conf[key] = params
        if key != "fsrsParams6":
            conf["fsrsParams6"] = []  # else Anki would prefer the stale FSRS-6 set
    return conf


def deck_id(deck: Deck) -> int:
    """The Anki id a deck is exported under (1 for the deck called Default)."""
    if deck.name.casefold() == "default":
        return 1
    if deck.anki_id is not None and deck.anki_id != 1:
        return int(deck.anki_id)
    return stable_id("deck", deck.name)


def deck_json(deck: Deck, conf_id: int, now: datetime) -> dict[str, Any]:
    """The ``decks`` entry of a normal deck using the preset exported as ``conf_id``."""
    blobs = _anki18(deck.extra)
    kept = _anki11(deck.extra) or schema18.deck(blobs.get("common"), blobs.get("kind"))
    value = _merge(defaults.deck(), kept)
    for key in ("lrnToday", "revToday", "newToday", "timeToday"):
        value[key] = [0, 0]  # today's counts belong to the collection that made them
    value.update(
        id=deck_id(deck),
        name=deck.name,
        usn=0,
        desc=deck.description or "",
        dyn=0,
        conf=conf_id,
        mod=int(value.get("mod") or 0) or _secs(now),
    )
    return value


def default_deck_json(now: datetime) -> dict[str, Any]:
    """Anki's "Default" deck (id 1), present in every collection."""
    value = defaults.deck()
    value.update(id=1, name="Default", mod=_secs(now))
    return value


def default_preset_json() -> dict[str, Any]:
    """Anki's preset 1, present in every collection (never imported by Anki)."""
    value = defaults.preset()
    value.update(id=1, name="Default")
    return value


def notetype_id(notetype: Notetype) -> int:
    """The Anki id a note type is exported under."""
    if notetype.anki_id is not None:
        return int(notetype.anki_id)
    return stable_id("notetype", notetype.name)


_DROP = ("anki18", "mtime")


def _part(base: dict[str, Any], given: dict[str, Any], ord_: int) -> dict[str, Any]:
    value = _merge(base, {k: v for k, v in given.items() if k not in _DROP})
    value["ord"] = ord_
    return value


_CLOZE_CSS = ".cloze { font-weight: bold; color: blue; }\n.nightMode .cloze { color: lightblue; }\n"


def _css(notetype: Notetype) -> str:
    """The note type's CSS; srs's own cloze type (Obsidian cards) gets Anki's cloze style."""
    css = notetype.css or ""
    ours = bool((notetype.extra or {}).get("markdown"))
    if ours and notetype.kind == "cloze" and ".cloze" not in css:
        css = css.rstrip("\n") + "\n" + _CLOZE_CSS
    return css


def notetype_json(notetype: Notetype) -> dict[str, Any]:
    """The ``models`` entry of ``notetype``."""
    kept = _anki11(notetype.extra) or schema18.notetype(_anki18(notetype.extra).get("config"))
    value = _merge(defaults.notetype(), kept)
    value.update(
        id=notetype_id(notetype),
        name=notetype.name,
        type=1 if notetype.kind == "cloze" else 0,
        mod=_secs(notetype.modified_at),
        usn=0,
        sortf=int(notetype.sort_field),
        css=_css(notetype),
        flds=[
            _part(_merge(defaults.field(), schema18.field(f.get("anki18"))), dict(f), i)
            for i, f in enumerate(notetype.fields)
        ],
        tmpls=[
            _part(_merge(defaults.template(), schema18.template(t.get("anki18"))), dict(t), i)
            for i, t in enumerate(notetype.templates)
        ],
    )
    if not isinstance(value.get("req"), list):
        value["req"] = []
    return value
