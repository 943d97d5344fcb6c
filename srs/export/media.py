"""Provides which media files an exported package carries: files referenced by note fields
(``<img src>``, ``[sound:..]``, other ``src`` attributes) and ``_``-prefixed files named by
note-type templates or CSS, as Anki's own exporter chooses them."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import unquote

_SRC = re.compile(
    r"<(?:img|audio|video|source|object|embed)\b[^>]*?\b(?:src|data)\s*=\s*"
    r"(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))",
    re.IGNORECASE,
)
_SOUND = re.compile(r"\[sound:(.+?)\]")


def field_refs(text: str) -> set[str]:
    """Media names a field refers to (entities decoded; remote URLs left out)."""
    out: set[str] = set()
    if "<" in text:
        for match in _SRC.finditer(text):
            raw = next(g for g in match.groups() if g is not None)
            out.add(html.unescape(raw))
    if "[sound:" in text:
        out.update(html.unescape(m) for m in _SOUND.findall(text))
    return {name for name in out if name and "://" not in name and not name.startswith("data:")}


def candidates(name: str) -> list[str]:
    """Names to look for in the media folder: as written, then percent-decoded."""
    decoded = unquote(name)
    return [name] if decoded == name else [name, decoded]


def underscore_refs(texts: Iterable[str], available: Iterable[str]) -> set[str]:
    """The ``_``-prefixed media files whose names appear in templates or CSS ``texts``."""
    joined = "\n".join(texts)
    return {name for name in available if name.startswith("_") and name in joined}


def safe_name(name: str) -> bool:
    """A plain file name Anki accepts in a package (no folders, no parent references)."""
    return (
        bool(name)
        and "/" not in name
        and "\\" not in name
        and name not in (".", "..")
        and (".." not in name)
        and not any(ord(c) < 32 for c in name)
    )
