"""Provides ``write_package``: the legacy-2 zip layout every Anki version reads (``meta``
version 2, the schema-11 ``collection.anki21``, a dummy ``collection.anki2``, a JSON
``media`` map and raw media members ``0``, ``1``, ...), written to a temporary file in the
destination folder and renamed into place only when complete."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from srs.ankipkg import proto
from srs.ankipkg.container import PackageVersion
from srs.errors import PackageError

_COPY_CHUNK = 1 << 20


def meta_bytes() -> bytes:
    """The ``meta`` member: ``PackageMetadata { version: LEGACY_2 }``."""
    return bytes(
        proto.new("PackageMetadata", version=int(PackageVersion.LEGACY_2)).SerializeToString()
    )


def check_destination(out: Path, *, force: bool) -> None:
    """Refuse a destination that exists (unless ``force``), is a folder, or whose folder is
    missing."""
    if out.is_dir():
        raise PackageError(out, "is a folder; give a file name such as out.apkg")
    if out.exists() and not force:
        raise PackageError(out, "already exists (use --force to replace it)")
    if not out.parent.is_dir():
        raise PackageError(out, f"folder {out.parent} does not exist")


def write_package(
    out: Path,
    collection: Path,
    dummy: Path,
    media: Sequence[tuple[str, Path]],
    *,
    force: bool,
    compresslevel: int = 1,
) -> None:
    """Zip the collection and media into ``out`` atomically.

    Args:
        out: the package to write.
        collection: the schema-11 SQLite file (becomes ``collection.anki21``).
        dummy: the placeholder ``collection.anki2``.
        media: (name in the collection, file on disk) pairs, in member order.
        force: replace ``out`` if it exists.
        compresslevel: deflate level of the collection members.

    Raises:
        PackageError: the destination cannot be written; nothing is left behind.
    """
    check_destination(out, force=force)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise PackageError(out, f"cannot write in {out.parent} ({exc.strerror})") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as zf:
            zf.writestr("meta", meta_bytes(), compress_type=zipfile.ZIP_STORED)
            for member, path in (("collection.anki21", collection), ("collection.anki2", dummy)):
                zf.write(
                    path, member, compress_type=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
                )
            mapping = {str(i): name for i, (name, _) in enumerate(media)}
            zf.writestr("media", json.dumps(mapping), compress_type=zipfile.ZIP_STORED)
            for i, (_, path) in enumerate(media):
                info = zipfile.ZipInfo(str(i))
                info.compress_type = zipfile.ZIP_STORED
                with path.open("rb") as src, zf.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, _COPY_CHUNK)
        tmp.chmod(0o666 & ~_umask())  # mkstemp made it private; a package is an ordinary file
        _move_into_place(tmp, out, force=force)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PackageError(out, f"cannot be written ({exc.strerror or exc})") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _move_into_place(tmp: Path, out: Path, *, force: bool) -> None:
    """Rename the finished package onto ``out``; without ``force``, never over a file that
    appeared meanwhile (a hard link fails if the name exists; the rename is the fallback on
    file systems without links)."""
    if force:
        os.replace(tmp, out)
        return
    try:
        os.link(tmp, out)
    except FileExistsError as exc:
        raise PackageError(out, "already exists (use --force to replace it)") from exc
    except OSError:
        if out.exists():
            raise PackageError(out, "already exists (use --force to replace it)") from None
        os.replace(tmp, out)
        return
    tmp.unlink()
