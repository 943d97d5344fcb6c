"""Provides ``scan_vault``: the notes and attachments of a vault, walked the way Obsidian sees
them (hidden folders such as ``.obsidian`` and ``.trash`` skipped, ``*.excalidraw.md``
skipped, ignore patterns applied), safe against symlink loops, never writing to the vault."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from importers.vault.records import Problem


@dataclass(frozen=True)
class VaultFile:
    """A file of the vault: vault-relative POSIX path, absolute path, size and mtime."""

    rel: str
    path: Path
    size: int
    mtime_ns: int

    @property
    def folder(self) -> str:
        return self.rel.rpartition("/")[0]


@dataclass
class VaultListing:
    """Notes to parse, every other file by name (for embeds) and what could not be walked."""

    notes: list[VaultFile] = field(default_factory=list)
    attachments: dict[str, list[VaultFile]] = field(default_factory=dict)  # name -> files
    by_rel: dict[str, VaultFile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def is_ignored(rel: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``rel`` or one of its folders matches an ignore pattern."""
    if not patterns:
        return False
    parts = PurePosixPath(rel).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        pat = pattern.strip().strip("/")
        if not pat:
            continue
        for prefix in prefixes:
            if fnmatch.fnmatchcase(prefix, pat) or fnmatch.fnmatchcase(
                prefix, pat.replace("**/", "")
            ):
                return True
    return False


def scan_vault(root: Path, ignore: tuple[str, ...]) -> VaultListing:
    """Walk ``root`` (which must be an existing folder) following symlinks once each."""
    listing = VaultListing()
    seen_dirs: set[tuple[int, int]] = set()

    def walk(folder: Path, rel_folder: str) -> None:
        try:
            st = folder.stat()
        except OSError as exc:
            listing.problems.append(
                Problem(rel_folder or ".", 0, f"cannot read folder ({exc.strerror})")
            )
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            listing.problems.append(
                Problem(rel_folder or ".", 0, "symlink loop (folder already visited)")
            )
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            listing.problems.append(
                Problem(rel_folder or ".", 0, f"cannot list folder ({exc.strerror})")
            )
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # .obsidian, .trash, .git and other hidden files, as Obsidian does
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            if is_ignored(rel, ignore):
                continue
            try:
                if entry.is_dir(follow_symlinks=True):
                    walk(Path(entry.path), rel)
                    continue
                if not entry.is_file(follow_symlinks=True):
                    continue
                est = entry.stat(follow_symlinks=True)
            except OSError as exc:
                listing.problems.append(Problem(rel, 0, f"cannot read ({exc.strerror})"))
                continue
            item = VaultFile(rel, Path(entry.path), est.st_size, est.st_mtime_ns)
            listing.by_rel[rel] = item
            lower = entry.name.casefold()
            if lower.endswith(".md") and not lower.endswith(".excalidraw.md"):
                listing.notes.append(item)
            elif not lower.endswith(".md"):
                listing.attachments.setdefault(entry.name.casefold(), []).append(item)

    walk(root, "")
    return listing
