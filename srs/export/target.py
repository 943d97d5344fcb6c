"""Provides the new schema-11 database an export writes into, and the dummy collection that
goes beside it in a legacy-2 package."""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
from pathlib import Path

from srs.export import defaults, objects
from srs.export.cards import Timing

_TAG = re.compile(r"<[^>]*>")


def strip_html(text: str) -> str:
    """Field text without tags and entities (Anki's sort field and checksum input)."""
    return html.unescape(_TAG.sub("", text)).strip()


def field_checksum(first_field: str) -> int:
    """Anki's ``csum``: the first 4 bytes of SHA-1 of the stripped first field."""
    return int.from_bytes(hashlib.sha1(strip_html(first_field).encode("utf-8")).digest()[:4], "big")


def open_target(path: Path) -> sqlite3.Connection:
    """A new, empty schema-11 database at ``path``, tuned for one bulk write."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("pragma journal_mode = off")
    db.execute("pragma synchronous = off")
    db.executescript(defaults.SCHEMA_SQL)
    db.execute("begin")
    return db


UPDATE_NOTICE = (
    "Please update to the latest Anki version, then import the .colpkg/.apkg file again."
)


def write_dummy(path: Path, timing: Timing) -> None:
    """The ``collection.anki2`` Anki writes beside the real one: only Anki 2.0 reads it, and
    finds a single note asking to update Anki."""
    db = open_target(path)
    try:
        model = defaults.notetype()
        model.update(id=1, name="Basic", mod=timing.crt)
        model["flds"] = [
            {**defaults.field(), "name": n, "ord": i} for i, n in enumerate(["Front", "Back"])
        ]
        model["tmpls"] = [
            {
                **defaults.template(),
                "name": "Card 1",
                "qfmt": "{{Front}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Back}}",
            }
        ]
        db.execute(
            "insert into col values (1,?,0,0,?,0,0,0,?,?,?,?,'{}')",
            (
                timing.crt,
                defaults.SCHEMA_VERSION,
                json.dumps(defaults.conf()),
                json.dumps({"1": model}),
                json.dumps({"1": objects.default_deck_json(timing.now)}),
                json.dumps({"1": objects.default_preset_json()}),
            ),
        )
        db.execute(
            "insert into notes values (1,'srs-update-anki',1,?,0,'',?,?,?,0,'')",
            (timing.crt, UPDATE_NOTICE + "\x1f", UPDATE_NOTICE, field_checksum(UPDATE_NOTICE)),
        )
        db.execute("insert into cards values (1,1,1,0,?,0,0,0,1,0,0,0,0,0,0,0,0,'')", (timing.crt,))
        db.execute("commit")
    finally:
        db.close()
