"""Provides the conversion of a card side (Anki HTML or Obsidian Markdown) into parts a screen
shows: rich ``Text`` runs, inline image references and the type-in answer slot, plus the
sounds the side asks to play. Pure functions; no Textual here."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rich.text import Text

from srs.render import html_to_text, markdown_to_text
from srs.render import strip_control as engine_strip_control

_SOUND_RE = re.compile(r"\[sound:(.+?)\]", re.DOTALL)
_TYPE_RE = re.compile(r"\[\[type:(.+?)\]\]")
_HTML_IMG_RE = re.compile(
    r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>""", re.I
)
# Block formulas: MathJax display math in Anki HTML, ``$$..$$`` in Obsidian Markdown.
_HTML_BLOCK_MATH_RE = re.compile(r"\\\[(.+?)\\\]", re.DOTALL)
_MD_BLOCK_MATH_RE = re.compile(r"(?<!\\)\$\$(.+?)\$\$", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")
_MD_IMG_RE = re.compile(r"!\[\[([^\]|#]+)(?:[|#][^\]]*)?\]\]|!\[[^\]]*\]\(([^)\s]+)[^)]*\)")
# C0 controls except tab/newline, DEL, and C1 controls (ESC-less CSI \x9b included).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg"})

PartKind = Literal["text", "image", "type", "math"]


@dataclass(frozen=True)
class Part:
    """One piece of a card side: a run of text, an image file name, the type-in slot, or a
    block formula (``name`` is its LaTeX source, ``text`` its Unicode rendering)."""

    kind: PartKind
    text: Text = field(default_factory=Text)
    name: str = ""


@dataclass(frozen=True)
class Side:
    """A rendered card side: its parts in order, and the sound files it names."""

    parts: tuple[Part, ...]
    sounds: tuple[str, ...]
    type_field: str | None = None

    @property
    def plain(self) -> str:
        """All the text of the side (images as their placeholder), for tests and search."""
        out: list[str] = []
        for part in self.parts:
            if part.kind in ("text", "math"):
                out.append(part.text.plain)
            else:
                out.append(f"[{part.kind}: {part.name}]")
        return "\n".join(out)


def strip_control(text: str) -> str:
    """Remove terminal escape sequences and control characters (tab and newline stay)."""
    return _CONTROL_RE.sub("", engine_strip_control(text))


def safe_text(value: Text) -> Text:
    """``value`` without control characters; styles are kept unless something was removed."""
    clean = strip_control(value.plain)
    if clean == value.plain:
        return value
    return Text(clean)


def to_text(source: str, markup: str) -> Text:
    """Render one HTML or Markdown fragment to rich Text with the engine renderer (math as
    Unicode, clozes highlighted, control sequences dropped)."""
    if not source.strip():
        return Text()
    doc = markdown_to_text(source) if markup == "markdown" else html_to_text(source)
    return safe_text(doc.text)


def _images(source: str, markup: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for match in _HTML_IMG_RE.finditer(source):
        name = next(g for g in match.groups() if g is not None)
        found.append((match.start(), match.end(), html.unescape(name)))
    if markup == "markdown":
        for match in _MD_IMG_RE.finditer(source):
            name = match.group(1) or match.group(2) or ""
            if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                found.append((match.start(), match.end(), name.strip()))
    return sorted(found)


def _block_math(source: str, markup: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    pattern = _MD_BLOCK_MATH_RE if markup == "markdown" else _HTML_BLOCK_MATH_RE
    for match in pattern.finditer(source):
        latex = match.group(1)
        if markup != "markdown":
            latex = html.unescape(_TAG_RE.sub("", latex))
        if latex.strip():
            found.append((match.start(), match.end(), latex.strip()))
    return found


def render_side(source: str, markup: str, *, block_math: bool = False) -> Side:
    """Split a card side into text runs, images and the type-in slot, and list its sounds.

    Args:
        source: the side's HTML (Anki) or Markdown (Obsidian).
        markup: ``"html"`` or ``"markdown"``.
        block_math: also cut out block formulas (``\\[..\\]``, ``$$..$$``) as ``math`` parts,
            for a display that can draw them as images; otherwise they stay Unicode text.
    """
    sounds = tuple(dict.fromkeys(s.strip() for s in _SOUND_RE.findall(source)))
    source = _SOUND_RE.sub("", source)
    type_match = _TYPE_RE.search(source)
    type_field = type_match.group(1) if type_match else None
    cuts: list[tuple[int, int, PartKind, str]] = [
        (start, end, "image", name) for start, end, name in _images(source, markup)
    ]
    if block_math:
        cuts.extend((start, end, "math", tex) for start, end, tex in _block_math(source, markup))
    if type_match is not None:
        cuts.append((type_match.start(), type_match.end(), "type", type_field or ""))
    cuts.sort()
    parts: list[Part] = []
    pos = 0
    for start, end, kind, name in cuts:
        if start < pos:
            continue
        text = to_text(source[pos:start], markup)
        if text.plain.strip():
            parts.append(Part("text", text))
        if kind == "math":
            unicode = to_text(source[start:end], markup)
            parts.append(Part(kind, Text(unicode.plain.strip()), name=strip_control(name)))
        else:
            parts.append(Part(kind, name=strip_control(name)))
        pos = end
    tail = to_text(_TYPE_RE.sub("", source[pos:]), markup)
    if tail.plain.strip() or not parts:
        parts.append(Part("text", tail))
    return Side(tuple(parts), tuple(strip_control(s) for s in sounds), type_field)


def media_path(media_dir: Path, name: str) -> Path | None:
    """The file ``name`` inside ``media_dir``, or None if it would leave that folder."""
    if not name or "\x00" in name:
        return None
    root = media_dir.resolve()
    try:
        target = (root / name).resolve()
    except (OSError, ValueError):
        return None
    if target == root or not target.is_relative_to(root):
        return None
    return target


def field_plain(value: str) -> str:
    """A field's HTML as the plain text a type-in answer is compared against."""
    return strip_control(html_to_text(value, math=False).plain).strip()


def type_diff(typed: str, expected: str) -> Text:
    """Anki-style comparison: the typed answer with wrong characters marked, then the
    expected answer with missing characters marked (just the answer if it was right)."""
    typed, expected = strip_control(typed).strip(), strip_control(expected).strip()
    if typed == expected:
        return Text(expected, style="bold green")
    matcher = difflib.SequenceMatcher(None, typed, expected, autojunk=False)
    given = Text()
    wanted = Text()
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            given.append(typed[a0:a1], style="green")
            wanted.append(expected[b0:b1], style="green")
            continue
        if a1 > a0:
            given.append(typed[a0:a1], style="bold red strike")
        if b1 > b0:
            wanted.append(expected[b0:b1], style="bold yellow underline")
    out = Text()
    if typed:
        out.append_text(given)
        out.append("\n↓\n")
    out.append_text(wanted)
    return out
