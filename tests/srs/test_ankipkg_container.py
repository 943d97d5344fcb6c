"""The package container and collection reader against packages written by Anki itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import zstandard
from anki import deck_config_pb2, import_export_pb2, notetypes_pb2

from srs.ankipkg import Limits, PackageContainer, PackageVersion, open_package, proto
from srs.ankipkg.container import validate_media_name
from srs.errors import PackageError
from tests import anki_factory as factory
from tests.anki_factory import Collection

pb: Any = import_export_pb2
dc: Any = deck_config_pb2
nt: Any = notetypes_pb2


@pytest.fixture(scope="module")
def pkgs(tmp_path_factory: pytest.TempPathFactory) -> tuple[factory.Built, dict[str, Path]]:
    return factory.shared_packages(tmp_path_factory)


@pytest.mark.parametrize(
    ("fmt", "version", "member", "schema"),
    [
        ("latest", PackageVersion.LATEST, "collection.anki21b", 18),
        ("legacy2", PackageVersion.LEGACY_2, "collection.anki21", 11),
        ("legacy1", PackageVersion.LEGACY_1, "collection.anki2", 11),
        ("colpkg", PackageVersion.LATEST, "collection.anki21b", 18),
        ("colpkg_legacy", PackageVersion.LEGACY_2, "collection.anki21", 11),
    ],
)
def test_formats_are_detected_and_the_real_collection_read(
    pkgs: tuple[factory.Built, dict[str, Path]],
    fmt: str,
    version: PackageVersion,
    member: str,
    schema: int,
) -> None:
    built, paths = pkgs
    col = Collection(str(built.path))
    try:
        guids = set(col.db.list("select guid from notes"))
        crt = col.db.scalar("select crt from col")
    finally:
        col.close()
    with open_package(paths[fmt]) as pkg:
        assert pkg.container.version == version
        assert pkg.container.collection_member == member
        assert pkg.collection.info.schema_version == schema
        assert pkg.collection.info.crt == crt
        # never the dummy "please update Anki" collection.anki2 of a modern package
        assert {n.guid for n in pkg.collection.notes()} == guids
        media = {
            m.name: b"".join(pkg.container.media_chunks(m)) for m in pkg.container.media_members()
        }
    assert media == {"pic.png": factory.PNG, "x.mp3": factory.MP3}


def test_schema18_blobs_decode_like_anki(pkgs: tuple[factory.Built, dict[str, Path]]) -> None:
    built, paths = pkgs
    with open_package(paths["latest"]) as pkg:
        presets = {p.name: p for p in pkg.collection.presets()}
        notetypes = {n.name: n for n in pkg.collection.notetypes()}
    col = Collection(str(built.path))
    try:
        for conf in col.decks.all_config():
            ours = presets[conf["name"]]
            assert ours.learn_steps == conf["new"]["delays"]
            assert ours.relearn_steps == conf["lapse"]["delays"]
            assert ours.new_per_day == conf["new"]["perDay"]
            assert ours.reviews_per_day == conf["rev"]["perDay"]
            assert ours.maximum_interval == conf["rev"]["maxIvl"]
            assert ours.leech_threshold == conf["lapse"]["leechFails"]
            assert ours.desired_retention == pytest.approx(conf["desiredRetention"])
        cloze = notetypes["Cloze"]
        model = col.models.by_name("Cloze")
        assert cloze.kind == "cloze" and cloze.css == model["css"]
        assert cloze.templates[0]["qfmt"] == model["tmpls"][0]["qfmt"]
    finally:
        col.close()


def test_our_messages_read_anki_messages() -> None:
    entries = pb.MediaEntries()
    entries.entries.add(name="a.png", size=3, sha1=b"\x02" * 20)
    entries.entries.add(name="b.mp3", size=4, sha1=b"\x03" * 20, legacy_zip_filename=7)
    ours = proto.parse("MediaEntries", entries.SerializeToString())
    assert [(e.name, e.size, e.HasField("legacy_zip_filename")) for e in ours.entries] == [
        ("a.png", 3, False),
        ("b.mp3", 4, True),
    ]
    assert ours.entries[1].legacy_zip_filename == 7
    meta = pb.PackageMetadata(version=pb.PackageMetadata.VERSION_LATEST)
    assert proto.parse("PackageMetadata", meta.SerializeToString()).version == 3
    conf = dc.DeckConfig.Config(
        learn_steps=[1.5, 20],
        fsrs_params_6=[0.5] * 21,
        desired_retention=0.8,
        leech_action=1,
        bury_new=True,
    )
    parsed = proto.parse("DeckConfigConfig", conf.SerializeToString())
    assert list(parsed.learn_steps) == [1.5, 20.0]
    assert list(parsed.fsrs_params_6) == [0.5] * 21
    assert parsed.leech_action == 1 and parsed.bury_new
    config = nt.Notetype.Config(kind=1, css=".c{}", sort_field_idx=1)
    parsed = proto.parse("NotetypeConfig", config.SerializeToString())
    assert (parsed.kind, parsed.css, parsed.sort_field_idx) == (1, ".c{}", 1)


@pytest.mark.parametrize(
    "name", ["a/b", "..", "../x", "a\\b", "/abs", "C:x", "nul\x00", "e\u0301.png", "", "tab\there"]
)
def test_unsafe_media_names_are_refused(name: str) -> None:
    with pytest.raises(PackageError):
        validate_media_name(Path("p.apkg"), name)


@pytest.mark.parametrize(
    "name", ["pic.png", "_style.css", "é.png", "a b (1).mp3", ".hidden", "a..b.png"]
)
def test_plain_media_names_pass(name: str) -> None:
    assert validate_media_name(Path("p.apkg"), name) == name


def test_ratio_cap_stops_a_bomb_early(
    pkgs: tuple[factory.Built, dict[str, Path]], tmp_path: Path
) -> None:
    _, paths = pkgs
    bomb = tmp_path / "bomb.apkg"
    factory.rewrite_zip(
        paths["latest"], bomb, {"0": zstandard.ZstdCompressor().compress(b"\x00" * (8 << 20))}
    )
    limits = Limits(max_ratio=100, ratio_floor=1 << 20)
    with PackageContainer(bomb, limits) as container:
        member = next(m for m in container.media_members() if m.member == "0")
        produced = 0
        with pytest.raises(PackageError, match="expands more than 100x"):
            for chunk in container.media_chunks(member):
                produced += len(chunk)
        assert produced <= 2 << 20  # stopped at the floor, not after 8 MB
