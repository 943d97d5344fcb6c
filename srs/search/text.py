"""Provides the escape and wildcard conversions of Anki's search text.

After parsing, search text keeps three escapes of its own: ``\\\\`` (a backslash), ``\\*``
(a literal star) and ``\\_`` (a literal underscore). Unescaped ``*`` matches any run of
characters and ``_`` any one character. These helpers turn such text into a SQL ``LIKE``
pattern (escape character ``\\``), a regular expression, or plain text, as Anki does.
"""

from __future__ import annotations

import re
import unicodedata

_INVALID_ESCAPE = re.compile(r'(?:^|[^\\])(?:\\\\)*(\\(?:[^\\":*_()-]|$))')
_PARSER_ESCAPE = re.compile(r'\\[\\":()-]')
_GLOB = re.compile(r"(?:^|[^\\])(?:\\\\)*[*_]")
_SQL_TOKEN = re.compile(r"\\[\\*]|[*%]")
_RE_TOKEN = re.compile(r"\\?.", re.DOTALL)
_ANY_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def invalid_escape(text: str) -> str | None:
    """The first escape sequence in ``text`` that search syntax does not know, if any."""
    found = _INVALID_ESCAPE.search(text)
    return found.group(1) if found else None


def unescape_parser(text: str) -> str:
    """Drop the escapes that only mattered to the parser (``\\" \\: \\( \\) \\-``), keeping
    ``\\\\``, ``\\*`` and ``\\_`` for the wildcard conversions. The caller has checked
    ``invalid_escape`` first."""

    def repl(match: re.Match[str]) -> str:
        seq = match.group(0)
        return seq if seq == "\\\\" else seq[1]

    return _PARSER_ESCAPE.sub(repl, text)


def unescape_quotes(text: str) -> str:
    """Turn ``\\"`` into ``"`` and leave everything else alone (raw input such as ``re:``)."""
    return text.replace('\\"', '"')


def is_glob(text: str) -> bool:
    """True if ``text`` holds an unescaped ``*`` or ``_``."""
    return _GLOB.search(text) is not None


def to_like(text: str) -> str:
    """A SQL ``LIKE`` pattern (escape ``\\``) for ``text`` with Anki wildcards."""
    table = {"\\\\": "\\\\", "\\*": "*", "*": "%", "%": "\\%"}
    return _SQL_TOKEN.sub(lambda m: table[m.group(0)], text)


def to_regex(text: str, wildcard: str = ".") -> str:
    """A regular expression for ``text`` with Anki wildcards; ``*`` becomes ``wildcard*``
    and ``_`` becomes ``wildcard``."""

    def repl(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("\\\\", "\\*"):
            return token
        if token == "\\_":
            return "_"
        if token == "*":
            return wildcard + "*"
        if token == "_":
            return wildcard
        return re.escape(token)

    return _RE_TOKEN.sub(repl, text)


def to_text(text: str) -> str:
    """``text`` with every escape removed (for exact comparisons)."""
    return _ANY_ESCAPE.sub(r"\1", text)


def glob_regex(text: str) -> str:
    """A case-insensitive whole-string regex for a name pattern (deck, note type, field,
    template, preset): wildcards if ``text`` has any, else the literal name."""
    body = to_regex(text) if is_glob(text) else re.escape(to_text(text))
    return f"(?i)^{body}\\Z"


# Letters that do not decompose into a base letter and marks but that Anki's "nc:" (no
# combining) searches still fold to plain Latin letters.
_NO_COMBINING_EXTRA = {
    "€": "E", "Æ": "AE", "Ð": "D", "Ø": "O", "Þ": "TH", "ß": "s", "æ": "ae", "ð": "d",
    "ø": "o", "þ": "th", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "ĸ": "k",
    "Ł": "L", "ł": "l", "Ŋ": "N", "ŋ": "n", "Œ": "OE", "œ": "oe", "Ŧ": "T", "ŧ": "t",
    "Ə": "E", "ǝ": "e", "ɑ": "a",
}  # fmt: skip


def without_combining(text: str) -> str:
    """``text`` in compatibility-decomposed form without its combining marks, plus a few
    letter foldings (``ß`` to ``s``, ``ø`` to ``o``...): what Anki's ``nc:`` compares."""
    if text.isascii():
        return text
    out = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.category(char).startswith("M"):
            continue
        out.append(_NO_COMBINING_EXTRA.get(char, char))
    return "".join(out)


_CLOZE = re.compile(r"\{\{c[\d,]+::(.*?)(?:::.*?)?\}\}", re.DOTALL)


def strip_clozes(text: str) -> str:
    """``text`` with each cloze deletion ``{{c1::answer::hint}}`` replaced by its answer:
    what Anki's ``sc:`` compares."""
    return _CLOZE.sub(r"\1", text) if "{{c" in text else text
