"""Provides cloze detection and rewriting: ``==text==`` (on by default), ``**text**`` and
``{{text}}`` (opt-in), their numbered and hinted forms (``==2;;text;;hint==``) and Anki's
``{{c1::text::hint}}`` (always), rewritten as Anki cloze markup so one note yields one card
per cloze number.

Unnumbered deletions each get their own number, in order, after the largest explicit one.
Detection runs on the masked view (see ``markdown``), text is taken from the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from importers.vault.options import VaultOptions

ANKI = re.compile(r"\{\{c(\d+)::(.+?)\}\}")
_HIGHLIGHT = re.compile(r"==(?!=)(.+?)==")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)\*\*")
_CURLY = re.compile(r"\{\{(?!c\d+::)(.+?)\}\}")
_NUMBERED = re.compile(r"(\d+);;")


@dataclass(frozen=True)
class Deletion:
    """One cloze deletion found on a line (positions index the line)."""

    start: int
    end: int
    number: int | None
    text: str
    hint: str | None


def _patterns(options: VaultOptions) -> list[re.Pattern[str]]:
    out = []
    if options.cloze_highlight:
        out.append(_HIGHLIGHT)
    if options.cloze_bold:
        out.append(_BOLD)
    if options.cloze_curly:
        out.append(_CURLY)
    return out


def find_deletions(view: str, line: str, options: VaultOptions) -> list[Deletion]:
    """Cloze deletions on one line, left to right, without overlaps."""
    found: list[Deletion] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in ANKI.finditer(view):
        inner_start, inner_end = match.span(2)
        inner_view = view[inner_start:inner_end]
        split = inner_view.find("::")
        if split >= 0:
            text = line[inner_start : inner_start + split]
            hint: str | None = line[inner_start + split + 2 : inner_end]
        else:
            text, hint = line[inner_start:inner_end], None
        found.append(Deletion(match.start(), match.end(), int(match.group(1)), text, hint))
        taken.append(match.span())
    for pattern in _patterns(options):
        for match in pattern.finditer(view):
            if not free(*match.span()):
                continue
            inner_start, inner_end = match.span(1)
            inner_view = view[inner_start:inner_end]
            number: int | None = None
            numbered = _NUMBERED.match(inner_view)
            if numbered:
                number = int(numbered.group(1))
                inner_start += numbered.end()
                inner_view = view[inner_start:inner_end]
            split = inner_view.find(";;")
            if split >= 0:
                text = line[inner_start : inner_start + split]
                hint = line[inner_start + split + 2 : inner_end]
            else:
                text, hint = line[inner_start:inner_end], None
            if not text.strip():
                continue
            found.append(Deletion(match.start(), match.end(), number, text, hint or None))
            taken.append(match.span())
    found.sort(key=lambda d: d.start)
    return found


def has_deletion(view: str, options: VaultOptions) -> bool:
    """Whether a line holds a cloze deletion (cheap pre-check, then the real search)."""
    if "{{c" in view and ANKI.search(view):
        return True
    return any(p.search(view) for p in _patterns(options))


def rewrite(
    lines: list[str], views: list[str], options: VaultOptions
) -> tuple[str, tuple[int, ...]]:
    """The block as Anki cloze text, and the card ordinals (cloze number - 1) it yields."""
    per_line = [find_deletions(v, line, options) for v, line in zip(views, lines, strict=True)]
    explicit = [d.number for dels in per_line for d in dels if d.number is not None]
    next_number = max(explicit, default=0) + 1
    numbers: set[int] = set()
    out_lines = []
    for line, dels in zip(lines, per_line, strict=True):
        pieces = []
        pos = 0
        for d in dels:
            number = d.number
            if number is None or number <= 0:
                number = next_number
                next_number += 1
            numbers.add(number)
            pieces.append(line[pos : d.start])
            hint = f"::{d.hint}" if d.hint else ""
            pieces.append(f"{{{{c{number}::{d.text}{hint}}}}}")
            pos = d.end
        pieces.append(line[pos:])
        out_lines.append("".join(pieces))
    return "\n".join(out_lines), tuple(sorted(n - 1 for n in numbers))
