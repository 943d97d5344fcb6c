"""Provides ``PackageContainer``: the zip side of an Anki package (.apkg / .colpkg).

It detects the format (latest: ``meta`` v3 and zstd members; legacy 2: ``collection.anki21``;
legacy 1: ``collection.anki2`` only), extracts the real collection (never the dummy
``collection.anki2`` of a modern package) to a temporary file, reads the media map and
streams media members, decompressing zstd where the format says so. Every byte read is
counted against ``Limits`` so that a decompression bomb fails early.
"""

from __future__ import annotations

import json
import os
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import IO

import zstandard
from google.protobuf.message import DecodeError

from srs.ankipkg import proto
from srs.errors import PackageError

_CHUNK = 1 << 20
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class PackageVersion(IntEnum):
    """Anki's ``PackageMetadata.Version``."""

    LEGACY_1 = 1
    LEGACY_2 = 2
    LATEST = 3


@dataclass(frozen=True)
class Limits:
    """Caps against decompression bombs.

    ``max_total`` bounds the bytes produced by decompressing the whole package;
    ``max_ratio`` bounds output/input of any member once it has produced ``ratio_floor`` bytes.
    """

    max_total: int = 32 << 30
    max_ratio: int = 1000
    ratio_floor: int = 16 << 20


@dataclass(frozen=True)
class MediaMember:
    """One media file of the package: its name in the collection and its zip member."""

    name: str
    member: str
    size: int | None = None
    sha1: bytes | None = None


def validate_media_name(path: Path, name: str) -> str:
    """Return ``name`` if it is a safe, plain file name; else raise ``PackageError``."""
    bad = (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or os.path.isabs(name)
        or (len(name) > 1 and name[1] == ":")
    )
    if bad:
        raise PackageError(path, f"unsafe media file name {name!r}")
    if unicodedata.normalize("NFC", name) != name:
        raise PackageError(path, f"media file name {name!r} is not in Unicode NFC form")
    if any(ord(c) < 32 for c in name):
        raise PackageError(path, f"media file name {name!r} holds control characters")
    return name


class PackageContainer:
    """An open Anki package (zip). Use as a context manager; ``close()`` removes temp files."""

    def __init__(self, path: Path, limits: Limits | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or Limits()
        self._produced = 0
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        try:
            self.zip = zipfile.ZipFile(self.path)
        except FileNotFoundError as exc:
            raise PackageError(self.path, "no such file") from exc
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise PackageError(self.path, f"not a readable zip file ({exc})") from exc
        self.names = set(self.zip.namelist())
        self.collection_member = ""
        self.version = self._detect_version()

    def __enter__(self) -> PackageContainer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    # -- format ---------------------------------------------------------------------------

    def _detect_version(self) -> PackageVersion:
        if "meta" in self.names:
            raw = self._read_all("meta", zstd=False)
            try:
                version = int(proto.parse("PackageMetadata", raw).version)
            except DecodeError as exc:
                raise PackageError(self.path, "unreadable package metadata") from exc
            if version not in (1, 2, 3):
                raise PackageError(
                    self.path,
                    f"package version {version} is not supported (made by a newer Anki?)",
                )
            result = PackageVersion(version)
        elif "collection.anki21" in self.names:
            result = PackageVersion.LEGACY_2
        elif "collection.anki2" in self.names:
            result = PackageVersion.LEGACY_1
        elif "collection.anki21b" in self.names:
            raise PackageError(self.path, "collection.anki21b without package metadata")
        else:
            raise PackageError(self.path, "no Anki collection in this zip")
        self.collection_member = {
            PackageVersion.LATEST: "collection.anki21b",
            PackageVersion.LEGACY_2: "collection.anki21",
            PackageVersion.LEGACY_1: "collection.anki2",
        }[result]
        if self.collection_member not in self.names:
            raise PackageError(self.path, f"package is missing {self.collection_member}")
        return result

    @property
    def zstd(self) -> bool:
        return self.version == PackageVersion.LATEST

    # -- reading members -------------------------------------------------------------------

    def _count(self, produced: int) -> None:
        self._produced += produced
        if self._produced > self.limits.max_total:
            raise PackageError(
                self.path,
                f"decompressed size exceeds {self.limits.max_total} bytes (zip bomb?)",
            )

    def open_member(self, member: str, *, zstd: bool) -> Iterator[bytes]:
        """Yield the decompressed bytes of ``member`` in chunks, enforcing the limits."""
        if member not in self.names:
            raise PackageError(self.path, f"package is missing member {member!r}")
        info = self.zip.getinfo(member)
        consumed = max(info.compress_size, 1)
        produced = 0
        try:
            if zstd:
                with self.zip.open(member) as head:
                    if head.read(4) != ZSTD_MAGIC:
                        raise PackageError(self.path, f"member {member!r} is not zstd data")
            with self.zip.open(member) as raw:
                stream: IO[bytes] = raw
                if zstd:
                    dctx = zstandard.ZstdDecompressor()
                    stream = dctx.stream_reader(raw, read_across_frames=True)
                while True:
                    chunk = stream.read(_CHUNK)
                    if not chunk:
                        break
                    produced += len(chunk)
                    self._count(len(chunk))
                    if produced_ratio_exceeded(produced, consumed, self.limits):
                        raise PackageError(
                            self.path,
                            f"member {member!r} expands more than {self.limits.max_ratio}x "
                            "(zip bomb?)",
                        )
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, zstandard.ZstdError, OSError) as exc:
            raise PackageError(self.path, f"member {member!r} is damaged ({exc})") from exc

    def _read_all(self, member: str, *, zstd: bool) -> bytes:
        return b"".join(self.open_member(member, zstd=zstd))

    def extract_collection(self) -> Path:
        """Write the real collection to a temporary SQLite file and return its path."""
        if self._tmpdir is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="srs-ankipkg-")
        target = Path(self._tmpdir.name) / "collection.sqlite"
        with target.open("wb") as out:
            for chunk in self.open_member(self.collection_member, zstd=self.zstd):
                out.write(chunk)
        return target

    def media_members(self) -> list[MediaMember]:
        """The media map, validated: every name safe, every member present."""
        if "media" not in self.names:
            return []
        raw = self._read_all("media", zstd=self.zstd)
        result: list[MediaMember] = []
        if self.zstd:
            try:
                entries = proto.parse("MediaEntries", raw).entries
            except DecodeError as exc:
                raise PackageError(self.path, "unreadable media map") from exc
            for index, entry in enumerate(entries):
                member = (
                    str(entry.legacy_zip_filename)
                    if entry.HasField("legacy_zip_filename")
                    else str(index)
                )
                sha1 = bytes(entry.sha1) if entry.sha1 else None
                result.append(MediaMember(entry.name, member, int(entry.size), sha1))
        else:
            try:
                mapping = json.loads(raw.decode("utf-8")) if raw.strip() else {}
            except (UnicodeDecodeError, ValueError) as exc:
                raise PackageError(self.path, "unreadable media map") from exc
            if not isinstance(mapping, dict):
                raise PackageError(self.path, "media map is not a JSON object")
            for member, name in mapping.items():
                if not isinstance(name, str):
                    raise PackageError(self.path, f"media map entry {member!r} is not a name")
                result.append(MediaMember(name, str(member)))
        seen: set[str] = set()
        for item in result:
            validate_media_name(self.path, item.name)
            if item.member not in self.names:
                raise PackageError(
                    self.path,
                    f"media map names member {item.member!r} ({item.name}), which is missing",
                )
            if item.name in seen:
                raise PackageError(self.path, f"media file {item.name!r} appears twice")
            seen.add(item.name)
        return result

    def media_chunks(self, item: MediaMember) -> Iterator[bytes]:
        """The decompressed content of one media file, in chunks."""
        return self.open_member(item.member, zstd=self.zstd)


def produced_ratio_exceeded(produced: int, consumed: int, limits: Limits) -> bool:
    """Whether a member that produced ``produced`` bytes from ``consumed`` is a bomb."""
    return produced > limits.ratio_floor and produced / max(consumed, 1) > limits.max_ratio
