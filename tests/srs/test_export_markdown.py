"""Obsidian Markdown rendered as the HTML an Anki field holds."""

from __future__ import annotations

import pytest

from srs.export.markdown import markdown_to_anki
from srs.export.media import field_refs


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("What is **X**?", "What is <strong>X</strong>?"),
        ("Solve $x^2<4$ now", "Solve \\(x^2&lt;4\\) now"),
        ("$$\\int_0^1 x\\,dx$$", "\\[\\int_0^1 x\\,dx\\]"),
        ("cost $5 and $6", "cost $5 and $6"),
        (
            "![[pic one.png|300]] and [[Note|alias]]",
            '<img src="pic one.png" width="300"> and alias',
        ),
        ("![a](pic%20one.png)", '<img src="pic one.png" alt="a">'),
        (
            "The {{c1::Paris::capital}} is {{c2::**big**}}",
            "The {{c1::Paris::capital}} is {{c2::<strong>big</strong>}}",
        ),
        ("one\ntwo\n\n- a\n- b", "<p>one<br />\ntwo</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("   ", ""),
    ],
)
def test_markdown_becomes_anki_html(source: str, html: str) -> None:
    assert markdown_to_anki(source) == html


def test_rendered_images_are_found_as_media() -> None:
    html = markdown_to_anki(
        "![[pic one.png]] ![x](a%26b.png) [sound:x.mp3] ![r](https://e.org/r.png)"
    )
    assert field_refs(html) == {"pic one.png", "a&b.png", "x.mp3"}
