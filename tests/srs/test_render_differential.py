"""Differential tests: random templates and cloze fields rendered by us and by Anki's backend.

Anki's ``render_uncommitted_card_legacy`` renders a card for a note that is not in the
collection, fully in Rust (no Python hooks, no ``<style>``, no AV-tag rewriting), so its
output is compared as it is. Both engines must agree on every generated input: same HTML, or
both refuse the template.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.errors import TemplateError as AnkiTemplateError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from srs.errors import TemplateError
from srs.render.cloze import cloze_numbers
from srs.render.templates import render_card

_SETTINGS = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def col(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    path: Path = tmp_path_factory.mktemp("anki") / "collection.anki2"
    collection = Collection(str(path))
    model = collection.models.new("Fuzz")
    for field in ["Front", "Back", "Extra"]:
        collection.models.add_field(model, collection.models.new_field(field))
    template = collection.models.new_template("Card 1")
    template["qfmt"] = "{{Front}}"
    template["afmt"] = "{{Back}}"
    collection.models.add_template(model, template)
    collection.models.add(model)
    yield collection
    collection.close()


def _anki_render(
    col: Collection, notetype: str, fields: list[str], qfmt: str, afmt: str, ord_: int
) -> tuple[str, str] | None:
    model = col.models.by_name(notetype)
    assert model is not None
    note = col.new_note(model)
    for i, value in enumerate(fields):
        note.fields[i] = value
    template: dict[str, Any] = dict(model["tmpls"][0])
    template.update(qfmt=qfmt, afmt=afmt, ord=None)
    try:
        out = col._backend.render_uncommitted_card_legacy(
            note=note._to_backend_note(),
            card_ord=ord_,
            template=json.dumps(template).encode(),
            fill_empty=False,
            partial_render=False,
        )
    except AnkiTemplateError:
        return None
    question = "".join(node.text for node in out.question_nodes)
    answer = "".join(node.text for node in out.answer_nodes)
    return question, answer


_TEMPLATE_PIECES = st.sampled_from(
    [
        "{{Front}}", "{{Back}}", "{{Extra}}", "{{#Front}}", "{{/Front}}", "{{^Back}}",
        "{{/Back}}", "{{#Extra}}", "{{/Extra}}", "{{text:Front}}", "{{kana:Back}}",
        "{{Tags}}", "{{Type}}", "{{CardFlag}}", "{{ Front }}", "{{FrontSide}}", "x", " ",
        "<b>", "{{", "}}", "<!--", "-->", "{{#c1}}", "{{/c1}}", "{{::Front}}",
    ]
)  # fmt: skip
_FIELD_PIECES = st.sampled_from(
    ["", "a", "<br>", " ", "<div></div>", "b[c]", "&amp;", "日本[にほん]"]
)
_CLOZE_PIECES = st.sampled_from(
    [
        "{{c1::", "{{c2::", "{{c1,2::", "{{c3::", "{{c::", "}}", "::", "a", "b", " ", "{", "}",
        "<b>", "</b>", "\\(", "\\)", "&", "\"", "[sound:s.mp3]",
    ]
)  # fmt: skip


@_SETTINGS
@given(
    qfmt=st.lists(_TEMPLATE_PIECES, max_size=8).map("".join),
    afmt=st.lists(_TEMPLATE_PIECES, max_size=6).map("".join),
    fields=st.lists(st.lists(_FIELD_PIECES, max_size=3).map("".join), min_size=3, max_size=3),
)
def test_standard_templates_agree_with_anki(
    col: Collection, qfmt: str, afmt: str, fields: list[str]
) -> None:
    expected = _anki_render(col, "Fuzz", fields, qfmt, afmt, 0)
    try:
        ours = render_card(
            qfmt,
            afmt,
            dict(zip(["Front", "Back", "Extra"], fields, strict=True)),
            0,
            is_cloze=False,
            notetype="Fuzz",
            card_name="Card 1",
        )
    except TemplateError:
        assert expected is None
        return
    assert expected is not None
    assert (ours.question_html, ours.answer_html) == expected


@_SETTINGS
@given(text=st.lists(_CLOZE_PIECES, max_size=14).map("".join), ord_=st.integers(0, 2))
def test_cloze_rendering_agrees_with_anki(col: Collection, text: str, ord_: int) -> None:
    qfmt, afmt = "{{cloze:Text}}", "{{cloze:Text}}<br>{{Back Extra}}"
    expected = _anki_render(col, "Cloze", [text, "x"], qfmt, afmt, ord_)
    assert expected is not None
    ours = render_card(qfmt, afmt, {"Text": text, "Back Extra": "x"}, ord_, is_cloze=True)
    assert (ours.question_html.replace("\u2068", ""), ours.answer_html) == (
        expected[0].replace("\u2068", "").replace("\u2069", ""),
        expected[1].replace("\u2068", "").replace("\u2069", ""),
    )
    model = col.models.by_name("Cloze")
    assert model is not None
    note = col.new_note(model)
    note.fields[0] = text
    assert cloze_numbers([text]) == set(col._backend.cloze_numbers_in_note(note._to_backend_note()))
