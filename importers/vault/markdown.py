"""Provides ``mask_note``: which parts of a Markdown note can never hold a card (front matter,
fenced and indented code, inline code, math, HTML and Obsidian ``%%`` comments), as a
same-shaped "view" of the text in which those parts are blanked out.

Detection of separators and cloze markers runs on the view; text is then taken from the
original lines at the same positions, so math and code inside a card stay as written.
Code and math blocks come from markdown-it-py's block parser (with the front-matter and
dollar-math plugins). For a note with no container or indentation that could change where a
fence is (no indented line or fence, block quote, HTML block, multi-line ``$$`` block or
fence after a list marker), a linear fence scan gives the same lines much faster (a property
test checks that they agree); ``$$`` math on one line is blanked with the inline spans.
Inline spans and comments, which Obsidian reads more loosely than CommonMark, are found with
one regular expression over the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin


class LineKind(IntEnum):
    """What a line is for card detection."""

    TEXT = 0  # ordinary text: scanned through the view
    BLANK = 1  # blank (or front matter): ends a block
    OPAQUE = 2  # code or math block: belongs to the block around it, never scanned
    HIDDEN = 3  # wholly inside a comment: skipped, does not end a block


@dataclass
class MaskedNote:
    """A note split into lines, with the detection view and each line's kind."""

    lines: list[str]
    view: list[str]
    kinds: list[LineKind]
    front_matter: list[str] = field(default_factory=list)


_MD: MarkdownIt | None = None
_HAS_FENCE = re.compile(r"^ {0,3}(?:```|~~~)", re.MULTILINE)
_NEEDS_BLOCK_PARSER = re.compile(
    r"^(?: {4}|\t| {0,3}>| {0,3}<(?!!--.*-->)| {0,3}\$\$(?!.*\$\$[ \t]*$)"
    r"| {1,3}(?:```|~~~)| *(?:[-+*]|\d{1,9}[.)])[ \t]+(?:```|~~~))",
    re.MULTILINE,
)
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?!.*`)|~{3,})")
_INLINE = re.compile(
    r"(?=[`$<%])(?:"
    r"(?P<code>(?<!`)(?P<ticks>`+)(?!`)[^\n]*?(?<!`)(?P=ticks)(?!`))"
    r"|(?P<dmath>(?<!\\)\$\$[\s\S]*?\$\$)"
    r"|(?P<imath>(?<![\\$])\$(?=[^\s$])[^\n$]*?(?<=[^\s\\])\$)"
    r"|(?P<sr><!--SR:[^\n]*?-->)"
    r"|(?P<comment><!--[\s\S]*?(?:-->|\Z)|%%[\s\S]*?(?:%%|\Z))"
    r")"
)
_NOT_NEWLINE = re.compile(r"[^\n]")


def _markdown() -> MarkdownIt:
    global _MD
    if _MD is None:
        md = MarkdownIt("commonmark", {"html": True})
        md.use(front_matter_plugin).use(dollarmath_plugin)
        md.disable("inline")  # block structure is all we need from it; inline is scanned here
        # Rules that cannot change where code and math blocks are: off, for speed.
        md.disable(["reference", "heading", "lheading", "hr"])
        _MD = md
    return _MD


def _front_matter_end(lines: list[str]) -> int:
    """Index one past the closing front-matter fence, or 0 when there is none."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


def opaque_lines_markdown_it(
    body: str, kinds: tuple[str, ...] = ("fence", "code_block", "math_block")
) -> set[int]:
    """Lines (0-based, of ``body``) inside fenced or indented code or a math block."""
    opaque: set[int] = set()
    for token in _markdown().parse(body):
        if token.map is not None and token.type in kinds:
            opaque.update(range(token.map[0], token.map[1]))
    return opaque


def opaque_lines_simple(lines: list[str]) -> set[int]:
    """Fenced code lines of a note with no containers or indented code (see module doc)."""
    opaque: set[int] = set()
    i = 0
    n = len(lines) - 1 if lines and lines[-1] == "" else len(lines)  # "" after a final newline
    while i < n:
        opened = _FENCE_OPEN.match(lines[i])
        if opened is None:
            i += 1
            continue
        marker = opened.group(1)
        close = _fence_close(marker[0], len(marker))
        j = i + 1
        while j < n and not close.match(lines[j]):
            j += 1
        end = min(j + 1, n)
        opaque.update(range(i, end))
        i = end
    return opaque


@lru_cache(maxsize=32)
def _fence_close(char: str, length: int) -> re.Pattern[str]:
    return re.compile(rf"^ {{0,3}}{re.escape(char)}{{{length},}}[ \t]*$")


def needs_block_parser(body: str) -> bool:
    """Whether the linear fence scan could be wrong for ``body`` (so markdown-it decides)."""
    return _NEEDS_BLOCK_PARSER.search(body) is not None


def _opaque(body: str, body_lines: list[str]) -> set[int]:
    if needs_block_parser(body):
        return opaque_lines_markdown_it(body)
    if _HAS_FENCE.search(body):
        return opaque_lines_simple(body_lines)
    return set()


def mask_note(text: str) -> MaskedNote:
    """Split ``text`` into lines and compute its detection view (see the module docstring)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fm_end = _front_matter_end(lines)
    body_lines = lines[fm_end:]
    body = "\n".join(body_lines)
    opaque = {i + fm_end for i in _opaque(body, body_lines)}
    kinds = [LineKind.TEXT] * len(lines)
    scan_lines = list(lines)
    for i in range(fm_end):
        kinds[i] = LineKind.BLANK
        scan_lines[i] = ""
    for i in opaque:
        kinds[i] = LineKind.OPAQUE
        scan_lines[i] = ""
    scan_text = "\n".join(scan_lines)
    if any(c in scan_text for c in "`$%<"):
        view_text, comment_lines, math_lines = _blank_inline(scan_text)
        view = view_text.split("\n")
        for i in math_lines:  # a blank line inside $$ ... $$ does not end the block
            if kinds[i] == LineKind.TEXT and not lines[i].strip():
                kinds[i] = LineKind.OPAQUE
    else:
        view, comment_lines = scan_lines, {}
    for i, line in enumerate(lines):
        if kinds[i] != LineKind.TEXT:
            view[i] = " " * len(line)
            continue
        if i in comment_lines and not comment_lines[i].strip():
            kinds[i] = LineKind.HIDDEN
        elif not line.strip():
            kinds[i] = LineKind.BLANK
    return MaskedNote(lines, view, kinds, lines[1 : fm_end - 1] if fm_end else [])


def _lines_of(text: str, start: int, end: int) -> range:
    first = text.count("\n", 0, start)
    return range(first, first + text.count("\n", start, end) + 1)


def _blank_inline(text: str) -> tuple[str, dict[int, str], set[int]]:
    """The text with inline code, math and comments blanked (newlines kept); for each line
    touched by a comment, that line with only its comments blanked; lines inside ``$$``."""
    pieces: list[str] = []
    comment_pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    math_lines: set[int] = set()
    pos = 0
    for match in _INLINE.finditer(text):
        start, end = match.span()
        pieces.append(text[pos:start])
        pieces.append(_NOT_NEWLINE.sub(" ", match.group(0)))
        if match.lastgroup == "comment":
            spans.append((start, end))
        elif match.lastgroup == "dmath" and "\n" in match.group(0):
            math_lines.update(_lines_of(text, start, end))
        pos = end
    pieces.append(text[pos:])
    view = "".join(pieces)
    if not spans:
        return view, {}, math_lines
    pos = 0
    touched: set[int] = set()
    for start, end in spans:
        comment_pieces.append(text[pos:start])
        comment_pieces.append(_NOT_NEWLINE.sub(" ", text[start:end]))
        touched.update(_lines_of(text, start, end))
        pos = end
    comment_pieces.append(text[pos:])
    only_comments = "".join(comment_pieces).split("\n")
    return view, {i: only_comments[i] for i in touched}, math_lines
