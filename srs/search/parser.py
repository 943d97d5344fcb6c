"""Provides ``parse_query``: Anki's search syntax turned into a ``srs.search.nodes`` tree.

The grammar follows Anki's (rslib ``search/parser.rs``): terms are separated by spaces;
``and`` (implicit between terms) binds tighter than ``or``; ``-`` negates the term or group
after it; ``"..."`` quotes a whole term and ``key:"..."`` only its value; a backslash
escapes ``\\ " * _ : ( ) -``. ``key:value`` terms dispatch on the key, and an unknown key
is a field name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import cast

from srs.errors import SearchSyntaxError
from srs.search.nodes import (
    And,
    Comparison,
    DaysKind,
    DaysSearch,
    DeckSearch,
    FieldSearch,
    FlagSearch,
    IdKind,
    IdSearch,
    Node,
    Not,
    NotetypeSearch,
    NumericProp,
    Or,
    PresetSearch,
    PropSearch,
    RatedSearch,
    StateName,
    StateSearch,
    TagSearch,
    TemplateSearch,
    TextSearch,
    WholeCollection,
)
from srs.search.text import invalid_escape, unescape_parser, unescape_quotes

_WHITESPACE = re.compile(r"\s")
_TERM_END = '"() '
_KEY_END = '"(): '
_ID_LIST = re.compile(r"(?:\d+,)*\d+\Z")
_UNSIGNED = re.compile(r"\+?\d+\Z")
_SIGNED = re.compile(r"[+-]?\d+\Z")
_PROPS = ("ivl", "due", "reps", "lapses", "ease", "pos", "rated", "resched", "s", "d", "r")
_OPERATORS = ("<=", ">=", "!=", "=", "<", ">")
_STATES = (
    "new",
    "learn",
    "review",
    "due",
    "buried",
    "buried-manually",
    "buried-sibling",
    "suspended",
)
_UNSUPPORTED = {
    "dupe": "'dupe:'",
    "has-cd": "'has-cd:' (custom data)",
}
_AND = "and"
_OR = "or"
_U32_MAX = 2**32 - 1
_I32_MAX = 2**31 - 1


def parse_query(text: str) -> Node:
    """Parse an Anki search into a tree.

    Args:
        text: the search as typed (e.g. ``deck:French -is:suspended (dog or cat)``).

    Returns:
        The root node; an empty search gives ``WholeCollection()``.

    Raises:
        SearchSyntaxError: the search is malformed (unbalanced parentheses or quotes, an
            unknown escape, a bad ``prop:``, ``flag:``, ``is:`` value, ...).
    """
    return _Parser(text).parse()


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.s = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", query)).strip(" ")

    def fail(self, reason: str) -> SearchSyntaxError:
        return SearchSyntaxError(self.query, reason)

    def parse(self) -> Node:
        if not self.s:
            return WholeCollection()
        node, pos = self.group_inner(0)
        if pos < len(self.s):
            raise self.fail(f"a ')' at position {pos + 1} closes no '('")
        assert node is not None
        return node

    # -- structure ---------------------------------------------------------------------

    def skip_ws(self, pos: int) -> int:
        while pos < len(self.s) and self.s[pos] == " ":
            pos += 1
        return pos

    def group_inner(self, pos: int) -> tuple[Node | None, int]:
        """Terms and operators up to a ')' or the end; None when there are none."""
        items: list[Node | str] = []
        while True:
            pos = self.skip_ws(pos)
            if pos >= len(self.s) or self.s[pos] == ")":
                break
            item, pos = self.node(pos)
            if len(items) % 2 == 0:
                if isinstance(item, str):
                    raise self.fail(f"'{item}' must come between two search terms")
            elif not isinstance(item, str):
                items.append(_AND)
            items.append(item)
        if items and isinstance(items[-1], str):
            raise self.fail(f"'{items[-1]}' must come between two search terms")
        return _combine(items), pos

    def node(self, pos: int) -> tuple[Node | str, int]:
        s = self.s
        if s[pos] == "-" and pos + 1 < len(s) and s[pos + 1] not in " )":
            inner, end = self.group_or_text(pos + 1)
            if isinstance(inner, str):  # "-and" is the text "-and"
                return self.text(pos)
            return Not(inner), end
        return self.group_or_text(pos)

    def group_or_text(self, pos: int) -> tuple[Node | str, int]:
        if self.s[pos] == "(":
            inner, end = self.group_inner(pos + 1)
            if end >= len(self.s):
                raise self.fail(f"the '(' at position {pos + 1} is never closed")
            if inner is None:
                raise self.fail(f"empty parentheses at position {pos + 1}")
            return inner, end + 1
        return self.text(pos)

    # -- terms ---------------------------------------------------------------------------

    def text(self, pos: int) -> tuple[Node | str, int]:
        s = self.s
        if s[pos] == '"':
            inner, end = self.quoted(pos)
            return self.term(inner), end
        key_end = self.scan_escaped(pos, _KEY_END)
        if key_end > pos and s.startswith(':"', key_end):
            value, end = self.quoted(key_end + 1)
            return self.keyed(s[pos:key_end], value), end
        end = self.scan_escaped(pos, _TERM_END)
        word = s[pos:end]
        if word.lower() in (_AND, _OR):
            return word.lower(), end
        return self.term(word), end

    def scan_escaped(self, pos: int, stops: str) -> int:
        """End of a run of characters not in ``stops``, a backslash escaping the next one."""
        s = self.s
        while pos < len(s):
            char = s[pos]
            if char == "\\":
                if pos + 1 >= len(s) or s[pos + 1] == " ":
                    raise self.fail("a backslash must be followed by the character it escapes")
                pos += 2
            elif char in stops:
                break
            else:
                pos += 1
        return pos

    def quoted(self, pos: int) -> tuple[str, int]:
        """The text inside the double quotes starting at ``pos``, and the end position."""
        s = self.s
        end = pos + 1
        while end < len(s) and s[end] != '"':
            end += 2 if s[end] == "\\" else 1
        if end >= len(s):
            raise self.fail(f"the quote at position {pos + 1} is never closed")
        if end == pos + 1:
            raise self.fail(f"empty quotes at position {pos + 1}")
        return s[pos + 1 : end], end + 1

    def term(self, text: str) -> Node:
        """A term without its outer quotes: plain text, or ``key:value``."""
        pos = 0
        while pos < len(text) and text[pos] != ":":
            pos += 2 if text[pos] == "\\" else 1
        if pos == 0:
            raise self.fail(f"'{text}' has a ':' with nothing before it (escape it as '\\:')")
        if pos >= len(text):
            return TextSearch(self.unescape(text))
        return self.keyed(text[:pos], text[pos + 1 :])

    def unescape(self, text: str) -> str:
        bad = invalid_escape(text)
        if bad is not None:
            raise self.fail(
                f"unknown escape '{bad}' (only \\\\ \\\" \\* \\_ \\: \\( \\) \\- are known)"
            )
        return unescape_parser(text)

    # -- key:value -------------------------------------------------------------------------

    def keyed(self, key: str, value: str) -> Node:
        name = key.lower()
        if name in _UNSUPPORTED:
            raise self.fail(f"{_UNSUPPORTED[name]} searches are not supported by srs")
        handler = _HANDLERS.get(name)
        if handler is not None:
            return handler(self, name, value)
        if value.startswith("re:"):
            return FieldSearch(self.unescape(key), unescape_quotes(value[3:]), "regex")
        if value.startswith("nc:"):
            return FieldSearch(self.unescape(key), unescape_quotes(value[3:]), "nc")
        return FieldSearch(self.unescape(key), self.unescape(value))

    def deck(self, key: str, value: str) -> Node:
        return DeckSearch(self.unescape(value))

    def notetype(self, key: str, value: str) -> Node:
        return NotetypeSearch(self.unescape(value))

    def preset(self, key: str, value: str) -> Node:
        return PresetSearch(value)

    def tag(self, key: str, value: str) -> Node:
        if value.startswith("re:"):
            return TagSearch(unescape_quotes(value[3:]), "regex")
        if value.startswith("nc:"):
            return TagSearch(self.unescape(value[3:]), "nc")
        return TagSearch(self.unescape(value))

    def template(self, key: str, value: str) -> Node:
        if _UNSIGNED.match(value) and int(value) <= 65535:
            return TemplateSearch(ordinal=max(int(value), 1) - 1)
        return TemplateSearch(name=self.unescape(value))

    def flag(self, key: str, value: str) -> Node:
        if not (_UNSIGNED.match(value) and int(value) <= 7):
            raise self.fail(f"flag:{value} is not a flag; use flag:0 to flag:7")
        return FlagSearch(int(value))

    def state(self, key: str, value: str) -> Node:
        if value not in _STATES:
            raise self.fail(f"is:{value} is unknown; use one of is:{', is:'.join(_STATES)}")
        return StateSearch(cast(StateName, value))

    def ids(self, key: str, value: str) -> Node:
        if key == "mid":
            return IdSearch("mid", (self.whole(value, "mid:", signed=True),))
        if not _ID_LIST.match(value):
            raise self.fail(f"{key}:{value} must be numbers separated by commas")
        return IdSearch(cast(IdKind, key), tuple(int(part) for part in value.split(",")))

    def regex(self, key: str, value: str) -> Node:
        return TextSearch(unescape_quotes(value), "regex")

    def word(self, key: str, value: str) -> Node:
        return TextSearch(self.unescape(value), "word")

    def no_combining(self, key: str, value: str) -> Node:
        return TextSearch(self.unescape(value), "nc")

    def strip_clozes(self, key: str, value: str) -> Node:
        return TextSearch(self.unescape(value), "sc")

    def days(self, key: str, value: str) -> Node:
        return DaysSearch(cast(DaysKind, key), max(self.whole(value, f"{key}:"), 1))

    def rated(self, key: str, value: str) -> Node:
        days_text, _, button = value.partition(":")
        days = max(self.whole(days_text, "rated:"), 1)
        ease = self.button(button, value) if ":" in value else None
        return RatedSearch(">", -days, ease)

    def resched(self, key: str, value: str) -> Node:
        return RatedSearch(">", -self.whole(value, "resched:"), 0)

    def prop(self, key: str, value: str) -> Node:
        prop = next((p for p in _PROPS if value.startswith(p)), None)
        if prop is None:
            raise self.fail(
                f"prop:{value} names no property; use one of prop:{', prop:'.join(_PROPS)}"
            )
        rest = value[len(prop) :]
        op = next((o for o in _OPERATORS if rest.startswith(o)), None)
        if op is None:
            raise self.fail(f"prop:{prop} needs one of {' '.join(_OPERATORS)} and a number")
        number = rest[len(op) :]
        comparison = cast(Comparison, op)
        context = f"prop:{value}"
        if prop in ("rated", "resched"):
            days_text, _, button = number.partition(":")
            day = self.whole(days_text, context, signed=True)
            if day > 0:
                raise self.fail(f"{context}: the day must be 0 or negative, not {day}")
            if prop == "resched":
                return RatedSearch(comparison, day, 0)
            ease = self.button(button, context) if ":" in number else None
            return RatedSearch(comparison, day, ease)
        numeric = cast(NumericProp, prop)
        if prop in ("ease", "s", "d", "r"):
            return PropSearch(numeric, comparison, self.real(number, context))
        return PropSearch(numeric, comparison, self.whole(number, context, signed=prop == "due"))

    # -- numbers ---------------------------------------------------------------------------

    def whole(self, text: str, context: str, *, signed: bool = False) -> int:
        pattern = _SIGNED if signed else _UNSIGNED
        value = int(text) if pattern.match(text) else None
        limit = _I32_MAX if signed else _U32_MAX
        if value is None or abs(value) > limit:
            kind = "a whole number" if signed else "a positive whole number"
            raise self.fail(f"{context} needs {kind}, not {text!r}")
        return value

    def real(self, text: str, context: str) -> float:
        try:
            if text.strip() != text or not text or "_" in text:
                raise ValueError(text)
            return float(text)
        except ValueError:
            raise self.fail(f"{context} needs a number, not {text!r}") from None

    def button(self, text: str, context: str) -> int:
        if text not in ("1", "2", "3", "4"):
            raise self.fail(f"{context}: the answer button must be 1 to 4, not {text!r}")
        return int(text)


_Handler = Callable[[_Parser, str, str], Node]
_HANDLERS: dict[str, _Handler] = {
    "deck": _Parser.deck,
    "note": _Parser.notetype,
    "preset": _Parser.preset,
    "tag": _Parser.tag,
    "card": _Parser.template,
    "flag": _Parser.flag,
    "is": _Parser.state,
    "nid": _Parser.ids,
    "cid": _Parser.ids,
    "did": _Parser.ids,
    "mid": _Parser.ids,
    "re": _Parser.regex,
    "w": _Parser.word,
    "nc": _Parser.no_combining,
    "sc": _Parser.strip_clozes,
    "added": _Parser.days,
    "edited": _Parser.days,
    "introduced": _Parser.days,
    "rated": _Parser.rated,
    "resched": _Parser.resched,
    "prop": _Parser.prop,
}


def _combine(items: list[Node | str]) -> Node | None:
    """Fold ``term op term op ...`` into a tree where ``and`` binds tighter than ``or``."""
    if not items:
        return None
    alternatives: list[Node] = []
    run: list[Node] = []
    for item in items:
        if item == _OR:
            alternatives.append(_all(run))
            run = []
        elif not isinstance(item, str):
            run.append(item)
    alternatives.append(_all(run))
    return alternatives[0] if len(alternatives) == 1 else Or(tuple(alternatives))


def _all(run: list[Node]) -> Node:
    return run[0] if len(run) == 1 else And(tuple(run))
