"""The masking of non-card regions: the linear fence scan agrees with markdown-it-py wherever
it is used, and the view blanks code, math and comments without moving text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from importers.vault.markdown import (
    LineKind,
    mask_note,
    needs_block_parser,
    opaque_lines_markdown_it,
    opaque_lines_simple,
)

LINES = [
    "```",
    "```python",
    "````",
    "~~~",
    "~~~~ text",
    "  ```",
    "text",
    "q::a",
    "",
    "# heading",
    "===",
    "---",
    "- item",
    "1. item",
    "| a | b |",
    "<!-- one line -->",
    "$$",
    "x = 1 ``` not a fence",
    "```` ``` ````",
    "$$x = 1$$",
    "  $$ y $$  ",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=25))
def test_simple_fence_scan_agrees_with_markdown_it(lines: list[str]) -> None:
    lines = ["intro", *lines]  # front matter is cut off before either scan runs
    body = "\n".join(lines)
    if needs_block_parser(body):
        return
    assert opaque_lines_simple(lines) == opaque_lines_markdown_it(body, ("fence",))


def test_containers_and_indentation_go_to_markdown_it() -> None:
    assert needs_block_parser("- item\n    ```\n")
    assert needs_block_parser("> ```\n> code\n")
    assert needs_block_parser("<div>\n```\n</div>\n")
    assert needs_block_parser("- ```\n  code\n  ```\n")
    assert needs_block_parser("$$\n```\n$$\n")
    assert not needs_block_parser("<!--SR:!2026-01-01,1,250-->\n```\ncode\n```\n$$x$$\n")


def test_view_keeps_positions_and_blanks_non_card_text() -> None:
    text = "a `x::y` b $m::n$ c %% hid::den %% d <!-- h::c --> e\n$$\nq::a\n\n$$\nend"
    masked = mask_note(text)
    assert [len(v) for v in masked.view] == [len(line) for line in masked.lines]
    assert "::" not in "".join(masked.view)
    assert masked.view[0].split() == ["a", "b", "c", "d", "e"]
    assert masked.kinds[3] == LineKind.OPAQUE  # blank line inside display math


def test_comment_lines_are_hidden_and_do_not_end_blocks() -> None:
    masked = mask_note("front\n%% note\n\nstill comment %%\n?\nback\n<!-- c -->\n")
    assert masked.kinds == [
        LineKind.TEXT,
        LineKind.HIDDEN,
        LineKind.HIDDEN,
        LineKind.HIDDEN,
        LineKind.TEXT,
        LineKind.TEXT,
        LineKind.HIDDEN,
        LineKind.BLANK,
    ]


def test_front_matter_and_indented_code_are_not_scanned() -> None:
    masked = mask_note("---\ntags: [a::b]\n---\npara\n\n    code::x\n\n- list\n    - nested::y\n")
    assert masked.front_matter == ["tags: [a::b]"]
    assert masked.kinds[5] == LineKind.OPAQUE
    assert "nested::y" in masked.view[8]
