"""Round trip through the real Anki: a package Anki wrote -> ``srs import`` -> ``srs export``
-> imported by Anki into a fresh collection, compared with the original collection.

Cards are matched by (note guid, ord); due days are compared as days from "today" in each
collection (Anki shifts them on import to keep the calendar date). Cards that sat in a
filtered deck come back in their home deck with their home due (srs keeps no filtered
decks), so the home deck and due are compared. Names as Anki gives them on import (stock
note types already in a fresh collection come in as "Basic+") are compared with what Anki's
own package gives when imported into a fresh collection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from importers.anki import import_package
from srs.clock import FixedClock
from srs.export import export_package
from srs.store import Store
from tests import anki_factory as factory
from tests.anki_factory import Collection

FORMATS = ["latest", "legacy2"]
MEMORY_KEYS = ("s", "d", "dr", "decay", "lrt")


@dataclass
class Trip:
    original: Any  # the Anki collection the package came from
    fresh: Any  # a new Anki collection that imported our export
    own: Any  # a new Anki collection that imported Anki's own package
    package: Path
    store: Store


@pytest.fixture(scope="module")
def pkgs(tmp_path_factory: pytest.TempPathFactory) -> tuple[factory.Built, dict[str, Path]]:
    return factory.shared_packages(tmp_path_factory)


def open_store(folder: Path, made_at: datetime) -> Store:
    tz = datetime.now().astimezone().tzinfo  # Anki counts days in the machine's zone
    assert tz is not None
    return Store.open(folder / "c.db", clock=FixedClock(made_at, tz=tz))


@pytest.fixture(params=FORMATS)
def trip(
    request: pytest.FixtureRequest,
    pkgs: tuple[factory.Built, dict[str, Path]],
    tmp_path: Path,
) -> Iterator[Trip]:
    built, packages = pkgs
    store = open_store(tmp_path, built.made_at)
    import_package(store, packages[request.param])
    out = tmp_path / "out.apkg"
    export_package(store, out)
    original = Collection(str(built.path))
    fresh = factory.Collection(str(tmp_path / "fresh.anki2"))
    response = fresh.import_anki_package(
        factory.ImportAnkiPackageRequest(
            package_path=str(out),
            options=factory.ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True),
        )
    )
    log = response.log
    assert len(log.new) == log.found_notes > 0  # every note new, nothing else reported
    for problem in (
        "updated",
        "duplicate",
        "conflicting",
        "first_field_match",
        "missing_notetype",
        "missing_deck",
        "empty_first_field",
    ):
        assert len(getattr(log, problem)) == 0, problem
    own = factory.anki_import(packages[request.param], tmp_path / "own")
    yield Trip(original, fresh, own, out, store)
    original.close()
    fresh.close()
    own.close()
    store.close()


def _cards(col: Any) -> dict[tuple[str, int], dict[str, Any]]:
    today = col.sched.today
    decks = {d["id"]: d["name"] for d in col.decks.all()}
    out = {}
    for row in col.db.all(
        "select n.guid, c.ord, c.did, c.odid, c.type, c.queue, c.due, c.odue, c.ivl,"
        " c.factor, c.reps, c.lapses, c.left, c.flags, c.data from cards c"
        " join notes n on n.id = c.nid"
    ):
        guid, ord_, did, odid, ctype, queue, due, odue, *rest = row
        home_due = odue if odid else due
        if queue in (2, 3) or (ctype == 2 and queue < 0):
            home_due -= today  # days from today
        ivl, factor, reps, lapses, left, flags, data = rest
        memory = json.loads(data) if data else {}
        out[(guid, ord_)] = {
            "deck": decks[odid or did],
            "type": ctype,
            "queue": queue,
            "due": home_due,
            "ivl": ivl,
            "factor": factor,
            "reps": reps,
            "lapses": lapses,
            "left": left % 1000,
            "flags": flags,
            "memory": {k: memory[k] for k in MEMORY_KEYS if k in memory},
        }
    return out


def test_cards_keep_their_scheduling_and_memory(trip: Trip) -> None:
    before, after = _cards(trip.original), _cards(trip.fresh)
    assert set(after) == set(before)
    for key, want in before.items():
        got = after[key]
        if not want["memory"] and want["reps"]:
            # Anki stored no memory state; srs computed one from the history.
            assert {"s", "d"} <= set(got["memory"]), key
            want = {**want, "memory": got["memory"]}
        assert got == want, key


def test_notes_notetypes_and_decks_arrive_whole(trip: Trip) -> None:
    def notes(col: Any) -> dict[str, tuple[str, list[str], str]]:
        out = {}
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            out[note.guid] = (note.note_type()["name"], list(note.fields), " ".join(note.tags))
        return out

    assert notes(trip.fresh) == notes(trip.own)
    assert len(notes(trip.fresh)) == len(notes(trip.original))

    def notetypes(col: Any) -> dict[str, Any]:
        used = set(col.db.list("select distinct mid from notes"))
        return {
            m["name"]: (
                m["type"],
                m["sortf"],
                [f["name"] for f in m["flds"]],
                [(t["name"], t["qfmt"], t["afmt"]) for t in m["tmpls"]],
                m["css"],
            )
            for m in col.models.all()
            if m["id"] in used
        }

    assert notetypes(trip.fresh) == notetypes(trip.own)

    def decks(col: Any) -> dict[str, Any]:
        out = {}
        for d in col.decks.all():
            if d["dyn"]:
                continue
            c = col.decks.config_dict_for_deck_id(d["id"])
            out[d["name"]] = (
                d["desc"],
                c["new"]["perDay"],
                c["rev"]["perDay"],
                c["new"]["delays"],
                c["lapse"]["delays"],
                c["desiredRetention"],
                c["rev"]["maxIvl"],
                c["fsrsParams6"] or c["fsrsParams5"] or c["fsrsWeights"],
                c["lapse"]["leechFails"],
            )
        return out

    assert decks(trip.fresh) == decks(trip.own)


def test_review_log_arrives_row_for_row(trip: Trip) -> None:
    def revlog(col: Any) -> list[tuple[Any, ...]]:
        return sorted(
            tuple(r)
            for r in col.db.all(
                "select n.guid, c.ord, r.id, r.ease, r.ivl, r.lastIvl, r.factor, r.time, r.type"
                " from revlog r join cards c on c.id = r.cid join notes n on n.id = c.nid"
            )
        )

    want = revlog(trip.original)
    assert want and revlog(trip.fresh) == want


def test_media_arrive_with_their_bytes(trip: Trip) -> None:
    def media(col: Any) -> dict[str, bytes]:
        folder = Path(col.media.dir())
        return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}

    want = media(trip.original)
    assert want and media(trip.fresh) == want
