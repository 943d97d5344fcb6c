"""Checks srs.render.templates against the real Anki backend (the `anki` package).

Each case adds a note to a real Anki collection, then renders every card Anki created with
our engine, feeding it the same inputs (fields, tags, deck, template name, ...), and compares.

Normalisation of Anki's output, and why each step is legitimate:
- ``card.question()``/``card.answer()`` start with ``<style>{css}</style>``: the note type's
  CSS, not template output. We drop it.
- The Python layer replaces ``[sound:x]`` by ``[anki:play:q:N]``/``[anki:play:a:N]`` (an index
  into the card's AV tags) after rendering. We map those back to ``[sound:x]``.
- Fluent wraps message arguments in Unicode isolation marks U+2068/U+2069. We drop them.
- ``{{hint:F}}`` ids come from blake3 in Anki; ours from blake2b. We mask ``hint<16 hex>``.
- Text-to-speech tags become AV tags too; both sides' ``[anki:tts ...]..[/anki:tts]`` are
  compared as ``[tts]`` (ours keep the tag, which the reviewer would speak or skip).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.decks import DeckId

from srs.errors import TemplateError
from srs.render.cloze import cloze_numbers, extract_cloze_for_typing, parse_clozes
from srs.render.templates import (
    TypeAnswer,
    cards_for_note,
    field_is_empty,
    parse_template,
    render_card,
)

_PLAY = re.compile(r"\[anki:play:([qa]):(\d+)\]")
_HINT_ID = re.compile(r"hint[0-9a-f]{16}")
_TTS = re.compile(r"\[anki:tts[^\]]*\].*?\[/anki:tts\]", re.DOTALL)


@pytest.fixture(scope="module")
def col(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    path: Path = tmp_path_factory.mktemp("anki") / "collection.anki2"
    collection = Collection(str(path))
    yield collection
    collection.close()


def _normalise(text: str, card: Any) -> str:
    text = re.sub(r"^<style>.*?</style>", "", text, flags=re.DOTALL)
    tags = {"q": card.question_av_tags(), "a": card.answer_av_tags()}

    def play(m: re.Match[str]) -> str:
        tag = tags[m.group(1)][int(m.group(2))]
        return f"[sound:{tag.filename}]" if hasattr(tag, "filename") else "[tts]"

    text = _PLAY.sub(play, text)
    return _HINT_ID.sub("hintID", text.replace("\u2068", "").replace("\u2069", ""))


def _mask(ours: str) -> str:
    return _HINT_ID.sub("hintID", _TTS.sub("[tts]", ours))


def _sounds(tags: list[Any]) -> list[str]:
    return [t.filename for t in tags if hasattr(t, "filename")]


def _add(
    col: Collection, notetype: str, values: list[str], tags: Sequence[str] = (), deck: str = ""
) -> Any:
    model = col.models.by_name(notetype)
    assert model is not None
    note = col.new_note(model)
    for i, value in enumerate(values):
        note.fields[i] = value
    note.tags = list(tags)
    deck_id = col.decks.id(deck) if deck else None
    col.add_note(note, DeckId(deck_id or 1))
    return note


def _ours(col: Collection, card: Any) -> Any:
    note = card.note()
    model = note.note_type()
    template = model["tmpls"][0 if model["type"] == 1 else card.ord]
    return render_card(
        template["qfmt"],
        template["afmt"],
        dict(note.items()),
        card.ord,
        is_cloze=model["type"] == 1,
        tags=note.tags,
        deck=col.decks.name(card.did),
        notetype=model["name"],
        card_name=template["name"],
        card_flag=card.user_flag(),
        card_id=card.id,
    )


def _check_note(col: Collection, note: Any) -> list[int]:
    """Compare every card of the note; return the ordinals Anki created."""
    cards = sorted(note.cards(), key=lambda c: c.ord)
    for card in cards:
        ours = _ours(col, card)
        assert _mask(ours.question_html) == _normalise(card.question(), card)
        assert _mask(ours.answer_html) == _normalise(card.answer(), card)
        assert ours.question_sounds == _sounds(card.question_av_tags())
        assert ours.answer_sounds == _sounds(card.answer_av_tags())
    return [c.ord for c in cards]


def _check_generation(col: Collection, note: Any, anki_ords: list[int]) -> None:
    model = note.note_type()
    ords = cards_for_note(
        [t["qfmt"] for t in model["tmpls"]],
        dict(note.items()),
        model["type"] == 1,
        tags=note.tags,
    )
    assert ords == anki_ords


STOCK_CASES: list[tuple[str, list[str], list[str]]] = [
    ("Basic", ["hello [sound:a.mp3] &amp; <b>bold</b>", "world<br>two"], []),
    ("Basic", ["<div>front</div>", ""], ["tag1", "tag2"]),
    ("Basic (and reversed card)", ["front", "back"], []),
    ("Basic (and reversed card)", ["front", ""], []),
    ("Basic (optional reversed card)", ["front", "back", ""], []),
    ("Basic (optional reversed card)", ["front", "back", "y"], []),
    ("Basic (optional reversed card)", ["", "back", "y"], []),
    ("Basic (type in the answer)", ["capital of France?", "Paris"], []),
    ("Basic (type in the answer)", ["q", ""], []),
    ("Basic", ["", "only back"], []),
    ("Basic", [" <br> <div></div>", "x"], []),
]


@pytest.mark.parametrize(("notetype", "values", "tags"), STOCK_CASES)
def test_stock_notetypes_match_anki(
    col: Collection, notetype: str, values: list[str], tags: list[str]
) -> None:
    note = _add(col, notetype, values, tags)
    ords = _check_note(col, note)
    _check_generation(col, note, ords)


CLOZE_CASES: list[str] = [
    "{{c1::a::h}} {{c2::b}} {{c1::x {{c2::y}} }} [sound:z.mp3] \\(x^2\\)",
    "{{c1::é中'&<>\"=-/_.~x}}",
    "{{c1::abc",
    "a}}b {{c1::x}}",
    "{{c1,2::multi}} {{c3::z::h1::h2}}",
    "{{c1::a::b}} {{c1::a::c}}",
    "{{c2::only2}}",
    "\\(a {{c1::<b>x</b>}} \\) \\[<i>y</i>\\]",
    "{{c1::a {{c2::b::hh}} c::outer}}",
    "{{c0::zero}} {{c1::one}}",
    "{{c1::a {{c2::b {{c3::c}} }} }}",
    "{{c3::three}} then {{c1::one}}",
    "no cloze at all",
    "{{c1::}} {{c2::two}}",
    "{{c1::line\nbreak}} {{C1::upper}}",
]


@pytest.mark.parametrize("text", CLOZE_CASES)
def test_cloze_notes_match_anki(col: Collection, text: str) -> None:
    note = _add(col, "Cloze", [text, "extra [sound:e.ogg]"])
    ords = _check_note(col, note)
    _check_generation(col, note, ords)
    for ord_ in ords:
        assert extract_cloze_for_typing(text, ord_ + 1) == col._backend.extract_cloze_for_typing(
            text=text, ordinal=ord_ + 1
        )


def _custom_notetype(col: Collection, name: str, templates: list[tuple[str, str, str]]) -> None:
    model = col.models.new(name)
    for field in ["Front", "Back", "Extra", "Reading"]:
        col.models.add_field(model, col.models.new_field(field))
    for tname, qfmt, afmt in templates:
        template = col.models.new_template(tname)
        template["qfmt"] = qfmt
        template["afmt"] = afmt
        col.models.add_template(model, template)
    col.models.add(model)


CUSTOM_TEMPLATES = [
    (
        "Forward",
        "{{#Back}}B:{{Back}}{{/Back}}{{^Extra}}noExtra{{/Extra}} {{Front}}"
        "<!-- {{Nope}} --> {{ Tags }}|{{Deck}}|{{Subdeck}}|{{Card}}|{{Type}}|{{CardFlag}}",
        "{{FrontSide}}<hr id=answer>{{text:Front}} {{hint:Extra}} {{foo:Front}} "
        "{{text:foo:Front}} {{kana:Reading}} {{kanji:Reading}} {{furigana:Reading}} "
        "{{tts en_US:Front}} {{::Back}} {{tts en_US:}}",
    ),
    ("Neg only", "{{^Front}}only when Front is empty{{/Front}}", "{{Back}}"),
    (
        "Nested",
        "{{#Front}}{{#Back}}{{#Extra}}all three {{Extra}}{{/Extra}}{{/Back}}{{/Front}}",
        "{{FrontSide}}{{^Reading}}no reading{{/Reading}}{{#c1}}c1!{{/c1}}{{#c2}}c2{{/c2}}",
    ),
    ("Tags", "{{Tags}}", "{{Back}}{{type:Back}}"),
    ("Alt", "{{=<% %>=}}<%Front%> <%#Back%>has back<%/Back%>", "<%FrontSide%>!"),
]

CUSTOM_NOTES: list[tuple[list[str], list[str], str]] = [
    (["<b>x</b> &lt;y&gt;", "bb", "", "日本[にほん] 語[ご]"], ["t1", "t2"], "Lang::Japanese"),
    (["", "", "", ""], [], ""),
    (["", "", "", ""], ["only", "tags"], ""),
    (["f", "b", "e", ""], [], "Top::Mid::Leaf"),
    (["f", "b", "extra", "r"], ["x"], ""),
]


@pytest.mark.parametrize(("values", "tags", "deck"), CUSTOM_NOTES)
def test_custom_notetype_matches_anki(
    col: Collection, values: list[str], tags: list[str], deck: str
) -> None:
    if col.models.by_name("Custom") is None:
        _custom_notetype(col, "Custom", CUSTOM_TEMPLATES)
    note = _add(col, "Custom", values, tags, deck)
    for card in note.cards():
        card.set_user_flag(3)
        col.update_card(card)
    ords = _check_note(col, note)
    _check_generation(col, note, ords)


def test_type_answer_reports_field_and_expected_text() -> None:
    card = render_card(
        "{{Front}} {{type:Back}}",
        "{{FrontSide}}",
        {"Front": "q", "Back": "Paris"},
        0,
        is_cloze=False,
    )
    assert card.question_html == "q [[type:Back]]"
    assert card.type_answer == TypeAnswer(field="Back", expected="Paris")
    cloze = render_card(
        "{{cloze:Text}}{{type:cloze:Text}}",
        "{{cloze:Text}}",
        {"Text": "{{c1::a}} {{c2::b}} {{c1::a}}"},
        0,
        is_cloze=True,
    )
    assert cloze.type_answer == TypeAnswer(field="Text", expected="a", cloze=True)
    nc = render_card("{{F}}{{type:nc:F}}", "", {"F": "é"}, 0, is_cloze=False)
    assert nc.type_answer == TypeAnswer(field="F", expected="é", combining=False)
    assert render_card("{{F}}", "", {"F": "x"}, 0, is_cloze=False).type_answer is None


def test_sounds_are_collected_in_order_without_duplicates() -> None:
    card = render_card(
        "{{F}}",
        "{{FrontSide}} {{B}}",
        {"F": "[sound:a.mp3] [sound:b.mp3]", "B": "[sound:c.ogg]"},
        0,
        is_cloze=False,
    )
    assert card.question_sounds == ["a.mp3", "b.mp3"]
    # Anki counts the front side's sounds on the question only.
    assert card.answer_sounds == ["c.ogg"]
    assert card.sounds == ["a.mp3", "b.mp3", "c.ogg"]


@pytest.mark.parametrize(
    ("qfmt", "message"),
    [
        ("{{Missing}}", "there is no field called 'Missing'"),
        ("{{text:Missing}}", "Found '{{text:Missing}}'"),
        ("{{#Missing}}x{{/Missing}}", "no field called 'Missing'"),
        ("{{#Front}}x", "Missing '{{/Front}}'"),
        ("{{#Front}}x{{/Back}}", "Found '{{/Back}}', but expected '{{/Front}}'"),
        ("x{{/Front}}", "but missing '{{#Front}}' or '{{^Front}}'"),
    ],
)
def test_template_errors_raise_like_anki_reports(col: Collection, qfmt: str, message: str) -> None:
    name = f"Broken {qfmt}"
    _custom_notetype(col, name, [("Card 1", "{{Front}}", "{{Back}}")])
    note = _add(col, name, ["f", "b", "", ""])
    model = note.note_type()
    model["tmpls"][0]["qfmt"] = qfmt
    col.models.update_dict(model, skip_checks=True)
    anki_question = note.cards()[0].question()
    assert message in anki_question.replace("&#x27;", "'").replace("\u2068", "").replace(
        "\u2069", ""
    )
    with pytest.raises(TemplateError, match=re.escape(message)):
        render_card(qfmt, "{{Back}}", dict(note.items()), 0, is_cloze=False)


def test_field_is_empty_follows_anki() -> None:
    assert field_is_empty("")
    assert field_is_empty(" <BR> <div /> </div>\n")
    assert not field_is_empty("x")
    assert not field_is_empty("<p></p>")


def test_parse_template_splits_filters_in_application_order() -> None:
    (node,) = parse_template("{{one:two:Field}}")
    assert (node.kind, node.text, node.filters) == ("repl", "Field", ["two", "one"])


def test_cloze_parser_keeps_nesting_and_numbers() -> None:
    nodes = parse_clozes("{{c1::a {{c2::b}}}} {{c3,4::c::hint}}")
    assert cloze_numbers(["{{c1::a {{c2::b}}}} {{c3,4::c::hint}}"]) == {1, 2, 3, 4}
    assert len(nodes) == 3
    assert cloze_numbers(["{{c1::unclosed"]) == set()


def test_cloze_ordinal_is_capped_at_499() -> None:
    assert cards_for_note(["{{cloze:Text}}"], {"Text": "{{c600::x}}"}, True) == [499]


def _custom_cloze(col: Collection) -> None:
    if col.models.by_name("Cloze custom") is not None:
        return
    model = col.models.new("Cloze custom")
    model["type"] = 1
    for field in ["Text", "More", "Notes"]:
        col.models.add_field(model, col.models.new_field(field))
    template = col.models.new_template("Cloze")
    template["qfmt"] = (
        "{{cloze:Text}} / {{cloze:More}} {{#c2}}[two]{{/c2}}{{^c1}}[not one]{{/c1}}"
        "{{type:cloze:Text}} <i>{{cloze-only:Text}}</i>"
    )
    template["afmt"] = (
        "{{cloze:Text}}|{{cloze-only:More}}<hr id=answer>{{Notes}}{{type:cloze:Text}}"
    )
    col.models.add_template(model, template)
    col.models.add(model)


@pytest.mark.parametrize(
    "values",
    [
        ["{{c1::a::h}} {{c2::b}}", "{{c3::more}}", "notes"],
        ["plain", "{{c2::only in More}}", ""],
        ["{{c1::x}} {{c1::y::hy}}", "", "[sound:n.mp3]"],
        ["", "", "{{c4::only in a field no template clozes}}"],
    ],
)
def test_custom_cloze_notetype_matches_anki(col: Collection, values: list[str]) -> None:
    _custom_cloze(col)
    note = _add(col, "Cloze custom", values)
    ords = _check_note(col, note)
    _check_generation(col, note, ords)
    model = note.note_type()
    for ord_ in ords:
        rendered = render_card(
            model["tmpls"][0]["qfmt"],
            model["tmpls"][0]["afmt"],
            dict(note.items()),
            ord_,
            is_cloze=True,
        )
        assert rendered.type_answer is not None
        assert rendered.type_answer.expected == col._backend.extract_cloze_for_typing(
            text=values[0], ordinal=ord_ + 1
        )


def test_deeply_nested_sections_raise_template_error() -> None:
    template = "{{#F}}" * 5000 + "x" + "{{/F}}" * 5000
    with pytest.raises(TemplateError, match="nested too deeply"):
        render_card(template, "", {"F": "1"}, 0, is_cloze=False)
