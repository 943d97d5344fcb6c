"""Provides card rendering: Anki templates and clozes, HTML/Markdown/LaTeX to terminal text."""

from __future__ import annotations

from srs.render.mathtext import latex_to_unicode, math_to_unicode
from srs.render.templates import RenderedCard, TypeAnswer, cards_for_note, render_card
from srs.render.terminal import RichDoc, html_to_text, markdown_to_text, strip_control

__all__ = [
    "RenderedCard",
    "RichDoc",
    "TypeAnswer",
    "cards_for_note",
    "html_to_text",
    "latex_to_unicode",
    "markdown_to_text",
    "math_to_unicode",
    "render_card",
    "strip_control",
]
