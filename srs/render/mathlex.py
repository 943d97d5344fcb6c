"""Provides the LaTeX tokenizer, rendered items and their spacing for srs.render.mathtext."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from srs.render import latex_symbols as sym

_SEPARATORS = frozenset(" +-−±∓·×/=<>≤≥≠≈∑∏∫,;:∈→⇒")


@dataclass
class Tok:
    """A LaTeX token and whether whitespace preceded it in the source."""

    kind: str  # "cmd", "char", "text", "{", "}", "^", "_", "&"
    value: str
    space_before: bool


def tokenize(src: str) -> list[Tok]:
    """Split math source into tokens; ``\\text{..}`` keeps its raw content, ``%`` comments go."""
    toks: list[Tok] = []
    i, n = 0, len(src)
    space = False
    while i < n:
        ch = src[i]
        if ch.isspace():
            space = True
            i += 1
            continue
        if ch == "\\" and i + 1 < n:
            m = re.match(r"[A-Za-z]+", src[i + 1 :])
            if m is None:
                toks.append(Tok("cmd", src[i + 1], space))
                i += 2
            else:
                name = m.group(0)
                i += 1 + len(name)
                j = i
                while j < n and src[j].isspace():
                    j += 1
                if name in sym.TEXT_COMMANDS and j < n and src[j] == "{":
                    depth, k = 0, j
                    while k < n:
                        depth += {"{": 1, "}": -1}.get(src[k], 0)
                        if depth == 0:
                            break
                        k += 1
                    toks.append(Tok("text", src[j + 1 : k], space))
                    i = k + 1
                else:
                    toks.append(Tok("cmd", name, space))
        elif ch == "%":
            while i < n and src[i] != "\n":
                i += 1
            continue
        else:
            toks.append(Tok(ch if ch in "{}^_&" else "char", ch, space))
            i += 1
        space = False
    return toks


@dataclass
class Item:
    """A rendered piece of a formula and its spacing class."""

    text: str
    kind: str  # ord, rel, bin, bigop, opname, open, close, punct, space, newline, align
    frac: bool = False
    loose: bool = False  # ends in a bare ``_x``/``^x`` that must not touch what follows


def script(text: str, table: dict[str, str], mark: str) -> tuple[str, bool]:
    """Return (script text, loose) for a sub- or superscript."""
    if not text:
        return "", False
    if mark == "^" and text in sym.INLINE_SUPERSCRIPTS:
        return ("′" if text == "'" else text), False
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text), False
    if len(text) == 1:
        return mark + text, True
    return f"{mark}({text})", False


def is_simple(text: str) -> bool:
    """True if text can stand in a fraction without parentheses."""
    depth = 0
    for ch in text:
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif depth == 0 and ch in _SEPARATORS:
            return False
    return True


def wrap(text: str) -> str:
    """Parenthesise text unless it is a single term."""
    return text if is_simple(text) else f"({text})"


def is_plain(text: str) -> bool:
    """True if text can follow a root sign without parentheses."""
    return all(c.isalnum() or c in "′" or c in sym.SUBSCRIPTS.values() for c in text) or (
        text.startswith("(") and text.endswith(")") and is_simple(text[1:-1])
    )


def accent(text: str, name: str) -> str:
    """Put an accent over text with combining marks, or spell it out for long text."""
    mark = sym.ACCENTS[name]
    if len(text) == 1:
        return unicodedata.normalize("NFC", text + mark)
    if name in ("bar", "overline", "underline"):
        return unicodedata.normalize("NFC", "".join(c + mark for c in text))
    return f"{name}({text})"


@lru_cache(maxsize=512)
def fallback(name: str) -> Item:
    """Look an unknown command up in pylatexenc's table, else show its name."""
    from pylatexenc import latex2text  # type: ignore[import-untyped]

    spec = latex2text.get_default_latex_context_db().get_macro_spec(name)
    repl = getattr(spec, "simplify_repl", None) if spec is not None else None
    if isinstance(repl, str) and 0 < len(repl) <= 2 and "%" not in repl:
        kind = "rel" if repl in sym.REL_CHARS else "bin" if repl in sym.BIN_CHARS else "ord"
        return Item(repl, kind)
    return Item(name, "ord")


def operand_end(out: list[str]) -> bool:
    """True if the output so far ends with an operand (so a following minus is binary)."""
    text = "".join(out).rstrip(" ")
    while text and unicodedata.combining(text[-1]):
        text = text[:-1]
    return bool(text) and (
        text[-1].isalnum()
        or text[-1] in ")]}|‖⟩′∞"
        or text[-1] in sym.SUBSCRIPTS.values()
        or text[-1] in sym.SUPERSCRIPTS.values()
    )


def join_items(items: list[Item], *, compact: bool) -> str:
    """Join items with TeX-like spacing; ``compact`` (inside scripts) drops the spaces."""
    out: list[str] = []
    loose = False
    for i, item in enumerate(items):
        nxt = items[i + 1] if i + 1 < len(items) else None
        text, kind = item.text, item.kind
        if kind == "rel" or (kind == "bin" and operand_end(out)):
            out.append(text if compact else f" {text} ")
        elif kind == "punct":
            out.append(text if compact else f"{text} ")
        elif kind in ("opname", "bigop"):
            if not compact and operand_end(out):
                out.append(" ")
            out.append(text)
            if nxt is not None and nxt.frac and kind == "opname":
                out.append(f"({nxt.text})")
                items[i + 1] = Item("", "ord")
            elif (
                nxt is not None
                and not compact
                and nxt.kind in ("ord", "opname", "bigop")
                and (nxt.text[:1].isalnum() or nxt.text[:1] in "∂∇√" or nxt.kind != "ord")
            ):
                out.append(" ")
        elif kind == "space":
            out.append(" ")
        else:
            if loose and text[:1].isalnum():
                out.append(" ")
            out.append(text)
        loose = item.loose
    return re.sub(r"(?<=\S) {2,}(?=\S)", " ", "".join(out)).strip(" ")
