"""Provides card HTML (as Anki stores or renders it) converted to styled terminal text."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from rich.style import Style
from rich.text import Text

from srs.render.latex_symbols import SUBSCRIPTS, SUPERSCRIPTS
from srs.render.mathtext import math_to_unicode
from srs.render.richdoc import RichDoc, strip_control
from srs.render.textwriter import TextWriter, layout_table

_MEDIA = re.compile(r"\[sound:(.+?)\]|\[\[type:.+?\]\]|\[/?anki:tts[^\]]*\]", re.DOTALL)
_HTML_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")

SOUND_STYLE = Style(color="magenta")
IMAGE_STYLE = Style(color="magenta", dim=True)
CLOZE_STYLE = Style(color="blue", bold=True)
CODE_STYLE = Style(color="cyan")
_TAG_STYLES = {
    "b": Style(bold=True), "strong": Style(bold=True), "i": Style(italic=True),
    "em": Style(italic=True), "cite": Style(italic=True), "var": Style(italic=True),
    "u": Style(underline=True), "ins": Style(underline=True), "a": Style(underline=True),
    "s": Style(strike=True), "del": Style(strike=True), "strike": Style(strike=True),
    "code": CODE_STYLE, "kbd": CODE_STYLE, "tt": CODE_STYLE, "samp": CODE_STYLE,
    "pre": CODE_STYLE, "mark": Style(reverse=True), "th": Style(bold=True),
    "h1": Style(bold=True, underline=True), "h2": Style(bold=True), "h3": Style(bold=True),
    "h4": Style(bold=True), "h5": Style(bold=True), "h6": Style(bold=True),
}  # fmt: skip
_PARAGRAPHS = frozenset("p h1 h2 h3 h4 h5 h6 pre blockquote dl figure ul ol".split())
_BLOCKS = frozenset(
    "div li tr dt dd section article header footer main nav aside center address details "
    "summary caption figcaption form fieldset".split()
)
_SKIP = frozenset("script style head title template noscript iframe object svg math".split())
# A start tag implicitly ends an open element of the same kind unless a boundary intervenes.
_CELLS = frozenset({"td", "th"})
_IMPLIED_END: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol"})),
    "td": (_CELLS, frozenset({"tr", "table"})),
    "th": (_CELLS, frozenset({"tr", "table"})),
    "tr": (_CELLS | {"tr"}, frozenset({"table"})),
    "p": (frozenset({"p"}), _BLOCKS | {"blockquote", "table", "ul", "ol"}),
}
_VOID = frozenset("br img hr input meta link source wbr area col embed param track".split())


@dataclass
class _Open:
    tag: str
    styled: bool = False
    indent: str | None = None
    skip: bool = False
    capture: str = ""  # "sub"/"sup" while collecting script text
    list_kind: str = ""
    counter: int = 0


@dataclass
class _Table:
    rows: list[list[Text]] = field(default_factory=list)
    row: list[Text] | None = None
    headers: set[int] = field(default_factory=set)
    header_row: bool = False


def _inline_style(attrs: dict[str, str]) -> Style | None:
    css = attrs.get("style", "").replace(" ", "").lower()
    cls = attrs.get("class", "").split()
    style = Style(
        bold=True if re.search(r"font-weight:(bold|[6-9]00)", css) else None,
        italic=True if "font-style:italic" in css else None,
        underline=True if "text-decoration:underline" in css else None,
    )
    if "cloze" in cls:
        style = style + CLOZE_STYLE
    return None if not style else style


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.writers = [TextWriter()]
        self.stack: list[_Open] = []
        self.tables: list[_Table] = []
        self.sounds: list[str] = []
        self.images: list[str] = []
        self.skip = 0
        self.capture: list[str] | None = None

    @property
    def w(self) -> TextWriter:
        return self.writers[-1]

    def _lists(self) -> list[_Open]:
        return [o for o in self.stack if o.list_kind]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: strip_control(v or "") for k, v in attrs}
        if tag in _VOID:
            self._void(tag, values)
            return
        self._implicit_close(tag)
        entry = _Open(tag)
        self.stack.append(entry)
        hidden = re.search(r"display\s*:\s*none", values.get("style", ""), re.IGNORECASE)
        if tag in _SKIP or hidden is not None:
            entry.skip = True
            self.skip += 1
            return
        if tag in ("ul", "ol"):
            entry.list_kind = tag
            entry.counter = int(values.get("start", "1") or 1) - 1 if tag == "ol" else 0
            self.w.block(blank_line=len(self._lists()) == 1)
        elif tag in _PARAGRAPHS:
            self.w.block(blank_line=True)
        elif tag in _BLOCKS:
            self.w.block(blank_line=False)
        if tag == "pre":
            self.w.pre += 1
        if tag == "blockquote":
            entry.indent = self.w.indent
            self.w.indent += "▎ "
        if tag == "li":
            self._list_item(entry)
        if tag in ("sub", "sup") and self.capture is None:
            entry.capture = tag
            self.capture = []
        if tag == "table":
            self.w.block(blank_line=True)
            self.tables.append(_Table())
        elif tag == "tr" and self.tables:
            if self.tables[-1].row:
                self.tables[-1].rows.append(self.tables[-1].row or [])
            self.tables[-1].row = []
            self.tables[-1].header_row = False
        elif tag in ("td", "th") and self.tables:
            if self.tables[-1].row is None:
                self.tables[-1].row = []
            self.writers.append(TextWriter())
            if tag == "th":
                self.tables[-1].header_row = True
        if tag in ("audio", "video") and values.get("src"):
            self._sound(values["src"])
        style = _TAG_STYLES.get(tag) or _inline_style(values)
        if style is not None:
            entry.styled = True
            self.w.styles.append(style)

    def _implicit_close(self, tag: str) -> None:
        """Close open li/td/th/tr/p elements that this start tag ends, as HTML does."""
        rule = _IMPLIED_END.get(tag)
        if rule is None:
            return
        closes, bounds = rule
        for entry in reversed(list(self.stack)):
            if entry.tag in bounds:
                return
            if entry.tag in closes and entry in self.stack:
                self.handle_endtag(entry.tag)

    def _list_item(self, entry: _Open) -> None:
        lists = self._lists()
        if not lists:
            marker, depth = "• ", 1
        else:
            parent = lists[-1]
            parent.counter += 1
            depth = len(lists)
            marker = (
                f"{parent.counter}. " if parent.list_kind == "ol" else ("• " if depth % 2 else "◦ ")
            )
        entry.indent = self.w.indent
        base = "  " * (depth - 1)
        self.w.indent = base
        self.w.write(marker, raw=True)
        self.w.indent = base + " " * len(marker)

    def _void(self, tag: str, values: dict[str, str]) -> None:
        if self.skip:
            return
        if tag == "br":
            self.w.line_break()
        elif tag == "hr":
            self.w.block(blank_line=True)
            self.w.write("─" * 24, Style(dim=True), raw=True)
            self.w.block(blank_line=True)
        elif tag == "img" and values.get("src"):
            name = values["src"]
            self.images.append(name)
            self.w.write(f"[image: {name}]", IMAGE_STYLE, raw=True)
        elif tag == "source" and values.get("src"):
            self._sound(values["src"])

    def _sound(self, name: str) -> None:
        self.sounds.append(name)
        self.w.write(f"🔊 {name}", SOUND_STYLE, raw=True)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not any(o.tag == tag for o in self.stack):
            return
        while self.stack:
            entry = self.stack.pop()
            self._close(entry)
            if entry.tag == tag:
                break

    def _close(self, entry: _Open) -> None:
        tag = entry.tag
        if entry.skip:
            self.skip -= 1
            return
        if entry.styled:
            self.w.styles.pop()
        if entry.capture and self.capture is not None:
            self._script(entry.capture, "".join(self.capture))
        if tag in ("td", "th") and self.tables and len(self.writers) > 1:
            cell = self.writers.pop().result()
            row = self.tables[-1].row
            if row is not None:
                row.append(Text(" ").join(cell.split("\n")))
        elif tag == "tr" and self.tables and self.tables[-1].row is not None:
            table = self.tables[-1]
            if table.header_row:
                table.headers.add(len(table.rows))
            table.rows.append(table.row or [])
            table.row = None
        elif tag == "table" and self.tables:
            table = self.tables.pop()
            if table.row:
                table.rows.append(table.row)
            self.w.append_block(layout_table(table.rows, table.headers))
        if tag == "pre":
            self.w.pre -= 1
        if entry.indent is not None:
            self.w.indent = entry.indent
        if tag in _PARAGRAPHS or tag in ("table", "blockquote"):
            self.w.block(blank_line=tag != "ul" and tag != "ol" or len(self._lists()) == 0)
        elif tag in _BLOCKS:
            self.w.block(blank_line=False)

    def _script(self, kind: str, text: str) -> None:
        self.capture = None
        table = SUBSCRIPTS if kind == "sub" else SUPERSCRIPTS
        mark = "_" if kind == "sub" else "^"
        if text and all(c in table for c in text):
            self.w.write("".join(table[c] for c in text), raw=True)
        elif text.strip():
            self.w.write(mark + text if len(text) == 1 else f"{mark}({text})", raw=True)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        data = strip_control(data)
        if self.capture is not None:
            self.capture.append(data)
            return
        pos = 0
        for m in _MEDIA.finditer(data):
            self.w.write(data[pos : m.start()])
            if m.group(1) is not None:
                if data[m.start() - 1 : m.start()].isspace() and not self.w.at_line_start:
                    self.w.pending_space = True
                self._sound(m.group(1))
            pos = m.end()
        self.w.write(data[pos:])

    def finish(self) -> RichDoc:
        self.close()
        while self.stack:
            self._close(self.stack.pop())
        while len(self.writers) > 1:
            self.writers.pop()
        return RichDoc(self.writers[0].result(), tuple(self.sounds), tuple(self.images))


def _math_html(m: re.Match[str]) -> str:
    display = m.group(2) is not None
    source = html.unescape(_TAGS.sub("", m.group(2) if display else m.group(1)))
    rendered = html.escape(math_to_unicode(source))
    return f"<div>{rendered}</div>" if display else f"<span>{rendered}</span>"


def html_to_text(markup: str, *, math: bool = True) -> RichDoc:
    """Render card HTML (as Anki stores or renders it) as terminal text.

    Paragraphs, breaks, lists, emphasis, code, headings, tables and rules keep their
    shape; cloze spans are highlighted; ``[sound:x]``, ``<audio>`` and ``<img>`` become named
    placeholders listed on the result; scripts, styles and control sequences are dropped;
    MathJax ``\\(..\\)``/``\\[..\\]`` becomes Unicode when ``math`` is set.

    Args:
        markup: the HTML.
        math: convert MathJax formulas to Unicode.
    """
    if math:
        markup = _HTML_MATH.sub(_math_html, markup)
    converter = _Converter()
    converter.feed(markup)
    return converter.finish()
