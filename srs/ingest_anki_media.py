"""Provides ``MediaStager``: media files of an import written to temporary names inside the
media folder, renamed into place after the database commit, removed on failure.

Names are validated again here (the engine never trusts its caller with paths): no
separators, no ``..``, no NUL, not absolute, NFC. A file whose name exists with other
content is not overwritten: the incoming one gets a name with its SHA-1 (as Anki does) and
``rewrite_media_refs`` points the imported notes at it.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, column, insert, select, table

from srs.errors import StoreError
from srs.media_names import safe_media_path
from srs.models import Media
from srs.reports import KindReport
from srs.store import MEDIA_TMP_PREFIX

_MEDIA = table("media", column("name"), column("sha1"), column("size"), column("added_at"))


@dataclass(frozen=True)
class MediaIn:
    """A media file to import: its name and a way to read its bytes in chunks."""

    name: str
    chunks: Callable[[], Iterable[bytes]]


def rewrite_media_refs(fields: str, renames: dict[str, str]) -> str:
    """``fields`` with references to renamed media (``src="x"``, ``[sound:x]``) updated."""
    for old, new in renames.items():
        if old not in fields:
            continue
        pattern = re.compile(rf"""(\bsrc\s*=\s*["']?){re.escape(old)}(?=["'\s>]|$)""")
        fields = pattern.sub(lambda m: m.group(1) + new, fields)  # noqa: B023 - used at once
        fields = fields.replace(f"[sound:{old}]", f"[sound:{new}]")
    return fields


def _sha1_of_file(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class MediaStager:
    """Stages media of one import; ``commit()`` after the database commit, else
    ``discard()``."""

    def __init__(self, media_dir: Path, *, dry_run: bool) -> None:
        self.media_dir = media_dir
        self.dry_run = dry_run
        self.staged: list[tuple[Path, Path]] = []

    def stage(
        self,
        conn: Connection,
        media: list[MediaIn],
        rep: KindReport,
        tick: Callable[[int], None],
        now_ms: int,
    ) -> dict[str, str]:
        """Write every new file to a temporary name and add its ``Media`` row.

        A name already taken by other content is not overwritten: the incoming file goes
        under ``<stem>-<sha1><suffix>`` (Anki's convention) and the returned map
        (old name -> new name) tells the caller which references to rewrite in notes.
        """
        renames: dict[str, str] = {}
        if not media:
            return renames
        known = {r.name: r.sha1 for r in conn.execute(select(Media.name, Media.sha1))}
        if not self.dry_run:
            self.media_dir.mkdir(parents=True, exist_ok=True)
        rows: list[dict[str, Any]] = []

        def stored_sha1(name: str, path: Path) -> str | None:
            have = known.get(name)
            if have is None and path.exists():
                have = _sha1_of_file(path)
            return have

        for item in media:
            final = safe_media_path(self.media_dir, item.name, require_nfc=True)
            sha1, size, tmp = self._write(item)
            name = item.name
            have = stored_sha1(name, final)
            if have is not None and have != sha1:
                stem, dot, suffix = name.rpartition(".")
                name = f"{stem}-{sha1}.{suffix}" if dot and stem else f"{name}-{sha1}"
                final = safe_media_path(self.media_dir, name, require_nfc=True)
                renames[item.name] = name
                have = stored_sha1(name, final)
            if have is None:
                rows.append({"name": name, "sha1": sha1, "size": size, "added_at": now_ms})
                known[name] = sha1
                if tmp is not None:
                    self.staged.append((tmp, final))
                rep.added += 1
            else:
                if tmp is not None:
                    tmp.unlink(missing_ok=True)
                rep.unchanged += 1
                if name not in known:
                    rows.append({"name": name, "sha1": sha1, "size": size, "added_at": now_ms})
                    known[name] = sha1
            tick(1)
        if rows:
            conn.execute(insert(_MEDIA), rows)
        return renames

    def _write(self, item: MediaIn) -> tuple[str, int, Path | None]:
        digest = hashlib.sha1()
        size = 0
        if self.dry_run:
            for chunk in item.chunks():
                digest.update(chunk)
                size += len(chunk)
            return digest.hexdigest(), size, None
        tmp = self.media_dir / f"{MEDIA_TMP_PREFIX}{uuid.uuid4().hex}"
        self.staged.append((tmp, tmp))  # removed by discard() even if writing fails
        try:
            with tmp.open("wb") as out:
                for chunk in item.chunks():
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except OSError as exc:
            raise StoreError(f"{self.media_dir}: cannot write media ({exc.strerror})") from exc
        self.staged.remove((tmp, tmp))
        return digest.hexdigest(), size, tmp

    def discard(self) -> None:
        """Remove every staged file (the import failed)."""
        for tmp, _final in self.staged:
            tmp.unlink(missing_ok=True)
        self.staged.clear()

    def commit(self) -> None:
        """Move staged files into place (the database transaction has committed)."""
        for tmp, final in self.staged:
            os.replace(tmp, final)
        self.staged.clear()
