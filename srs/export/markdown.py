"""Provides ``markdown_to_anki``: the Obsidian-flavoured Markdown of a vault card as the HTML
Anki shows.

CommonMark plus tables and strikethrough; ``$..$`` / ``$$..$$`` math become MathJax
``\\(..\\)`` / ``\\[..\\]`` (Anki renders both); ``![[pic.png|300]]`` embeds and
``![alt](pic.png)`` images become ``<img src="pic.png">`` with the media name as Anki stores
it (not percent-encoded); ``[[note|alias]]`` links become their text. Anki cloze markup
(``{{c1::..}}``) passes through untouched. A field that is a single paragraph is not wrapped
in ``<p>``, as Anki's editor would store it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin

_WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]*))?\]\]")
_SINGLE_PARAGRAPH = re.compile(r"\A<p>((?:(?!</?p>).)*)</p>\n?\Z", re.DOTALL)
_SIZE = re.compile(r"^(\d+)(?:x(\d+))?$")


def _wikilink(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] not in "![":
        return False
    match = _WIKILINK.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.meta = {
            "embed": bool(match.group(1)),
            "target": match.group(2).strip(),
            "alias": match.group(3),
        }
    state.pos = match.end()
    return True


def _render_wikilink(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    target = str(meta["target"]).split("#", 1)[0]
    alias = meta["alias"]
    if not meta["embed"]:
        return html.escape(str(alias) if alias else target)
    size = _SIZE.match((alias or "").strip())
    attrs = ""
    if size is not None:
        attrs = f' width="{size.group(1)}"'
        if size.group(2):
            attrs += f' height="{size.group(2)}"'
    return f'<img src="{html.escape(target)}"{attrs}>'


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = unquote(str(token.attrGet("src") or ""))
    alt = self.renderInlineAsText(token.children or [], options, env)
    alt_attr = f' alt="{html.escape(alt)}"' if alt else ""
    return f'<img src="{html.escape(src)}"{alt_attr}>'


def _inline_math(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    body = html.escape(tokens[idx].content.strip(), quote=False)
    return f"\\({body}\\)"


def _display_math(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    body = html.escape(tokens[idx].content.strip(), quote=False)
    block = tokens[idx].block and tokens[idx].type != "math_inline_double"
    return f"\\[{body}\\]" + ("\n" if block else "")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(["table", "strikethrough"])
    md.use(
        dollarmath_plugin,
        allow_space=False,
        allow_digits=False,
        double_inline=True,
    )
    md.add_render_rule("math_inline", _inline_math)
    for rule in ("math_inline_double", "math_block", "math_block_label"):
        md.add_render_rule(rule, _display_math)
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.add_render_rule("wikilink", _render_wikilink)
    md.add_render_rule("image", _render_image)
    return md


def markdown_to_anki(source: str) -> str:
    """Render one field's Markdown as Anki HTML.

    Args:
        source: the field as stored (Markdown, possibly with Anki cloze markup).

    Returns:
        HTML for Anki's note field; "" for an empty field.
    """
    if not source.strip():
        return ""
    out: str = _markdown().render(source)
    single = _SINGLE_PARAGRAPH.match(out)
    if single is not None:
        return str(single.group(1))
    return out.rstrip("\n")
