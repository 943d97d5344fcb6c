"""Provides LaTeX math (MathJax and Obsidian delimiters) rendered as readable Unicode text."""

from __future__ import annotations

import re
import unicodedata

from srs.render import latex_symbols as sym
from srs.render.mathlex import (
    Item,
    Tok,
    accent,
    fallback,
    is_plain,
    join_items,
    script,
    tokenize,
    wrap,
)

_MATRIX_BRACKETS = {
    "matrix": ("[", "]"), "pmatrix": ("(", ")"), "bmatrix": ("[", "]"),
    "Bmatrix": ("{", "}"), "vmatrix": ("|", "|"), "Vmatrix": ("‖", "‖"),
    "smallmatrix": ("[", "]"),
}  # fmt: skip
_SPACES = frozenset(", : ; > quad qquad enspace thinspace medspace thickspace".split()) | {" "}


class _Parser:
    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.pos = 0
        self.level = 0  # open braces around the current position

    def peek(self) -> Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> Tok | None:
        tok = self.peek()
        self.pos += tok is not None
        return tok

    def seq(self, env: str | None = None) -> list[Item]:
        items: list[Item] = []
        while (tok := self.peek()) is not None:
            if tok.kind == "}":
                if self.level == 0:
                    self.pos += 1  # a stray closing brace: skip it
                    continue
                break
            if tok.kind == "cmd" and tok.value == "end":
                if env is not None:
                    self.pos += 1
                    self.arg_text()
                    break
            item = self.atom()
            if item is not None:
                items.append(self.scripts(item))
            elif items and (nxt := self.peek()) is not None and nxt.kind in ("^", "_"):
                # \sum\limits_{i}: scripts after an ignored command belong to the base
                items[-1] = self.scripts(items[-1])
        return items

    def group(self) -> str:
        """Parse one argument: a braced group or a single token; return its text."""
        return join_items(self.arg_items(), compact=False)

    def arg_items(self) -> list[Item]:
        tok = self.peek()
        if tok is None:
            return []
        if tok.kind == "{":
            self.pos += 1
            self.level += 1
            items = self.seq()
            self.level -= 1
            if (close := self.peek()) is not None and close.kind == "}":
                self.pos += 1
            return items
        if tok.kind in ("^", "_", "}", "&"):
            return []
        item = self.atom()
        return [] if item is None else [item]

    def arg_text(self) -> str:
        """Return the raw characters of a braced argument (environment names, labels)."""
        if (tok := self.peek()) is None or tok.kind != "{":
            return ""
        self.pos += 1
        out = []
        while (tok := self.take()) is not None and tok.kind != "}":
            out.append(tok.value)
        return "".join(out)

    def scripts(self, base: Item) -> Item:
        sub = sup = ""
        loose = False
        while (tok := self.peek()) is not None and (
            tok.kind in ("^", "_") or (tok.kind == "char" and tok.value == "'")
        ):
            self.pos += 1
            if tok.kind == "char":
                sup += "′"
                continue
            inner = join_items(self.arg_items(), compact=True)
            if tok.kind == "_":
                text, loose = script(inner, sym.SUBSCRIPTS, "_")
                sub += text
            else:
                text, loose = script(inner, sym.SUPERSCRIPTS, "^")
                sup += text
        if not sub and not sup:
            return base
        return Item(base.text + sub + sup, base.kind if base.kind != "open" else "ord", loose=loose)

    def atom(self) -> Item | None:
        tok = self.take()
        assert tok is not None
        if tok.kind == "{":
            self.pos -= 1
            return Item(join_items(self.arg_items(), compact=False), "ord")
        if tok.kind in ("^", "_"):
            self.pos -= 1
            return Item("", "ord")
        if tok.kind == "&":
            return Item("", "align")
        if tok.kind == "text":
            return Item(tok.value, "ord")
        if tok.kind == "char":
            return self.char(tok)
        return self.command(tok)

    def char(self, tok: Tok) -> Item:
        ch = tok.value
        if ch in "=<>":
            return Item(ch, "rel")
        if ch in "+-*":
            return Item(ch, "bin")
        if ch in ",;":
            return Item(ch, "punct")
        if ch in "([":
            return Item(ch, "open")
        if ch in ")]":
            return Item(ch, "close")
        if ch == "|" and tok.space_before and self._space_after():
            return Item(ch, "rel")
        if ch == "~":
            return Item(" ", "space")
        return Item(ch, "ord")

    def _space_after(self) -> bool:
        nxt = self.peek()
        return nxt is not None and nxt.space_before

    def command(self, tok: Tok) -> Item | None:
        name = tok.value
        if name in ("left", "right"):
            nxt = self.peek()
            if nxt is not None and nxt.kind == "char" and nxt.value == ".":
                self.pos += 1
            return None
        if name in sym.IGNORED:
            return None
        if name in sym.SKIP_ONE_ARG:
            self.arg_text()
            return None
        if name == "textcolor":
            self.arg_text()
            return Item(self.group(), "ord")
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            num, den = self.group(), self.group()
            return Item(f"{wrap(num)}/{wrap(den)}", "ord", frac=True)
        if name in ("binom", "dbinom", "tbinom"):
            n, k = self.group(), self.group()
            return Item(f"({n} choose {k})", "ord")
        if name == "sqrt":
            index = ""
            if (nxt := self.peek()) is not None and nxt.value == "[":
                self.pos += 1
                parts = []
                while (t := self.take()) is not None and t.value != "]":
                    parts.append(t.value)
                index = script("".join(parts), sym.SUPERSCRIPTS, "^")[0]
            body = self.group()
            root = {"³": "∛", "⁴": "∜"}.get(index, index + "√")
            return Item(root + (body if len(body) == 1 or is_plain(body) else f"({body})"), "ord")
        if name in ("mathbb", "mathcal", "mathscr", "mathfrak"):
            return Item("".join(sym.font_char(name, c) for c in self.group()), "ord")
        if name in sym.UNWRAP:
            if (nxt := self.peek()) is not None and nxt.value == "*":
                self.pos += 1  # \operatorname*{argmax}
            text = self.group()
            if name in ("operatorname", "mathop") or text in sym.OPERATOR_NAMES:
                return Item(text, "opname")
            return Item(text, "ord")
        if name in ("underset", "overset", "stackrel"):
            limit = join_items(self.arg_items(), compact=True)
            base = self.group()
            table = sym.SUBSCRIPTS if name == "underset" else sym.SUPERSCRIPTS
            kind = (
                "opname" if base in sym.OPERATOR_NAMES else "rel" if name == "stackrel" else "ord"
            )
            return Item(base + script(limit, table, "_" if name == "underset" else "^")[0], kind)
        if name in sym.ACCENTS:
            return Item(accent(self.group(), name), "ord")
        if name == "not":
            negated = self.atom() if self.peek() is not None else None
            text = unicodedata.normalize("NFC", (negated.text if negated else "") + "\u0338")
            return Item(text, "rel")
        if name == "end":
            self.arg_text()
            return None
        if name == "begin":
            return self.environment(self.arg_text())
        if name == "\\" or name == "cr":
            return Item("\n", "newline")
        if name in _SPACES:
            return Item("  " if name == "qquad" else " ", "space")
        if name in ("!", "negthinspace", "negmedspace", "negthickspace"):
            return None
        if name in sym.OPERATOR_NAMES:
            return Item(name, "opname")
        if name in sym.SYMBOLS:
            text, kind = sym.SYMBOLS[name]
            if name == "|" and tok.space_before and self._space_after():
                kind = "rel"
            return Item(text, kind)
        item = fallback(name)
        if item.text == name and (nxt := self.peek()) is not None and nxt.kind == "{":
            return Item(f"{name}({self.group()})", "ord")
        return item

    def environment(self, env: str) -> Item:
        if env == "array":
            self.arg_text()
        rows: list[list[str]] = [[]]
        cell: list[Item] = []
        for item in [*self.seq(env), Item("\n", "newline")]:
            if item.kind in ("align", "newline"):
                rows[-1].append(join_items(cell, compact=False))
                cell = []
                if item.kind == "newline":
                    rows.append([])
            else:
                cell.append(item)
        lines = [r for r in rows if any(c for c in r)]
        base = env.rstrip("*")
        if base in _MATRIX_BRACKETS:
            left, right = _MATRIX_BRACKETS[base]
            return Item(left + "; ".join(" ".join(r) for r in lines) + right, "ord")
        if base in ("cases", "dcases"):
            return Item("{ " + "; ".join(", ".join(c for c in r if c) for r in lines), "ord")
        return Item("\n".join(" ".join(c for c in r if c) for r in lines), "ord")


def math_to_unicode(expr: str) -> str:
    """Render one LaTeX math expression (without delimiters) as Unicode text.

    Unknown commands degrade to their name; malformed input never raises.
    """
    try:
        return join_items(_Parser(tokenize(expr)).seq(), compact=False)
    except RecursionError:
        # Only pathological nesting (hundreds of braces) gets here: show the source.
        return expr


_DELIMITED = re.compile(
    r"(?P<esc>\\\$)"
    r"|\$\$(?P<dd>.+?)\$\$"
    r"|\\\((?P<paren>.+?)\\\)"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|\$(?P<d>[^\s$](?:[^$]*?[^\s$\\])?)\$(?!\d)",
    re.DOTALL,
)


def latex_to_unicode(src: str, *, dollars: bool = True) -> str:
    """Replace every delimited formula in text by its Unicode rendering.

    Recognises MathJax ``\\(..\\)`` and ``\\[..\\]`` and, when ``dollars`` is set, Obsidian
    ``$..$`` and ``$$..$$`` (an inline ``$`` must hug its formula and the closing one may not
    be followed by a digit, so ``$5 and $10`` stays text). ``\\$`` becomes ``$``.

    Args:
        src: text that may contain formulas.
        dollars: also recognise dollar delimiters.
    """

    def repl(m: re.Match[str]) -> str:
        if m.group("esc"):
            return "$" if dollars else m.group(0)
        inner = m.group("paren") or m.group("bracket")
        if inner is None:
            if not dollars:
                return m.group(0)
            inner = m.group("dd") or m.group("d")
        return math_to_unicode(inner)

    return _DELIMITED.sub(repl, src)
