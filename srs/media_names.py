"""Provides ``safe_media_path``: where a media file from a package or a vault may be written,
refusing any name that would put it outside the collection's media folder."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from srs.errors import StoreError


def safe_media_path(media_dir: Path, name: str, *, require_nfc: bool = False) -> Path:
    """The path of media file ``name`` inside ``media_dir``.

    Args:
        media_dir: the collection's media folder.
        name: the file name as the package or vault gives it (untrusted).
        require_nfc: refuse names not in Unicode NFC (Anki writes its media names in NFC;
            a vault's files keep whatever form their file system gave them).

    Returns:
        ``media_dir / name``.

    Raises:
        StoreError: an empty name, ``.``/``..``, a path separator or NUL, an absolute name,
            a name that resolves outside the folder, or (with ``require_nfc``) a non-NFC name.
    """
    bad = (
        not name
        or name in (".", "..")
        or any(sep in name for sep in ("/", "\\", "\x00"))
        or os.path.isabs(name)
        or (require_nfc and unicodedata.normalize("NFC", name) != name)
    )
    if bad:
        raise StoreError(f"{name!r}: not a safe media file name")
    target = media_dir / name
    if target.resolve().parent != media_dir.resolve():
        raise StoreError(f"{name!r}: media file would land outside the media folder")
    return target
