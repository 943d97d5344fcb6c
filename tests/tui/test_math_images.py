"""Tests for block formulas as images: mathtext rendering to cached PNGs, the Unicode fallback,
and the card display drawing ``$$..$$`` / ``\\[..\\]`` as images only when graphics are on."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image as PILImage
from textual.widgets import Static

from importers.vault import import_vault
from srs.collection import Collection
from srs.render import math_to_unicode
from tests.tui.conftest import AppFactory
from tui import math_images
from tui.math_images import formula_png
from tui.rendering import render_side
from tui.screens.review import ReviewScreen

ATTENTION = r"\mathrm{softmax}\left(\frac{QK^T}{\sqrt{d_k}}\right)V"


def test_renders_an_ml_formula_in_the_given_colour(tmp_path: Path) -> None:
    path = formula_png(ATTENTION, color="#112233", folder=tmp_path)
    assert path is not None and path.parent == tmp_path
    with PILImage.open(path) as image:
        assert image.format == "PNG"
        rgba = image.convert("RGBA")
    width, height = rgba.size
    assert width > height > 0  # a fraction on one line: wider than tall
    pixels = [rgba.getpixel((x, y)) for x in range(width) for y in range(height)]
    opaque = [p for p in pixels if isinstance(p, tuple) and p[3] == 255]
    clear = [p for p in pixels if isinstance(p, tuple) and p[3] == 0]
    assert opaque and clear  # ink on a transparent background
    assert {p[:3] for p in opaque} == {(0x11, 0x22, 0x33)}


def test_the_cache_is_reused_and_keyed_by_colour(tmp_path: Path) -> None:
    first = formula_png(r"\sum_{i=1}^{n} x_i^2", color="#ffffff", folder=tmp_path)
    assert first is not None
    stamp = first.stat().st_mtime_ns
    before = math_images.renders
    again = formula_png(r"\sum_{i=1}^{n}   x_i^2", color="#ffffff", folder=tmp_path)
    assert again == first and first.stat().st_mtime_ns == stamp
    assert math_images.renders == before  # served from the cache, not drawn again
    other = formula_png(r"\sum_{i=1}^{n} x_i^2", color="#000000", folder=tmp_path)
    assert other is not None and other != first
    assert math_images.renders == before + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, other.name])


def test_the_cache_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(math_images.CACHE_ENV, str(tmp_path / "m"))
    path = formula_png("e^{i\\pi} + 1 = 0", color="#abcdef")
    assert path is not None and path.parent == tmp_path / "m"


@pytest.mark.parametrize(
    "latex",
    [
        r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",  # environments: not in mathtext
        r"\notacommand{x} + 1",  # unknown command
        r"x^{2",  # unbalanced brace
        r"a $ b",  # would end mathtext's math mode
        "x" * 2000,  # too long to be worth an image
        "   ",
    ],
)
def test_unsupported_formulas_fall_back(tmp_path: Path, latex: str) -> None:
    assert formula_png(latex, color="#ffffff", folder=tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_a_bad_colour_falls_back(tmp_path: Path) -> None:
    assert formula_png("x^2", color="red; rm -rf /", folder=tmp_path) is None


def test_block_formulas_become_parts_only_when_asked() -> None:
    html = r"Attention: \[" + ATTENTION.replace("<", "&lt;") + r"\] and inline \(x^2\) after"
    plain = render_side(html, "html")
    assert [p.kind for p in plain.parts] == ["text"]
    split = render_side(html, "html", block_math=True)
    assert [p.kind for p in split.parts] == ["text", "math", "text"]
    math = split.parts[1]
    assert math.name == ATTENTION
    assert math.text.plain == math_to_unicode(ATTENTION)
    assert "x²" in split.parts[2].text.plain  # inline math stays Unicode text
    assert split.plain.replace("\n", " ").split() == plain.plain.replace("\n", " ").split()
    md = render_side("Energy\n\n$$E = mc^2$$\n\nand $a$ inline", "markdown", block_math=True)
    assert [(p.kind, p.name) for p in md.parts] == [
        ("text", ""), ("math", "E = mc^2"), ("text", "")
    ]  # fmt: skip
    assert render_side(r"price \$$5 and \$$6", "markdown", block_math=True).parts[0].kind == "text"


def _attention_card(col: Collection, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "ml.md").write_text(
        f"#flashcards\n\nScaled dot-product attention\n?\n$$\n{ATTENTION}\n$$\n"
    )
    import_vault(col.store, vault)


# textual-image 0.12 still calls a Pillow API that Pillow 13 deprecates; not ours.
@pytest.mark.filterwarnings("ignore:Image.Image.getdata is deprecated:DeprecationWarning")
async def test_block_formula_is_an_image_when_the_terminal_has_graphics(
    col: Collection, make: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual_image.widget import Image

    cache = tmp_path / "cache"
    monkeypatch.setenv(math_images.CACHE_ENV, str(cache))
    _attention_card(col, tmp_path)
    app = make(start_in_review=True, graphics=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert len(screen.query(Image)) == 0  # the question has no formula
        await pilot.press("space")
        await pilot.pause()
        images = list(screen.query(".card-math").results(Image))
        assert len(images) == 1
        texts = " ".join(str(s.content) for s in screen.query(".card-text").results(Static))
        assert "softmax" not in texts  # drawn, not repeated as text
    (png,) = cache.iterdir()
    with PILImage.open(png) as image:
        assert image.width > 0


async def test_block_formula_is_unicode_text_without_graphics(
    col: Collection, make: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(math_images.CACHE_ENV, str(cache))
    _attention_card(col, tmp_path)
    app = make(start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("space")
        await pilot.pause()
        assert len(screen.query(".card-math")) == 0
        texts = " ".join(str(s.content) for s in screen.query(".card-text").results(Static))
        assert math_to_unicode(ATTENTION) in texts
    assert not cache.exists()  # nothing rendered, matplotlib never asked
