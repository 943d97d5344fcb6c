"""Provides the styled text builder behind srs.render.terminal: blocks, breaks, indents, tables."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

_WS = re.compile(r"[ \t\n\r\f\v]+")


class TextWriter:
    """Accumulates styled inline text, collapsing whitespace and spacing blocks apart."""

    def __init__(self) -> None:
        self.text = Text()
        self.styles: list[Style] = []
        self.pending_break = 0  # newlines owed before the next content
        self.pending_space = False
        self.at_line_start = True
        self.indent = ""
        self.pre = 0

    def style(self) -> Style:
        """Return the combination of the open styles."""
        return Style.combine(self.styles) if self.styles else Style()

    def block(self, blank_line: bool) -> None:
        """Ask for a line break (or a blank line) before the next content."""
        if self.text.plain:
            self.pending_break = max(self.pending_break, 2 if blank_line else 1)
        self.pending_space = False

    def line_break(self) -> None:
        """Emit a hard line break (``<br>``), keeping consecutive ones."""
        self._flush_breaks()
        self.text.append("\n")
        self.at_line_start = True
        self.pending_space = False

    def _flush_breaks(self) -> None:
        if self.pending_break and self.text.plain:
            have = len(self.text.plain) - len(self.text.plain.rstrip("\n"))
            self.text.append("\n" * max(0, self.pending_break - have))
            self.at_line_start = True
            self.pending_space = False
        self.pending_break = 0

    def write(self, data: str, style: Style | None = None, *, raw: bool = False) -> None:
        """Append text in the current style; whitespace collapses unless in ``<pre>`` or raw."""
        if not data:
            return
        if self.pre or raw:
            self._emit(data, style)
            return
        if data[0] in " \t\n\r\f\v" and not self.at_line_start:
            self.pending_space = True
        words = _WS.sub(" ", data).strip(" ")
        if words:
            self._emit(words, style)
            if data[-1] in " \t\n\r\f\v":
                self.pending_space = True

    def _emit(self, data: str, style: Style | None) -> None:
        self._flush_breaks()
        full = self.style() + style if style is not None else self.style()
        if self.at_line_start:
            if self.indent:
                self.text.append(self.indent)
        elif self.pending_space:
            self.text.append(" ", self.style())
        self.pending_space = False
        lines = data.split("\n")
        for i, line in enumerate(lines):
            if i:
                self.text.append("\n" + (self.indent if line else ""))
            self.text.append(line, full)
        self.at_line_start = data.endswith("\n")

    def append_block(self, block: Text) -> None:
        """Append pre-laid-out lines (a table) on their own lines, indented."""
        if not block.plain:
            return
        self._flush_breaks()
        if not self.at_line_start:
            self.text.append("\n")
        for i, line in enumerate(block.split("\n", allow_blank=True)):
            if i:
                self.text.append("\n")
            self.text.append(self.indent)
            self.text.append_text(line)
        self.at_line_start = False
        self.pending_space = False

    def result(self) -> Text:
        """Return the text without trailing whitespace."""
        out = self.text.copy()
        out.rstrip()
        plain = out.plain
        lead = len(plain) - len(plain.lstrip("\n"))
        return out[lead:] if lead else out


def layout_table(rows: list[list[Text]], header_rows: set[int]) -> Text:
    """Lay rows of cells out as aligned columns separated by ``│``, header underlined."""
    if not rows:
        return Text()
    width = max(len(r) for r in rows)
    cols = [
        max((cell_len(r[i].plain) for r in rows if i < len(r)), default=0) for i in range(width)
    ]
    out = Text()
    for index, row in enumerate(rows):
        cells = []
        for i in range(len(row)):
            cell = row[i].copy()
            cell.pad_right(cols[i] - cell_len(cell.plain))
            cells.append(cell)
        line = Text(" │ ").join(cells)
        line.rstrip()
        out.append_text(line)
        out.append("\n")
        if index in header_rows:
            out.append("─┼─".join("─" * c for c in cols) + "\n", Style(dim=True))
    out.rstrip()
    return out
