"""Provides the SQL building blocks of ``card_filter``: comparisons, field and name matching,
and the names of the SQL functions ``prepare_connection`` adds."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, literal

from srs.errors import SearchSyntaxError
from srs.search.nodes import Comparison
from srs.search.text import glob_regex, to_like

NO_COMBINING_SQL = "srs_no_combining"
"""The SQL function ``nc:`` searches call; ``srs.search.query.prepare_connection`` adds it."""

STRIP_CLOZES_SQL = "srs_strip_clozes"
"""The SQL function ``sc:`` searches call; ``srs.search.query.prepare_connection`` adds it."""

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def compare(left: Any, op: Comparison, right: Any) -> ColumnElement[bool]:
    """``left op right`` in SQL."""
    result: ColumnElement[bool] = _OPS[op](left, right)
    return result


def checked_regex(pattern: str, query: str) -> str:
    """``pattern`` made case-insensitive as in Anki (``(?-i)`` at the start opts out)."""
    pattern = pattern[5:] if pattern.startswith("(?-i)") else "(?i)" + pattern
    try:
        re.compile(pattern)
    except re.error as exc:
        raise SearchSyntaxError(query, f"bad regular expression: {exc}") from None
    return pattern


def field_value(fields: Any, index: Any) -> ColumnElement[str]:
    """Field ``index`` (0-based) of a note's ``\\x1f``-joined field text, in plain SQL.

    The text is JSON-quoted (every control character becomes an escape), the separators'
    escapes become ``","`` to form a JSON array, and ``json_extract`` picks the element.
    Escaped backslashes are parked on ``\\x01`` meanwhile, so that a literal ``\\u001f``
    typed in a field is not taken for a separator.
    """
    quoted = func.replace(func.json_quote(fields), "\\\\", "\x01")
    array = func.replace(func.replace(quoted, "\\u001f", '","'), "\x01", "\\\\")
    path = literal("$[", String).concat(cast(index, String)).concat("]")
    wrapped = literal("[", String).concat(array).concat("]")
    value: ColumnElement[str] = func.json_extract(wrapped, path)
    return value


def call(function: str, column: Any) -> ColumnElement[str]:
    """``function(column)`` for one of the SQL functions ``prepare_connection`` adds."""
    result: ColumnElement[str] = getattr(func, function)(column, type_=String)
    return result


def no_combining(column: Any) -> ColumnElement[str]:
    """``column`` without accents and other combining marks (see ``without_combining``)."""
    return call(NO_COMBINING_SQL, column)


def name_matches(column: Any, name: str) -> ColumnElement[bool]:
    """``column`` (a field or template name) matches the name pattern ``name``, ignoring
    case. In correlated subqueries this runs once per card, so ASCII patterns use SQLite's
    LIKE (which folds ASCII case) rather than a call back into Python's ``re``."""
    if name.isascii():
        result: ColumnElement[bool] = column.like(to_like(name), escape="\\")
        return result
    return column.regexp_match(glob_regex(name))  # type: ignore[no-any-return]


def field_pattern(index: Any, count: Any, pattern: str) -> ColumnElement[str]:
    """A LIKE pattern for the whole ``\\x1f``-joined note text that holds ``pattern`` as field
    ``index`` of ``count``, any text in the others (Anki's own way of matching one field).
    ``hex(zeroblob(n))`` is ``n`` times ``00``, which ``replace`` turns into ``n`` copies."""
    before = func.replace(func.hex(func.zeroblob(index)), "00", "%\x1f")
    after = func.replace(func.hex(func.zeroblob(count - 1 - index)), "00", "\x1f%")
    result: ColumnElement[str] = before.concat(literal(pattern, String)).concat(after)
    return result


def deck_component(part: str) -> str:
    """One level of a deck name as Anki normalises it: trimmed of spaces and colons."""
    start, end = 0, len(part)
    while start < end and (part[start].isspace() or part[start] == ":"):
        start += 1
    while end > start and (part[end - 1].isspace() or part[end - 1] == ":"):
        end -= 1
    return part[start:end] or "blank"
