"""Provides card HTML (Anki) and Markdown (Obsidian) rendered as terminal text, plain or styled."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from srs.render.htmltext import CLOZE_STYLE, IMAGE_STYLE, SOUND_STYLE, html_to_text
from srs.render.mathtext import math_to_unicode
from srs.render.richdoc import RichDoc, strip_control

__all__ = [
    "CLOZE_STYLE",
    "IMAGE_STYLE",
    "SOUND_STYLE",
    "RichDoc",
    "html_to_text",
    "markdown_to_text",
    "strip_control",
]

_WIKI_EMBED = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")
_HIGHLIGHT = re.compile(r"==(?=[^\s=])(.+?)(?<=[^\s=])==")
_IMAGE_EXTENSIONS = frozenset("png jpg jpeg gif svg webp bmp avif tif tiff ico".split())
_AV_EXTENSIONS = frozenset("mp3 ogg oga wav m4a flac aac opus webm mp4 mov mkv ogv 3gp".split())


def _highlight_rule(state: StateInline, silent: bool) -> bool:
    """Parse Obsidian ``==highlight==`` into ``<mark>`` around its inline content."""
    m = _HIGHLIGHT.match(state.src, state.pos, state.posMax)
    if m is None:
        return False
    if not silent:
        end_of_content, old_max = m.end(1), state.posMax
        state.push("mark_open", "mark", 1)
        state.pos, state.posMax = m.start(1), end_of_content
        state.md.inline.tokenize(state)
        state.push("mark_close", "mark", -1)
        state.posMax = old_max
    state.pos = m.end()
    return True


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    """Parse Obsidian ``[[note|alias]]`` links and ``![[file.png|300]]`` embeds."""
    m = _WIKI_EMBED.match(state.src, state.pos)
    if m is None:
        return False
    if not silent:
        target, _, alias = m.group(2).partition("|")
        token = state.push("wikilink", "", 0)
        token.meta = {"embed": bool(m.group(1)), "target": target.strip(), "alias": alias}
    state.pos = m.end()
    return True


def _render_wikilink(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    target = str(meta["target"])
    if meta["embed"]:
        name = target.split("#", 1)[0]
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension in _IMAGE_EXTENSIONS:
            return f'<img src="{html.escape(name)}">'
        if extension in _AV_EXTENSIONS:
            return html.escape(f"[sound:{name}]")
        return html.escape(f"[embed: {target}]")
    return html.escape(str(meta["alias"]) or target.split("#", 1)[0])


def _render_math(content: str, options: dict[str, object]) -> str:
    rendered = html.escape(math_to_unicode(content))
    return f"<div>{rendered}</div>" if options.get("display_mode") else f"<span>{rendered}</span>"


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(front_matter_plugin)
    md.use(
        dollarmath_plugin,
        allow_space=False,
        allow_digits=False,
        double_inline=True,
        renderer=_render_math,
    )
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.inline.ruler.before("emphasis", "highlight", _highlight_rule)
    md.add_render_rule("wikilink", _render_wikilink)
    return md


def markdown_to_text(source: str) -> RichDoc:
    """Render Obsidian-flavoured Markdown as terminal text.

    CommonMark plus tables, strikethrough, ``$..$``/``$$..$$`` math (as Unicode), front matter
    (dropped), ``==highlights==``, ``[[links|alias]]`` (shown as their text) and
    ``![[embeds]]`` (images and audio/video become placeholders listed on the result, other
    embeds a ``[embed: ..]`` marker). Inline HTML goes through :func:`html_to_text`.

    Args:
        source: the Markdown text.
    """
    return html_to_text(_markdown().render(strip_control(source)), math=False)
