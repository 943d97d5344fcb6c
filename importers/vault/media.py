"""Provides ``MediaResolver``: image embeds (``![[img.png|300]]``, ``![](path)``) resolved the
way Obsidian does (the note's folder, the attachment folder of ``.obsidian/app.json``, then
anywhere in the vault by unique name) and named for the media folder without clashes."""

from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from importers.vault.scan import VaultFile, VaultListing
from srs.ingest_vault import MediaCopy

MAX_MEDIA_BYTES = 100 * 1024 * 1024


def attachment_folder(root: Path) -> str:
    """``attachmentFolderPath`` from ``.obsidian/app.json`` ("" when unset or unreadable)."""
    try:
        data = json.loads((root / ".obsidian" / "app.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    value = data.get("attachmentFolderPath", "") if isinstance(data, dict) else ""
    return value.strip("/") if isinstance(value, str) else ""


@dataclass
class MediaResolver:
    """Resolves embeds to vault files and gives each file its media-folder name."""

    listing: VaultListing
    attachments: str
    existing: dict[str, str]  # media name -> sha1 already in the collection
    copies: dict[str, MediaCopy] = field(default_factory=dict)  # name -> copy to make
    _names: dict[str, str] = field(default_factory=dict)  # vault rel path -> media name
    _claimed: dict[str, str] = field(default_factory=dict)  # media name -> sha1 this import

    def resolve(self, note_folder: str, target: str) -> VaultFile | None:
        """The vault file an embed in a note of ``note_folder`` points at, or None."""
        target = unquote(target).strip()
        if target.startswith("./"):
            target = target[2:]
        by_rel = self.listing.by_rel
        candidates = [
            posixpath.normpath(posixpath.join(note_folder, target)) if note_folder else target
        ]
        if self.attachments.startswith("./"):
            sub = (
                posixpath.join(note_folder, self.attachments[2:])
                if note_folder
                else self.attachments[2:]
            )
            candidates.append(posixpath.normpath(posixpath.join(sub, target)))
        elif self.attachments and self.attachments not in (".", "/"):
            candidates.append(posixpath.normpath(posixpath.join(self.attachments, target)))
        candidates.append(posixpath.normpath(target.lstrip("/")))
        for rel in candidates:
            if not rel.startswith("..") and rel in by_rel:
                return by_rel[rel]
        matches = self.listing.attachments.get(posixpath.basename(target).casefold(), [])
        if len(matches) == 1:
            return matches[0]
        if matches and "/" in target:  # a partial path: the unique file ending with it
            tail = [m for m in matches if m.rel.casefold().endswith(target.casefold())]
            if len(tail) == 1:
                return tail[0]
        return None

    def media_name(self, item: VaultFile) -> str:
        """The media-folder name of ``item`` (``name`` or ``name-<sha1>`` on a clash); the copy
        is queued unless the collection already holds identical bytes under that name.

        Raises:
            OSError: the file cannot be read.
            ValueError: the file is too large.
        """
        if item.rel in self._names:
            return self._names[item.rel]
        if item.size > MAX_MEDIA_BYTES:
            raise ValueError(f"larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB")
        sha1 = hashlib.sha1(item.path.read_bytes()).hexdigest()
        base = posixpath.basename(item.rel)
        name = base
        owner = self._claimed.get(name, self.existing.get(name))
        if owner is not None and owner != sha1:
            stem, dot, ext = base.rpartition(".")
            name = f"{stem}-{sha1[:8]}{dot}{ext}" if dot else f"{base}-{sha1[:8]}"
        self._claimed[name] = sha1
        if self.existing.get(name) != sha1 and name not in self.copies:
            self.copies[name] = MediaCopy(item.path, name, sha1, item.size)
        self._names[item.rel] = name
        return name


def rewrite_target(text: str, target: str, name: str) -> str:
    """``text`` with the embed target ``target`` replaced by the media name ``name``."""
    if target == name:
        return text
    out = text.replace(f"![[{target}", f"![[{name}")
    encoded = quote(name)
    return out.replace(f"]({target})", f"]({encoded})").replace(f"](<{target}>)", f"](<{name}>)")
