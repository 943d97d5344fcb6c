"""Provides real Anki collections and packages for tests, made by the `anki` package.

``build_collection`` makes a collection with every note type, deck kind and card state the
importer must handle, and a review history answered with FSRS on (all answers are given
now: Anki's clock is not faked, so histories span one day and steps; see
``tests/importers/test_anki_import.py`` for what is compared). ``export_all`` writes it in
every package format Anki reads. The `anki` package is a test-only dependency.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anki import collection as _collection
from anki import import_export_pb2, scheduler_pb2

# anki's own annotations (NewType ids, optional db) are not what these tests check: treat
# the test-only dependency as dynamically typed.
Collection: Any = _collection.Collection
ExportAnkiPackageOptions: Any = _collection.ExportAnkiPackageOptions
ImportAnkiPackageRequest: Any = _collection.ImportAnkiPackageRequest
ImportAnkiPackageOptions: Any = import_export_pb2.ImportAnkiPackageOptions
CardAnswer: Any = scheduler_pb2.CardAnswer

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
    b"\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 4

AGAIN, HARD, GOOD, EASY = (CardAnswer.AGAIN, CardAnswer.HARD, CardAnswer.GOOD, CardAnswer.EASY)


@dataclass
class Built:
    """A built collection: its path, when it was made, and the ids tests look at."""

    path: Path
    made_at: datetime
    today: int  # Anki's sched.today when built
    cards: dict[str, int] = field(default_factory=dict)  # role -> card id
    notes: dict[str, int] = field(default_factory=dict)  # role -> note id
    filtered_deck: int = 0


def answer(col: Any, card_id: int, rating: Any) -> None:
    """Answer ``card_id`` with ``rating`` now, as the reviewer would."""
    card = col.get_card(card_id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))


def _add(col: Any, notetype: str, deck: int, tags: list[str], **fields: str) -> int:
    note = col.new_note(col.models.by_name(notetype))
    for key, value in fields.items():
        note[key] = value
    note.tags = tags
    col.add_note(note, deck)
    return int(note.id)


def _custom_notetype(col: Any) -> None:
    mm = col.models
    model = mm.new("Vocab (conditional)")
    for name in ("Term", "Definition", "Extra"):
        mm.add_field(model, mm.new_field(name))
    first = mm.new_template("Recognise")
    first["qfmt"] = "<div class=term>{{Term}}</div>"
    first["afmt"] = "{{FrontSide}}<hr id=answer>{{Definition}}{{#Extra}}<br>{{Extra}}{{/Extra}}"
    mm.add_template(model, first)
    second = mm.new_template("Extra only")
    second["qfmt"] = "{{#Extra}}{{Extra}}: {{Term}}?{{/Extra}}"
    second["afmt"] = "{{FrontSide}}<hr id=answer>{{Definition}}"
    mm.add_template(model, second)
    model["css"] = ".term { font-weight: bold; }"
    mm.add(model)


def build_collection(folder: Path) -> Built:
    """Make a collection at ``folder/collection.anki2`` with every case the importer meets."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "collection.anki2"
    col = Collection(str(path))
    try:
        col.set_config("fsrs", True)
        built = Built(path, datetime.now(UTC), col.sched.today)
        _custom_notetype(col)
        parent = col.decks.id("Parent")
        child = col.decks.id("Parent::Child")
        grand = col.decks.id("Parent::Child::Grandchild")
        assert parent and child and grand
        conf = col.decks.add_config_returning_id("Slow steps")
        cfg = col.decks.get_config(conf)
        assert cfg is not None
        cfg["new"]["delays"] = [2.0, 1440.0]
        cfg["lapse"]["delays"] = [5.0, 30.0]
        cfg["new"]["perDay"] = 33
        cfg["desiredRetention"] = 0.85
        col.decks.update_config(cfg)
        deck = col.decks.get(child)
        assert deck is not None
        deck["conf"] = conf
        col.decks.save(deck)
        col.media.write_data("pic.png", PNG)
        col.media.write_data("x.mp3", MP3)

        n = built.notes
        n["basic"] = _add(
            col,
            "Basic",
            parent,
            ["html", "a::b"],
            Front="What is <b>2+2</b>?",
            Back="4 <i>(four)</i>",
        )
        n["mathjax"] = _add(
            col, "Basic", grand, ["math"], Front=r"Solve \(x^2 = 4\)", Back=r"\[x = \pm 2\]"
        )
        n["media"] = _add(
            col,
            "Basic",
            parent,
            ["media"],
            Front='A picture <img src="pic.png">',
            Back="[sound:x.mp3] sound",
        )
        n["reversed"] = _add(col, "Basic (and reversed card)", child, [], Front="chien", Back="dog")
        n["typein"] = _add(
            col, "Basic (type in the answer)", child, [], Front="Capital of France?", Back="Paris"
        )
        n["cloze"] = _add(
            col,
            "Cloze",
            parent,
            ["geo"],
            Text="{{c1::Paris::capital}} is in {{c2::France::country}}",
            **{"Back Extra": "hint"},
        )
        n["vocab"] = _add(
            col, "Vocab (conditional)", grand, [], Term="Haus", Definition="house", Extra="das"
        )
        n["vocab_plain"] = _add(
            col, "Vocab (conditional)", grand, [], Term="Baum", Definition="tree"
        )
        for i in range(12):
            n[f"filler{i}"] = _add(
                col,
                "Basic",
                child if i % 2 else parent,
                ["filler"],
                Front=f"Filler {i}",
                Back=f"answer {i}",
            )

        def card_of(note_role: str, ord_: int = 0) -> int:
            return int(
                col.db.scalar("select id from cards where nid=? and ord=?", n[note_role], ord_)
            )

        c = built.cards
        c["new"] = card_of("basic")
        c["learning"] = card_of("mathjax")
        answer(col, c["learning"], AGAIN)
        c["interday"] = card_of("reversed")  # Slow steps: 2m, 1440m -> interday learning
        answer(col, c["interday"], GOOD)
        c["review"] = card_of("typein")
        answer(col, c["review"], GOOD)
        answer(col, c["review"], EASY)
        c["relearning"] = card_of("cloze", 0)
        answer(col, c["relearning"], EASY)
        col.sched.set_due_date([c["relearning"]], "0")
        answer(col, c["relearning"], AGAIN)
        c["suspended"] = card_of("cloze", 1)
        answer(col, c["suspended"], EASY)
        col.sched.suspend_cards([c["suspended"]])
        c["buried_manual"] = card_of("vocab", 0)
        col.sched.bury_cards([c["buried_manual"]], manual=True)
        c["buried_sibling"] = card_of("vocab", 1)
        col.sched.bury_cards([c["buried_sibling"]], manual=False)
        c["flagged"] = card_of("media")
        answer(col, c["flagged"], HARD)
        col.set_user_flag_for_cards(3, [c["flagged"]])
        c["no_memory"] = card_of("filler0")
        answer(col, c["no_memory"], GOOD)
        answer(col, c["no_memory"], GOOD)
        c["reversed_back"] = card_of("reversed", 1)
        for i in range(1, 12):
            cid = card_of(f"filler{i}")
            for rating in (GOOD, EASY) if i % 3 else (AGAIN, GOOD, GOOD):
                answer(col, cid, rating)
        # A filtered deck pulling review cards out of their home decks.
        built.filtered_deck = int(col.decks.new_filtered("Cram"))
        fdeck = col.decks.get(built.filtered_deck)
        assert fdeck is not None
        fdeck["terms"] = [["tag:filler is:review", 3, 0]]
        col.decks.save(fdeck)
        col.sched.rebuild_filtered_deck(built.filtered_deck)
        # A card whose memory state Anki did not store: computed from its history.
        col.db.execute("update cards set data='' where id=?", c["no_memory"])
    finally:
        col.close()
    return built


def export_all(built: Built, out: Path) -> dict[str, Path]:
    """Export ``built`` in every format: latest, legacy 2, legacy 1 (.apkg), .colpkg
    (latest and legacy). Returns format name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "latest": out / "latest.apkg",
        "legacy2": out / "legacy2.apkg",
        "colpkg": out / "full.colpkg",
        "colpkg_legacy": out / "full_legacy.colpkg",
    }
    col = Collection(str(built.path))
    try:
        for name, legacy in (("latest", False), ("legacy2", True)):
            col.export_anki_package(
                out_path=str(paths[name]),
                options=ExportAnkiPackageOptions(
                    with_scheduling=True, with_deck_configs=True, with_media=True, legacy=legacy
                ),
                limit=None,
            )
    finally:
        col.close()
    for name, legacy in (("colpkg", False), ("colpkg_legacy", True)):
        col = Collection(str(built.path))
        col.export_collection_package(str(paths[name]), include_media=True, legacy=legacy)
    paths["legacy1"] = out / "legacy1.apkg"
    legacy1_from_legacy2(paths["legacy2"], paths["legacy1"])
    return paths


def legacy1_from_legacy2(src: Path, dst: Path) -> None:
    """A legacy-1 package (no ``meta``; the collection in ``collection.anki2``), made from a
    legacy-2 package Anki wrote: what Anki 2.1.0-2.1.49 exported."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in ("meta", "collection.anki2"):
                continue
            name = "collection.anki2" if info.filename == "collection.anki21" else info.filename
            zout.writestr(name, zin.read(info.filename))


def rewrite_zip(
    src: Path, dst: Path, replace: dict[str, bytes | None], compression: int = zipfile.ZIP_STORED
) -> None:
    """Copy the zip ``src`` to ``dst``, replacing (bytes) or dropping (None) members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                continue
            zout.writestr(info.filename, zin.read(info.filename))
        for name, data in replace.items():
            if data is not None:
                zout.writestr(name, data)


def _unicase(a: str, b: str) -> int:
    return (a.lower() > b.lower()) - (a.lower() < b.lower())


def modify_collection(src: Path, dst: Path, statements: list[str]) -> None:
    """Copy the package ``src`` to ``dst`` with SQL ``statements`` run on its collection
    (zstd-recompressed for the latest format)."""
    import sqlite3
    import tempfile

    import zstandard

    with zipfile.ZipFile(src) as zin:
        names = zin.namelist()
        member = next(
            m for m in ("collection.anki21b", "collection.anki21", "collection.anki2") if m in names
        )
        raw = zin.read(member)
    zstd = member.endswith("b")
    if zstd:
        raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "c.sqlite"
        db.write_bytes(raw)
        conn = sqlite3.connect(db)
        conn.create_collation("unicase", _unicase)
        for sql in statements:
            conn.execute(sql)
        conn.commit()
        conn.execute("pragma journal_mode=delete")
        conn.close()
        data = db.read_bytes()
    if zstd:
        data = zstandard.ZstdCompressor().compress(data)
    rewrite_zip(src, dst, {member: data})


def anki_import(package: Path, folder: Path) -> Any:
    """Import ``package`` with Anki's own importer into a new empty collection."""
    folder.mkdir(parents=True, exist_ok=True)
    col = Collection(str(folder / "collection.anki2"))
    col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(package),
            options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True),
        )
    )
    return col


def copy_collection(built: Built, folder: Path) -> Path:
    """A copy of the built collection file (and its media folder) under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "collection.anki2"
    shutil.copy(built.path, target)
    media = built.path.with_name("collection.media")
    if media.exists():
        shutil.copytree(media, folder / "collection.media", dirs_exist_ok=True)
    return target


_SHARED: dict[str, tuple[Built, dict[str, Path]]] = {}


def shared_packages(tmp_path_factory: Any) -> tuple[Built, dict[str, Path]]:
    """The fixture collection and its packages, built once per test session (the files are
    only read by tests; a test that needs changes copies them first)."""
    if "pkgs" not in _SHARED:
        base = tmp_path_factory.mktemp("anki-shared")
        built = build_collection(base / "col")
        _SHARED["pkgs"] = (built, export_all(built, base / "out"))
    return _SHARED["pkgs"]
