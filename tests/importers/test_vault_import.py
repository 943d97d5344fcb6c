"""Importing a vault into a collection: notes, note types, decks, media, legacy schedules,
incremental re-imports, dry runs and bad input."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fsrs_rs_python
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from importers.vault import VaultOptions, import_vault
from srs.clock import FixedClock
from srs.domain import CardState
from srs.errors import CollectionLocked, ParseError, StoreError, UsageError
from srs.models import Card, Deck, Media, Note, Notetype, Preset
from srs.store import Store
from tests.importers.test_vault_support import cards, dump, make_vault

SAMPLE_RL = """#flashcards/ml/rl

# Reinforcement learning

PPO clips the ratio to ==$[1-\\epsilon, 1+\\epsilon]$==.

What is the DPO loss?
?
$$\\mathcal{L} = -\\log \\sigma(\\beta x)$$
It needs no reward model.

Q: Who wrote *RL: An Introduction*?
A: Sutton and Barto

Bellman equation
??
$V(s) = r + \\gamma V(s')$
"""


def test_first_import_creates_notes_cards_types_decks_and_preset(
    tmp_path: Path, store: Store
) -> None:
    vault = make_vault(tmp_path)
    vault.write("ML/RL.md", SAMPLE_RL)
    vault.write("Daily.md", "Meeting:: 10:00\nRatio 3::4\n")
    report = import_vault(store, vault.root)
    assert (report.added, report.updated, report.retired, report.skipped) == (4, 0, 0, [])
    with store.read() as session:
        notes = session.scalars(select(Note).order_by(Note.source_line)).all()
        assert [n.source_line for n in notes] == [5, 7, 12, 15]
        assert {n.source_kind for n in notes} == {"obsidian"}
        assert {n.source_path for n in notes} == {"ML/RL.md"}
        assert len({n.guid for n in notes}) == 4
        kinds = {t.name: t for t in session.scalars(select(Notetype))}
        assert kinds["Obsidian Cloze"].kind == "cloze"
        assert [f["name"] for f in kinds["Obsidian Basic"].fields] == ["Front", "Back"]
        assert len(kinds["Obsidian Basic"].templates) == 1
        assert len(kinds["Obsidian Basic (and reversed)"].templates) == 2
        decks = {d.id: d.name for d in session.scalars(select(Deck))}
        assert set(decks.values()) == {"ml", "ml::rl"}
        assert [p.name for p in session.scalars(select(Preset))] == ["Default"]
        by_line = {n.source_line: n for n in notes}
        assert (
            by_line[5].fields == "PPO clips the ratio to {{c1::$[1-\\epsilon, 1+\\epsilon]$}}.\x1f"
        )
        assert by_line[7].fields.split("\x1f")[1].startswith("$$\\mathcal{L}")
    rows = cards(store)
    assert sorted((r.line, r.ord) for r in rows) == [(5, 0), (7, 0), (12, 0), (15, 0), (15, 1)]
    assert all(r.state == CardState.NEW and not r.suspended for r in rows)
    assert {decks[r.deck_id] for r in rows} == {"ml::rl"}


def test_second_import_changes_nothing(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write("ML/RL.md", SAMPLE_RL)
    vault.write("img.png", b"\x89PNG fake")
    vault.write("Pics.md", "#flashcards\nWhat is shown?::![[img.png|300]]\n")
    import_vault(store, vault.root)
    before = dump(store)
    again = import_vault(store, vault.root)
    assert (again.added, again.updated, again.moved, again.retired) == (0, 0, 0, 0)
    assert again.unchanged == 5
    assert again.files_parsed == 0 and again.files_unchanged == 2
    assert dump(store) == before


def test_files_touched_but_identical_are_not_reparsed(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write("a.md", "#flashcards\nq::a\n")
    import_vault(store, vault.root)
    vault.write("a.md", "#flashcards\nq::a\n")  # new mtime, same bytes
    report = import_vault(store, vault.root)
    assert report.files_parsed == 0 and report.files_unchanged == 1 and report.unchanged == 1


def test_dry_run_reports_and_writes_nothing(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write("a.md", "#flashcards\nCapital of France::Paris\nLargest planet::Jupiter\n")
    import_vault(store, vault.root)
    vault.write("a.md", "#flashcards\nCapital of France::Paris, on the Seine\nSpeed of light::c\n")
    before = dump(store)
    report = import_vault(store, vault.root, dry_run=True)
    assert dump(store) == before
    data = json.loads(json.dumps(report.to_json()))
    assert data["dry_run"] is True
    assert (data["added"], data["updated"], data["retired"]) == (1, 1, 1)
    added = {"where": "a.md:3", "front": "Speed of light", "back": "c"}
    assert data["details"]["added"] == [added]
    assert data["details"]["updated"] == [
        {
            "where": "a.md:2",
            "old": {"where": "a.md:2", "front": "Capital of France", "back": "Paris"},
            "new": {"where": "a.md:2", "front": "Capital of France", "back": "Paris, on the Seine"},
        }
    ]
    retired = {"where": "a.md:3", "front": "Largest planet", "back": "Jupiter"}
    assert data["details"]["retired"] == [retired]
    real = import_vault(store, vault.root)
    assert (real.added, real.updated, real.retired) == (1, 1, 1)


def test_legacy_sm2_schedule_seeds_a_review_card(tmp_path: Path, clock: FixedClock) -> None:
    store = Store.open(tmp_path / "c.db", clock=FixedClock(clock.now(), tz=UTC))
    vault = make_vault(tmp_path)
    vault.write("a.md", "#flashcards\nq::a\n<!--SR:!2026-11-20,12,250-->\nnew::card\n")
    import_vault(store, vault.root)
    with store.read() as session:
        seeded, fresh = session.scalars(select(Card).order_by(Card.id)).all()
        session.expunge_all()
    expected = fsrs_rs_python.FSRS(fsrs_rs_python.DEFAULT_PARAMETERS).memory_state_from_sm2(
        2.5, 12, 0.9
    )
    assert seeded.state == CardState.REVIEW
    assert seeded.due == datetime(2026, 11, 20, 4, tzinfo=UTC)  # local day start, rollover 4
    assert (seeded.interval_days, seeded.ease_factor) == (12, 2500)
    assert seeded.stability == pytest.approx(expected.stability, rel=1e-4)
    assert seeded.difficulty == pytest.approx(expected.difficulty, rel=1e-4)
    assert fresh.state == CardState.NEW and fresh.due is None
    store.close()


def test_images_resolve_like_obsidian_and_are_copied(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write(".obsidian/app.json", json.dumps({"attachmentFolderPath": "assets"}))
    vault.write("Notes/local.png", b"local")
    vault.write("assets/shared.png", b"shared")
    vault.write("deep/down/unique.png", b"unique")
    vault.write("other/local.png", b"another local")
    vault.write(
        "Notes/n.md",
        "#flashcards\n"
        "a::![[local.png|300]]\n"
        "b::![[shared.png]]\n"
        "c::![](unique.png)\n"
        "d::![[missing.png]]\n",
    )
    vault.write("m.md", "#flashcards\ne::![[other/local.png]]\n")
    report = import_vault(store, vault.root)
    assert report.added == 5
    media = store.media_dir
    assert (media / "local.png").read_bytes() == b"local"
    assert (media / "shared.png").read_bytes() == b"shared"
    assert (media / "unique.png").read_bytes() == b"unique"
    clash = f"local-{hashlib.sha1(b'another local').hexdigest()[:8]}.png"
    assert (media / clash).read_bytes() == b"another local"
    assert not [p for p in media.iterdir() if p.name.startswith(".tmp")]
    with store.read() as session:
        names = {m.name: m.sha1 for m in session.scalars(select(Media))}
        backs = {n.sort_field: n.fields.split("\x1f")[1] for n in session.scalars(select(Note))}
    assert names["shared.png"] == hashlib.sha1(b"shared").hexdigest()
    assert set(names) == {"local.png", "shared.png", "unique.png", clash}
    assert backs["e"] == f"![[{clash}]]"
    assert backs["a"] == "![[local.png|300]]"
    assert report.kind("media").skipped_reasons == [
        "Notes/n.md:5: embedded file 'missing.png' not found"
    ]


def test_skipped_folders_files_and_ignore_patterns(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write(".obsidian/x.md", "#flashcards\nhidden::1\n")
    vault.write(".trash/old.md", "#flashcards\ntrash::1\n")
    vault.write("draw.excalidraw.md", "#flashcards\ndrawing::1\n")
    vault.write("Templates/t.md", "#flashcards\ntemplate::1\n")
    vault.write("Private/secret.md", "#flashcards\nsecret::1\n")
    vault.write("keep.md", "#flashcards\nkeep::1\n")
    vault.write("srs.toml", '[vault]\nignore = ["Templates", "Private/*.md"]\n')
    report = import_vault(store, vault.root)
    assert report.added == 1
    assert [c.fields[0] for c in cards(store)] == ["keep"]


def test_options_from_srs_toml_and_cli(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write("srs.toml", 'flashcard-tags = ["review"]\ncloze-bold = true\n')
    vault.write("Bio/a.md", "#review\nThe **cell** is small\n")
    vault.write("b.md", "untagged::note\n")
    import_vault(store, vault.root, options=VaultOptions(all_notes=True, decks_from_folders=True))
    with store.read() as session:
        rows = session.execute(
            select(Note.sort_field, Deck.name)
            .join(Card, Card.note_id == Note.id)
            .join(Deck, Deck.id == Card.deck_id)
        ).all()
    assert sorted(rows) == [("The {{c1::cell}} is small", "Bio"), ("untagged", "Default")]


def test_bad_input_is_reported_and_the_rest_imported(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write("good.md", "#flashcards\nq::a\n::empty front\n")
    vault.write("latin1.md", "#flashcards\nline two\ncaf\xe9::x\n".encode("latin-1"))
    vault.write("binary.md", b"#flashcards\x00\x01\x02")
    vault.write("huge.md", "#flashcards\n" + "x" * 2000 + "\n")
    os.symlink(vault.root, vault.root / "loop")
    report = import_vault(store, vault.root, options=VaultOptions(max_file_bytes=1000))
    assert report.added == 1
    assert sorted(report.skipped) == [
        "binary.md:1: binary file, not Markdown; skipped",
        "good.md:3: card has an empty front",
        "huge.md:1: file is larger than 0.000953674 MB; skipped",
        "latin1.md:3: not valid UTF-8; skipped",
        "loop: symlink loop (folder already visited)",
    ]


def test_unreadable_file_keeps_its_cards(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write("a.md", "#flashcards\nq::a\n")
    import_vault(store, vault.root)
    vault.write("a.md", b"#flashcards\nq::a\xff\n")
    report = import_vault(store, vault.root)
    assert report.retired == 0 and report.skipped == ["a.md:2: not valid UTF-8; skipped"]
    assert [(c.orphaned, c.suspended) for c in cards(store)] == [(False, False)]


def test_missing_vault_and_bad_config_raise(tmp_path: Path, store: Store) -> None:
    with pytest.raises(UsageError, match="no such vault"):
        import_vault(store, tmp_path / "nope")
    vault = make_vault(tmp_path)
    vault.write("srs.toml", "cloze-bold = 3\n")
    with pytest.raises(ParseError, match="cloze_bold must be true or false"):
        import_vault(store, vault.root)


def test_progress_is_reported(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    for i in range(3):
        vault.write(f"n{i}.md", f"#flashcards\nq{i}::a\n")
    seen: list[tuple[int, int]] = []
    import_vault(store, vault.root, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3)


def test_parallel_reading_gives_the_same_collection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importers.vault import reader

    vault = make_vault(tmp_path)
    for i in range(6):
        vault.write(f"n{i}.md", f"#flashcards/d{i % 2}\nq{i}::a{i}\nThe ==c{i}== cloze\n")
    vault.write("bad.md", b"\xff\xfe")
    clock = FixedClock(datetime(2026, 11, 27, 9, tzinfo=UTC))
    serial = Store.open(tmp_path / "serial.db", clock=clock)
    parallel = Store.open(tmp_path / "parallel.db", clock=clock)
    one = import_vault(serial, vault.root)
    monkeypatch.setattr(reader, "PARALLEL_MIN_FILES", 1)
    pools: list[int] = []

    class CountingPool(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(reader, "ProcessPoolExecutor", CountingPool)
    two = import_vault(parallel, vault.root)
    assert pools == [1] or (os.cpu_count() or 1) < 2
    assert one.to_json() | {"source": ""} == two.to_json() | {"source": ""}
    assert dump(serial) == dump(parallel)
    serial.close()
    parallel.close()


def test_two_vaults_share_a_collection(tmp_path: Path, store: Store) -> None:
    first = make_vault(tmp_path / "one")
    second = make_vault(tmp_path / "two")
    first.write("a.md", "#flashcards\nfirst vault card::yes\n")
    second.write("a.md", "#flashcards\nsecond vault card::yes\n")
    import_vault(store, first.root)
    report = import_vault(store, second.root)
    assert (report.added, report.retired) == (1, 0)
    assert import_vault(store, first.root).unchanged == 1
    assert not any(c.orphaned for c in cards(store))


def test_changed_options_reparse_every_file(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write("Bio/a.md", "#flashcards/science\nq::a\n")
    import_vault(store, vault.root)
    report = import_vault(store, vault.root, options=VaultOptions(decks_from_folders=True))
    assert report.files_parsed == 1 and report.updated == 1
    with store.read() as session:
        names = session.scalars(select(Deck.name).join(Card, Card.deck_id == Deck.id)).all()
    assert names == ["Bio"]


def test_fsrs_variant_schedule_is_taken_as_written(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    comment = "<!--SR:!fsrs,2026-12-05T10:00:00.000Z,8,7.5,4.2,2,5,1,0,2026-11-27T08:00:00.000Z-->"
    vault.write("a.md", f"#flashcards\nq::a {comment}\n")
    import_vault(store, vault.root)
    with store.read() as session:
        card = session.scalars(select(Card)).one()
        got = (card.state, card.stability, card.difficulty, card.reps, card.lapses)
        assert card.due == datetime(2026, 12, 5, 4, tzinfo=UTC)
        assert card.last_review == datetime(2026, 11, 27, 8, tzinfo=UTC)
    assert got == (CardState.REVIEW, 7.5, 4.2, 5, 1)


def test_recently_modified_files_are_rehashed_not_trusted(tmp_path: Path, store: Store) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    note = root / "a.md"
    note.write_text("#flashcards\nq::a\n", encoding="utf-8")  # mtime: now, inside the racy window
    import_vault(store, root)
    before = dump(store)
    again = import_vault(store, root)
    assert (again.files_parsed, again.files_unchanged, again.unchanged) == (0, 1, 1)
    assert dump(store) == before
    stat = note.stat()
    note.write_text("#flashcards\nq::b\n", encoding="utf-8")  # same size, maybe same mtime
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = import_vault(store, root)
    assert changed.updated == 1
    assert cards(store)[0].fields == ("q", "b")


def test_the_vault_is_never_written(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write("a.md", SAMPLE_RL)
    vault.write("pic.png", b"png")
    vault.write("b.md", "#flashcards\nq::![[pic.png]]\n")

    def snapshot() -> dict[str, tuple[bytes, int]]:
        return {
            p.relative_to(vault.root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(vault.root.rglob("*"))
            if p.is_file()
        }

    before = snapshot()
    import_vault(store, vault.root)
    vault.remove("b.md")
    before.pop("b.md")
    import_vault(store, vault.root)
    assert snapshot() == before


def test_dry_run_copies_no_media(tmp_path: Path, store: Store) -> None:
    vault = make_vault(tmp_path)
    vault.write("pic.png", b"png")
    vault.write("b.md", "#flashcards\nq::![[pic.png]]\n")
    report = import_vault(store, vault.root, dry_run=True)
    assert report.added == 1 and report.kind("media").added == 1
    assert not store.media_dir.exists() or not any(store.media_dir.iterdir())


def test_foreign_note_type_of_the_same_name_is_refused(tmp_path: Path, store: Store) -> None:
    with store.write() as session:
        session.add(
            Notetype(
                name="Obsidian Basic",
                fields=[{"name": "Question"}],
                templates=[],
                modified_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    vault = make_vault(tmp_path)
    vault.write("a.md", "#flashcards\nq::a\n")
    with pytest.raises(StoreError, match="Obsidian Basic"):
        import_vault(store, vault.root)
    assert [c for c in cards(store)] == []


@pytest.mark.parametrize("name", ["../evil.png", "a/b.png", "..", "", "x\x00.png"])
def test_media_names_never_leave_the_media_folder(tmp_path: Path, name: str) -> None:
    from srs.media_names import safe_media_path

    with pytest.raises(StoreError):
        safe_media_path(tmp_path, name)
    with pytest.raises(StoreError):
        safe_media_path(tmp_path, name, require_nfc=True)


def test_only_package_media_names_must_be_nfc(tmp_path: Path) -> None:
    from srs.media_names import safe_media_path

    decomposed = "cafe\u0301.png"  # as macOS file systems may spell a vault's file
    assert safe_media_path(tmp_path, decomposed) == tmp_path / decomposed
    with pytest.raises(StoreError, match="not a safe media file name"):
        safe_media_path(tmp_path, decomposed, require_nfc=True)
    assert safe_media_path(tmp_path, "café.png", require_nfc=True) == tmp_path / "café.png"


def test_schedule_added_later_seeds_a_new_card_but_never_a_reviewed_one(
    tmp_path: Path, store: Store
) -> None:
    vault = make_vault(tmp_path)
    vault.write("a.md", "#flashcards\nnew one::a\nreviewed one::b\n")
    import_vault(store, vault.root)
    with store.write() as session:
        reviewed = session.scalars(
            select(Card).join(Note).where(Note.sort_field == "reviewed one")
        ).one()
        reviewed.reps, reviewed.state = 3, CardState.REVIEW
        reviewed.interval_days = 40
    sr = "<!--SR:!2026-12-01,5,250-->"
    vault.write("a.md", f"#flashcards\nnew one::a {sr}\nreviewed one::b {sr}\n")
    import_vault(store, vault.root)
    with store.read() as session:
        got = dict(
            session.execute(
                select(Note.sort_field, Card.interval_days).join(Card, Card.note_id == Note.id)
            ).all()
        )
    assert got == {"new one": 5, "reviewed one": 40}


@settings(max_examples=8, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                [
                    "alpha question::answer one",
                    "beta question:::answer two",
                    "The ==gamma== and ==delta== cloze",
                    "Multi line front\n?\nmulti line back",
                    "Q: epsilon?\nA: zeta",
                    "#flashcards/deck/sub",
                    "plain text",
                    "```\ncode::x\n```",
                ]
            ),
            max_size=6,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_reimport_of_any_vault_changes_nothing(notes: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        vault = make_vault(Path(tmp))
        for i, blocks in enumerate(notes):
            vault.write(f"d{i % 2}/n{i}.md", "#flashcards\n\n" + "\n\n".join(blocks) + "\n")
        clock = FixedClock(datetime(2026, 11, 27, 9, tzinfo=UTC))
        with Store.open(Path(tmp) / "c.db", clock=clock) as store:
            first = import_vault(store, vault.root)
            before = dump(store)
            # other options: every file is parsed again (and matched again) twice
            again = import_vault(store, vault.root, options=VaultOptions(cloze_bold=True))
            back = import_vault(store, vault.root)
            assert (again.added, again.updated, again.retired, again.moved) == (0, 0, 0, 0)
            assert (back.added, back.updated, back.retired, back.moved) == (0, 0, 0, 0)
            assert again.unchanged == back.unchanged == first.added
            after = dump(store)
            after.pop("config"), before.pop("config")
            after.pop("source_files"), before.pop("source_files")
            assert after == before


def test_an_import_that_finished_meanwhile_is_not_doubled(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importers.vault import importer

    vault = make_vault(tmp_path)
    vault.write("a.md", "#flashcards\nq::a\n")
    real_plan = importer._plan

    def racing_plan(*args: object, **kwargs: object) -> object:
        raise AssertionError("must not plan on a stale scan")

    original_scan = importer._scan_changes

    def scan_then_other_import(*args: object, **kwargs: object) -> object:
        result = original_scan(*args, **kwargs)  # type: ignore[arg-type]
        monkeypatch.setattr(importer, "_scan_changes", original_scan)
        import_vault(store, vault.root)  # another process, in effect, between scan and write
        monkeypatch.setattr(importer, "_plan", racing_plan)
        return result

    monkeypatch.setattr(importer, "_scan_changes", scan_then_other_import)
    with pytest.raises(CollectionLocked, match="run the import again"):
        import_vault(store, vault.root)
    monkeypatch.setattr(importer, "_plan", real_plan)
    assert len(cards(store)) == 1


def test_parallel_reading_with_another_thread_running(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from importers.vault import reader

    vault = make_vault(tmp_path)
    for i in range(4):
        vault.write(f"n{i}.md", f"#flashcards\nq{i}::a{i}\n")
    monkeypatch.setattr(reader, "PARALLEL_MIN_FILES", 1)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert reader._start_method() == "forkserver"
        report = import_vault(store, vault.root)
    finally:
        stop.set()
        thread.join()
    assert report.added == 4
    assert sorted(c.fields for c in cards(store)) == [(f"q{i}", f"a{i}") for i in range(4)]
