"""Provides Anki-compatible cloze deletions: parsing, numbering, and revealing for a card."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Anki keeps at most this many clozes open at once; deeper openings are dropped.
_MAX_OPEN = 10
# Card ordinals are capped at 499 when cloze numbers are turned into cards.
MAX_CLOZE_ORD = 499

_MATHJAX_RE = re.compile(r"(\\[(\[])(.*?)(\\[\])])", re.DOTALL | re.IGNORECASE)
_HTML_RE = re.compile(
    r"(<!--.*?-->)|(<style.*?>.*?</style>)|(<script.*?>.*?</script>)|(<.*?>)",
    re.DOTALL | re.IGNORECASE,
)


@dataclass
class Cloze:
    """One cloze deletion: its numbers as written (``c1,2`` -> (1, 2)), content and hint."""

    ordinals: tuple[int, ...]
    nodes: list[str | Cloze] = field(default_factory=list)
    hint: str | None = None

    def clozed_text(self) -> str:
        """Return the content with nested clozes reduced to their text."""
        return "".join(n if isinstance(n, str) else n.clozed_text() for n in self.nodes)

    def shown_hint(self) -> str:
        """Return the hint, or ``...`` when none was given."""
        return "..." if self.hint is None else self.hint


_TOKEN_RE = re.compile(r"\{\{c([0-9,]*)::|\}\}")


def _ordinals(spec: str) -> tuple[int, ...]:
    """Parse ``1,2`` into sorted distinct numbers; empty when none is valid."""
    return tuple(sorted({int(p) for p in spec.split(",") if p.isdigit() and int(p) <= 0xFFFF}))


def _tokens(text: str) -> list[tuple[str, object]]:
    """Split text into ('open', ordinals), ('close', None) and ('text', str) tokens."""
    tokens: list[tuple[str, object]] = []
    start = 0
    for m in _TOKEN_RE.finditer(text):
        if m.group(1) is not None:
            ordinals = _ordinals(m.group(1))
            if not ordinals:
                continue  # "{{c::" and the like are plain text
            token: tuple[str, object] = ("open", ordinals)
        else:
            token = ("close", None)
        if start < m.start():
            tokens.append(("text", text[start : m.start()]))
        tokens.append(token)
        start = m.end()
    if start < len(text):
        tokens.append(("text", text[start:]))
    return tokens


def parse_clozes(text: str) -> list[str | Cloze]:
    """Parse a field into top-level text and clozes, the way Anki does.

    Unclosed clozes are dropped with their content, a stray ``}}`` stays as text, and
    only the first ten levels of nesting are honoured.
    """
    open_stack: list[Cloze] = []
    output: list[str | Cloze] = []
    for kind, value in _tokens(text):
        if kind == "open":
            if len(open_stack) < _MAX_OPEN:
                assert isinstance(value, tuple)
                open_stack.append(Cloze(ordinals=value))
        elif kind == "text":
            assert isinstance(value, str)
            if open_stack:
                current = open_stack[-1]
                chunk = value
                if not chunk.startswith("image-occlusion:") and "::" in chunk:
                    chunk, current.hint = chunk.split("::", 1)
                current.nodes.append(chunk)
            else:
                output.append(value)
        else:
            if open_stack:
                closed = open_stack.pop()
                (open_stack[-1].nodes if open_stack else output).append(closed)
            else:
                output.append("}}")
    return output


def _encode_attribute(text: str) -> str:
    """Escape text for an HTML attribute like Rust's htmlescape::encode_attribute."""
    named = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    out: list[str] = []
    for ch in text:
        if ch in named:
            out.append(named[ch])
        elif ord(ch) < 256 and not (ch.isascii() and ch.isalnum()):
            out.append(f"&#x{ord(ch):02X};")
        else:
            out.append(ch)
    return "".join(out)


def _ords(cloze: Cloze) -> str:
    return ",".join(str(o) for o in cloze.ordinals)


def _reveal(cloze: Cloze, ord_: int, question: bool, found: list[bool]) -> str:
    active = ord_ in cloze.ordinals
    if active:
        found[0] = True
    inner = "".join(
        n if isinstance(n, str) else _reveal(n, ord_, question, found) for n in cloze.nodes
    )
    if question and active:
        return (
            f'<span class="cloze" data-cloze="{_encode_attribute(inner)}" '
            f'data-ordinal="{_ords(cloze)}">[{cloze.shown_hint()}]</span>'
        )
    if active:
        return f'<span class="cloze" data-ordinal="{_ords(cloze)}">{inner}</span>'
    return f'<span class="cloze-inactive" data-ordinal="{_ords(cloze)}">{inner}</span>'


def reveal_cloze_text(text: str, cloze_number: int, question: bool) -> str:
    """Render a field for cloze number ``cloze_number`` (1-based) on one side.

    Returns an empty string when the field has no cloze with that number, as Anki does.
    """
    found = [False]
    out = "".join(
        n if isinstance(n, str) else _reveal(n, cloze_number, question, found)
        for n in parse_clozes(text)
    )
    return out if found[0] else ""


def _collect_active(
    nodes: list[str | Cloze], cloze_number: int, question: bool, out: list[str]
) -> None:
    for node in nodes:
        if isinstance(node, Cloze):
            if cloze_number in node.ordinals:
                out.append(node.shown_hint() if question else node.clozed_text())
            _collect_active(node.nodes, cloze_number, question, out)


def reveal_cloze_text_only(text: str, cloze_number: int, question: bool) -> str:
    """Return only the active clozes' text (answer) or hints (question), comma-joined."""
    out: list[str] = []
    _collect_active(parse_clozes(text), cloze_number, question, out)
    return ", ".join(out)


def extract_cloze_for_typing(text: str, cloze_number: int) -> str:
    """Return the expected typed answer for a cloze card: identical answers collapse to one."""
    out: list[str] = []
    _collect_active(parse_clozes(text), cloze_number, False, out)
    if not out:
        return ""
    if len(set(out)) == 1:
        return out[0]
    return ", ".join(out)


def _numbers(nodes: list[str | Cloze], into: set[int]) -> None:
    for node in nodes:
        if isinstance(node, Cloze):
            into.update(o for o in node.ordinals if o != 0)
            _numbers(node.nodes, into)


def cloze_numbers(fields: list[str] | tuple[str, ...]) -> set[int]:
    """Return the cloze numbers (1-based, zero excluded) written in any of the fields."""
    found: set[int] = set()
    for text in fields:
        _numbers(parse_clozes(text), found)
    return found


def strip_html_inside_mathjax(text: str) -> str:
    """Remove HTML tags inside MathJax ``\\(..\\)``/``\\[..\\]``, keeping entities."""

    def repl(m: re.Match[str]) -> str:
        return m.group(1) + _HTML_RE.sub("", m.group(2)) + m.group(3)

    return _MATHJAX_RE.sub(repl, text)


def cloze_filter(text: str, card_ord: int, question: bool) -> str:
    """Apply Anki's ``cloze:`` filter for card ordinal ``card_ord`` (0 = c1)."""
    return strip_html_inside_mathjax(reveal_cloze_text(text, card_ord + 1, question))


def cloze_only_filter(text: str, card_ord: int, question: bool) -> str:
    """Apply Anki's ``cloze-only:`` filter for card ordinal ``card_ord`` (0 = c1)."""
    return reveal_cloze_text_only(text, card_ord + 1, question)
