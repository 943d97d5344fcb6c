"""Provides an Anki-compatible card template engine: fields, sections, filters, card generation."""

from __future__ import annotations

import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from srs.errors import TemplateError
from srs.render.cloze import MAX_CLOZE_ORD, cloze_numbers, extract_cloze_for_typing
from srs.render.filters import apply_filters

SPECIAL_FIELDS = frozenset(
    {"FrontSide", "Card", "CardFlag", "Deck", "Subdeck", "Tags", "Type", "CardID"}
)
_ALT_DIRECTIVE = "{{=<% %>=}}"
# Deeper nesting is no real template; the limit keeps recursion far from Python's own.
_MAX_SECTION_DEPTH = 100
_EMPTY_FIELD_RE = re.compile(r"^(?:[ \t\n\r\f\v]|</?(?:br|div) ?/?>)*$", re.IGNORECASE | re.DOTALL)
_SOUND_RE = re.compile(r"\[sound:(.+?)\]", re.DOTALL)
_TYPE_RE = re.compile(r"\[\[type:(.+?)\]\]")
_MORE_INFO = "More information"
_FRONT_MARK = "\x00FrontSide\x00"
_BLANK_LINK = "https://docs.ankiweb.net/templates/errors.html#front-of-card-is-blank"
_BLANK_CLOZE_LINK = (
    "https://docs.ankiweb.net/templates/errors.html#no-cloze-filter-on-cloze-note-type"
)


@dataclass(frozen=True)
class TypeAnswer:
    """A ``{{type:F}}`` request: the field, the expected answer (HTML), and its options."""

    field: str
    expected: str
    cloze: bool = False
    combining: bool = True


@dataclass(frozen=True)
class RenderedCard:
    """Both sides of a card as Anki HTML, plus what the reviewer needs besides the HTML.

    ``[sound:x]`` tags and ``[[type:F]]`` markers are left in the HTML as Anki stores them.
    """

    question_html: str
    answer_html: str
    type_answer: TypeAnswer | None = None
    question_sounds: list[str] = field(default_factory=list)
    answer_sounds: list[str] = field(default_factory=list)
    sounds: list[str] = field(default_factory=list)
    is_empty: bool = False


# Parsing ------------------------------------------------------------------------------


@dataclass
class _Node:
    kind: str  # "text", "repl", "if", "unless"
    text: str = ""
    filters: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)


def _tokens(template: str) -> list[tuple[str, str]]:
    """Split a template into ('text'|'handle'|'comment', content) tokens like Anki."""
    start_tag, end_tag = "{{", "}}"
    if template.lstrip().startswith(_ALT_DIRECTIVE):
        template = template.lstrip()[len(_ALT_DIRECTIVE) :]
        start_tag, end_tag = "<%", "%>"
    out: list[tuple[str, str]] = []
    pos = text_start = 0
    while pos < len(template):
        # jump to the next place a handlebar or comment could start
        starts = [i for i in (template.find(start_tag, pos), template.find("<!--", pos)) if i >= 0]
        if not starts:
            break
        pos = min(starts)
        found: tuple[str, str, int] | None = None
        if template.startswith(start_tag, pos):
            end = template.find(end_tag, pos + 2)
            if end >= 0:
                found = ("handle", template[pos + 2 : end], end + 2)
        if found is None and template.startswith("<!--", pos):
            end = template.find("-->", pos + 4)
            if end >= 0:
                found = ("comment", template[pos + 4 : end], end + 3)
        if found is None:
            pos += 1
            continue
        if text_start < pos:
            out.append(("text", template[text_start:pos]))
        out.append((found[0], found[1]))
        pos = text_start = found[2]
    if text_start < len(template):
        out.append(("text", template[text_start:]))
    return out


def _parse(
    tokens: list[tuple[str, str]], i: int, open_tag: str | None, depth: int = 0
) -> tuple[list[_Node], int]:
    nodes: list[_Node] = []
    while i < len(tokens):
        kind, content = tokens[i]
        i += 1
        if kind == "text":
            nodes.append(_Node("text", content))
            continue
        if kind == "comment":
            nodes.append(_Node("text", f"<!--{content}-->"))
            continue
        handle = content.lstrip("{").strip()
        lead = handle[:1] if len(handle) >= 2 else ""
        if lead in ("#", "^"):
            key = handle[1:].lstrip()
            if depth >= _MAX_SECTION_DEPTH:
                raise TemplateError("sections are nested too deeply")
            children, i = _parse(tokens, i, key, depth + 1)
            nodes.append(_Node("if" if lead == "#" else "unless", key, children=children))
        elif lead == "/":
            key = handle[1:].lstrip()
            if open_tag == key:
                return nodes, i
            if open_tag is not None:
                raise TemplateError(f"Found '{{{{/{key}}}}}', but expected '{{{{/{open_tag}}}}}'")
            raise TemplateError(
                f"Found '{{{{/{key}}}}}', but missing '{{{{#{key}}}}}' or '{{{{^{key}}}}}'"
            )
        else:
            parts = handle.split(":")
            nodes.append(_Node("repl", parts[-1], filters=parts[-2::-1]))
    if open_tag is not None:
        raise TemplateError(f"Missing '{{{{/{open_tag}}}}}'")
    return nodes, i


@lru_cache(maxsize=512)
def parse_template(template: str) -> list[_Node]:
    """Parse template text into nodes (cached: callers must not modify them).

    Raises:
        TemplateError: a section is unbalanced or nested too deeply.
    """
    return _parse(_tokens(template), 0, None)[0]


# Emptiness and card generation ---------------------------------------------------------


def field_is_empty(text: str) -> bool:
    """Return True if a field holds only whitespace, ``<br>`` and ``<div>`` tags (Anki's rule)."""
    return _EMPTY_FIELD_RE.match(text) is not None


class _NonEmpty:
    """The set of a note's fields that are not empty, tested on demand: a template names
    few of them, and the emptiness test is a regular expression."""

    __slots__ = ("_fields", "_seen")

    def __init__(self, fields: Mapping[str, str]) -> None:
        self._fields = fields
        self._seen: dict[str, bool] = {}

    def __contains__(self, name: object) -> bool:
        assert isinstance(name, str)
        found = self._seen.get(name)
        if found is None:
            value = self._fields.get(name)
            found = self._seen[name] = value is not None and not field_is_empty(value)
        return found


def _is_empty(nodes: list[_Node], nonempty: Container[str]) -> bool:
    for node in nodes:
        if node.kind == "repl" and node.text in nonempty:
            return False
        if node.kind == "if" and node.text in nonempty and not _is_empty(node.children, nonempty):
            return False
        if node.kind == "unless" and node.text not in nonempty:
            if not _is_empty(node.children, nonempty):
                return False
    return True


def cards_for_note(
    templates_qfmt: Sequence[str],
    fields: Mapping[str, str],
    is_cloze: bool,
    *,
    tags: Sequence[str] = (),
    ensure_not_empty: bool = True,
) -> list[int]:
    """Return the card ordinals Anki generates for a new note.

    A standard template yields a card when its front renders with the note's non-empty
    fields (special fields count as non-empty, ``Tags`` only when the note has tags). A
    cloze note yields ordinal n-1 for each cloze number n in any field (capped at 499).
    Like Anki, a new note that would get no card gets card 0 when ``ensure_not_empty``.

    Args:
        templates_qfmt: the front template of each card type, in ordinal order.
        fields: the note's fields by name.
        is_cloze: whether the note type is a cloze type.
        tags: the note's tags.
        ensure_not_empty: add ordinal 0 when nothing else would be generated.
    """
    if is_cloze:
        ords = sorted({min(n - 1, MAX_CLOZE_ORD) for n in cloze_numbers(list(fields.values()))})
    else:
        nonempty = {name for name, value in fields.items() if not field_is_empty(value)}
        for special in SPECIAL_FIELDS:
            if special not in fields and special != "FrontSide" and (special != "Tags" or tags):
                nonempty.add(special)
        ords = []
        for ord_, qfmt in enumerate(templates_qfmt):
            try:
                nodes = parse_template(qfmt)
            except TemplateError:
                continue
            if not _is_empty(nodes, nonempty):
                ords.append(ord_)
    if not ords and ensure_not_empty:
        return [0]
    return ords


class _Context(NamedTuple):
    fields: Mapping[str, str]
    nonempty: Container[str]
    card_ord: int
    question: bool


# Rendering -----------------------------------------------------------------------------


def _render(nodes: list[_Node], ctx: _Context, frontside: str, out: list[str]) -> None:
    for node in nodes:
        if node.kind == "text":
            out.append(node.text)
        elif node.kind == "repl":
            if node.text == "FrontSide":
                out.append(frontside)
            elif node.text == "" and node.filters:
                continue
            elif node.text in ctx.fields:
                out.append(
                    apply_filters(
                        ctx.fields[node.text], node.filters, node.text, ctx.card_ord, ctx.question
                    )
                )
            else:
                shown = ":".join([*reversed(node.filters), node.text])
                raise TemplateError(
                    f"Found '{{{{{shown}}}}}', but there is no field called '{node.text}'"
                )
        else:
            key = node.text
            if key in ctx.nonempty:
                truth = True
            elif key in ctx.fields or re.fullmatch(r"c[0-9]+", key):
                truth = False
            else:
                mark = "#" if node.kind == "if" else "^"
                raise TemplateError(
                    f"Found '{{{{{mark}{key}}}}}', but there is no field called '{key}'"
                )
            if node.kind == "unless":
                truth = not truth
            _render(node.children, ctx, frontside, out if truth else [])


def _parse_side(template: str, side: str) -> list[_Node]:
    try:
        return parse_template(template)
    except TemplateError as error:
        raise TemplateError(f"{side} template has a problem: {error}") from None


def render_card(
    qfmt: str,
    afmt: str,
    fields: Mapping[str, str],
    card_ord: int,
    *,
    is_cloze: bool,
    tags: Sequence[str] = (),
    deck: str = "",
    notetype: str = "",
    card_name: str = "",
    card_flag: int = 0,
    card_id: int = 0,
) -> RenderedCard:
    """Render both sides of a card the way Anki does.

    Args:
        qfmt: the front template.
        afmt: the back template (``{{FrontSide}}`` gets the rendered front).
        fields: the note's fields by name.
        card_ord: the card's ordinal (for cloze notes, 0 is c1).
        is_cloze: whether the note type is a cloze type.
        tags: the note's tags (``{{Tags}}``).
        deck: the card's full deck name with ``::`` (``{{Deck}}``, ``{{Subdeck}}``).
        notetype: the note type name (``{{Type}}``).
        card_name: the card template name (``{{Card}}``).
        card_flag: the card's flag number (``{{CardFlag}}``).
        card_id: the card id (``{{CardID}}``).

    Returns:
        The rendered card. An empty front (or a missing cloze) gives Anki's explanation
        on both sides and ``is_empty=True``.

    Raises:
        TemplateError: a template is malformed or names a field the note does not have.
    """
    specials = {
        "Tags": " ".join(tags),
        "Type": notetype,
        "Subdeck": deck.rsplit("::", 1)[-1],
        "Deck": deck,
        "CardFlag": f"flag{card_flag}",
        "Card": card_name,
        "CardID": str(card_id),
        f"c{card_ord + 1}": "1",
    }
    field_map: dict[str, str] = {**specials, **fields}  # a note's own field wins
    nonempty = _NonEmpty(field_map)
    qnodes = _parse_side(qfmt, "Front")
    qparts: list[str] = []
    try:
        _render(qnodes, _Context(field_map, nonempty, card_ord, True), "", qparts)
    except TemplateError as error:
        raise TemplateError(f"Front template has a problem: {error}") from None
    question = "".join(qparts)

    message = ""
    if is_cloze and card_ord + 1 not in cloze_numbers(list(field_map.values())):
        message = (
            f"<div>No cloze {card_ord + 1} found on card.\nPlease either add a cloze "
            f"deletion, or use the Empty Cards tool.<br><a href='{_BLANK_CLOZE_LINK}'>"
            f"{_MORE_INFO}</a></div>"
        )
    elif not is_cloze and _is_empty(qnodes, nonempty):
        message = (
            f"<div>The front of this card is blank.<br><a href='{_BLANK_LINK}'>"
            f"{_MORE_INFO}</a></div>"
        )
    if message:
        return RenderedCard(question + message, message, is_empty=True)

    aparts: list[str] = []
    anodes = _parse_side(afmt, "Back")
    try:
        _render(anodes, _Context(field_map, nonempty, card_ord, False), _FRONT_MARK, aparts)
    except TemplateError as error:
        raise TemplateError(f"Back template has a problem: {error}") from None
    # Like Anki, the answer's own sounds exclude those the front side brings along.
    qsounds = _SOUND_RE.findall(question)
    asounds = [s for part in aparts for s in _SOUND_RE.findall(part)]
    answer = "".join(question if part == _FRONT_MARK else part for part in aparts)
    return RenderedCard(
        question_html=question,
        answer_html=answer,
        type_answer=_type_answer(question, fields, card_ord),
        question_sounds=qsounds,
        answer_sounds=asounds,
        sounds=list(dict.fromkeys([*qsounds, *asounds])),
    )


def _type_answer(question: str, fields: Mapping[str, str], card_ord: int) -> TypeAnswer | None:
    m = _TYPE_RE.search(question)
    if m is None:
        return None
    name = m.group(1)
    cloze, combining = False, True
    if name.startswith("cloze:"):
        cloze, name = True, name.split(":")[1]
    if name.startswith("nc:"):
        combining, name = False, name.split(":")[1]
    if name not in fields:
        return None
    expected = fields[name]
    if cloze:
        expected = extract_cloze_for_typing(expected, card_ord + 1)
    return TypeAnswer(field=name, expected=expected, cloze=cloze, combining=combining)
