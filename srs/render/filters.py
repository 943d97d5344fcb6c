"""Provides Anki's built-in template filters: text, hint, type, cloze, furigana, tts."""

from __future__ import annotations

import hashlib
import html
import re

from srs.render.cloze import cloze_filter, cloze_only_filter

_HTML_RE = re.compile(
    r"(<!--.*?-->)|(<style.*?>.*?</style>)|(<script.*?>.*?</script>)|(<.*?>)",
    re.DOTALL | re.IGNORECASE,
)
_FURIGANA_RE = re.compile(r" ?([^ >]+?)\[(.+?)\]")


def strip_html(text: str) -> str:
    """Remove tags, comments, styles and scripts and decode entities, like Anki's strip_html."""
    stripped = _HTML_RE.sub("", text)
    return html.unescape(stripped).replace("\xa0", " ") if "&" in stripped else stripped


def _furigana(text: str, mode: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(2).startswith("sound:"):
            return m.group(0)
        if mode == "kana":
            return m.group(2)
        if mode == "kanji":
            return m.group(1)
        return f"<ruby><rb>{m.group(1)}</rb><rt>{m.group(2)}</rt></ruby>"

    return _FURIGANA_RE.sub(repl, text.replace("&nbsp;", " "))


def _hint(text: str, field_name: str) -> str:
    if not text.strip():
        return text
    # Anki derives the id from blake3; any stable id works for the DOM.
    digest = hashlib.blake2b((text + field_name).encode(), digest_size=8).hexdigest()
    return (
        '\n<a class=hint href="#"\nonclick="this.style.display=\'none\';\n'
        f"document.getElementById('hint{digest}').style.display='block';\n"
        f'return false;" draggable=false>\n{field_name}</a>\n'
        f'<div id="hint{digest}" class=hint style="display: none">{text}</div>\n'
    )


def apply_filters(text: str, filters: list[str], key: str, card_ord: int, question: bool) -> str:
    """Apply a replacement's filters (in application order) to a field's text, like Anki.

    Args:
        text: the field's content.
        filters: filter names, innermost first (``{{a:b:F}}`` gives ``["b", "a"]``).
        key: the field name (used by ``type`` and ``hint``).
        card_ord: the card ordinal (0 = c1), for the cloze filters.
        question: whether the question side is being rendered.
    """
    if filters == ["cloze", "type"]:
        filters = ["type-cloze"]
    elif filters == ["nc", "type"]:
        filters = ["type-nc"]
    elif filters and filters[-1] == "type":
        filters = ["type"]
    for name in filters:
        if name == "text":
            text = strip_html(text)
        elif name in ("furigana", "kanji", "kana"):
            text = _furigana(text, name)
        elif name == "type":
            text = f"[[type:{key}]]"
        elif name == "type-cloze":
            text = f"[[type:cloze:{key}]]"
        elif name == "type-nc":
            text = f"[[type:nc:{key}]]"
        elif name == "hint":
            text = _hint(text, key)
        elif name == "cloze":
            text = cloze_filter(text, card_ord, question)
        elif name == "cloze-only":
            text = cloze_only_filter(text, card_ord, question)
        elif name.startswith("tts "):
            text = f"[anki:tts lang={name[4:]}]{text}[/anki:tts]"
        elif name != "":
            # Anki hands an unknown filter and every later one to add-ons; with none
            # installed, the text stays as it is.
            break
    return text
