"""Card syntaxes, note selection, decks and tags of the vault parser (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.vault.options import VaultOptions
from importers.vault.parser import parse_note
from importers.vault.records import CardKind, SourceCard

OPTS = VaultOptions()


def parse(text: str, options: VaultOptions = OPTS, path: str = "n.md") -> list[SourceCard]:
    return parse_note(path, text, options, path.rpartition("/")[0]).cards


def pairs(text: str, options: VaultOptions = OPTS) -> list[tuple[CardKind, str, str]]:
    return [(c.kind, c.front, c.back) for c in parse(text, options)]


def test_inline_basic_and_reversed_longest_separator_wins() -> None:
    text = "#flashcards\n\nCapital of France::Paris\nHello:::Bonjour\n"
    assert pairs(text) == [
        (CardKind.BASIC, "Capital of France", "Paris"),
        (CardKind.REVERSED, "Hello", "Bonjour"),
    ]
    cards = parse(text)
    assert cards[0].ords == (0,) and cards[1].ords == (0, 1)
    assert (cards[0].line, cards[1].line) == (3, 4)


def test_multiline_cards_take_the_paragraph_around_the_separator() -> None:
    text = (
        "#flashcards\n\nFirst line\nsecond line\n?\nanswer one\nanswer two\n\n"
        "Front\n??\nBack\n\n?\nno front, not a card\n"
    )
    assert pairs(text) == [
        (CardKind.BASIC, "First line\nsecond line", "answer one\nanswer two"),
        (CardKind.REVERSED, "Front", "Back"),
    ]
    assert parse(text)[0].line == 3 and parse(text)[0].end_line == 7


def test_question_answer_block() -> None:
    text = "#flashcards\n\nQ: Who wrote\nthe book?\nA: Sutton\nand Barto\n\nnext paragraph\n"
    assert pairs(text) == [(CardKind.BASIC, "Who wrote\nthe book?", "Sutton\nand Barto")]


def test_highlight_cloze_each_deletion_is_a_card() -> None:
    (card,) = parse("#flashcards\n\nThe ==trace== is the sum of the ==diagonal==.\n")
    assert card.kind == CardKind.CLOZE
    assert card.front == "The {{c1::trace}} is the sum of the {{c2::diagonal}}."
    assert card.ords == (0, 1)


def test_numbered_and_hinted_clozes_share_numbers() -> None:
    (card,) = parse(
        "#flashcards\n\n==1;;Paris;;city== is in ==2;;France== near ==1;;Versailles==\n"
    )
    assert card.front == "{{c1::Paris::city}} is in {{c2::France}} near {{c1::Versailles}}"
    assert card.ords == (0, 1)


def test_anki_clozes_always_and_their_colons_are_no_separator() -> None:
    (card,) = parse("#flashcards\n\n{{c1::Canberra::city}} is the capital of {{c2::Australia}}\n")
    assert card.kind == CardKind.CLOZE
    assert card.front == "{{c1::Canberra::city}} is the capital of {{c2::Australia}}"
    assert card.ords == (0, 1)


def test_bold_and_curly_clozes_are_opt_in() -> None:
    text = "#flashcards\n\nThe **mitochondria** is the {{powerhouse}}.\n"
    assert parse(text) == []
    opts = VaultOptions(cloze_bold=True, cloze_curly=True, cloze_highlight=False)
    (card,) = parse(text, opts)
    assert card.front == "The {{c1::mitochondria}} is the {{c2::powerhouse}}."


def test_code_comments_and_math_never_yield_cards() -> None:
    text = (
        "#flashcards\n\n"
        "```python\nx = {'a::b': 1}\n\ny = '==no=='\n```\n\n"
        "~~~\nq::a\n~~~\n\n"
        "Use `a::b` in code\n\n"
        "    indented::code\n\n"
        "<!-- hidden::comment\nstill::hidden -->\n\n"
        "%% obsidian::comment\n\nq::a %%\n\n"
        "$$\nx::y\n$$\n\n"
        "Inline math $a::b$ is not a card\n\n"
        "real::card\n"
    )
    assert pairs(text) == [(CardKind.BASIC, "real", "card")]


def test_code_inside_a_multiline_card_stays_in_it() -> None:
    text = "#flashcards\n\nWhat does this print?\n```python\nprint('a::b')\n\n```\n?\nthe text\n"
    (card,) = parse(text)
    assert card.kind == CardKind.BASIC
    assert card.front == "What does this print?\n```python\nprint('a::b')\n\n```"
    assert card.back == "the text"


def test_math_inside_cards_stays_as_written() -> None:
    (card,) = parse("#flashcards\n\nPPO clips to ==$[1-\\epsilon, 1+\\epsilon]$==.\n")
    assert card.front == "PPO clips to {{c1::$[1-\\epsilon, 1+\\epsilon]$}}."


def test_only_notes_with_the_flashcards_tag_unless_all_notes() -> None:
    text = "Meeting:: 10:00\nRatio 3::4\n"
    assert parse(text) == []
    assert len(parse(text, VaultOptions(all_notes=True))) == 2
    assert parse("Mentions flashcards but no tag\nq::a\n") == []
    assert parse("`#flashcards` in code\nq::a\n") == []
    assert len(parse("---\ntags: [flashcards/x]\n---\nq::a\n")) == 1
    assert len(parse("---\ntags:\n  - other\n  - flashcards\n---\nq::a\n")) == 1
    assert len(parse("q::a\n\n#review\n", VaultOptions(flashcard_tags=("review",)))) == 1


def test_decks_from_nested_tags_apply_to_the_cards_after_them() -> None:
    text = (
        "---\ntags: flashcards/base\n---\nq0::a0\n\n#flashcards/ml/rl\n\nq1::a1\n\n"
        "#flashcards/math\nq2::a2\n#flashcards/own q3::a3\n"
    )
    assert [(c.front, c.deck) for c in parse(text)] == [
        ("q0", "base"),
        ("q1", "ml::rl"),
        ("q2", "math"),
        ("q3", "own"),
    ]
    assert parse("#flashcards\nq::a\n")[0].deck == "Default"


def test_decks_from_folders_and_obsidian_tags_become_card_tags() -> None:
    text = "---\ntags: [ml, area/sub]\n---\n#flashcards #todo\nq::a\n"
    (card,) = parse(text, VaultOptions(decks_from_folders=True), path="School/Bio/n.md")
    assert card.deck == "School::Bio"
    assert card.tags == ("area::sub", "ml", "todo")


def test_block_id_is_read_and_stripped() -> None:
    text = "#flashcards\n\nq::a ^card-1\n\nFront\n?\nBack\n^multi\n"
    cards = parse(text)
    assert [(c.front, c.back, c.block_id) for c in cards] == [
        ("q", "a", "card-1"),
        ("Front", "Back", "multi"),
    ]


def test_legacy_schedules_sm2_multi_and_fsrs() -> None:
    text = (
        "#flashcards\n\nq::a\n<!--SR:!2026-11-20,12,250-->\n\n"
        "x:::y <!--SR:!2026-12-01,3,230!2000-01-01,1,250-->\n\n"
        "f::g <!--SR:!fsrs,2026-12-05T10:00:00.000Z,8,7.5,4.2,2,5,1,0,2026-11-27T10:00:00.000Z-->\n"
    )
    a, b, c = parse(text)
    assert a.back == "a" and a.schedules[0] is not None
    assert (a.schedules[0].due, a.schedules[0].interval_days, a.schedules[0].ease_permille) == (
        date(2026, 11, 20),
        12,
        2500,
    )
    assert b.back == "y" and len(b.schedules) == 2 and b.schedules[1] is None
    assert b.schedules[0] is not None and b.schedules[0].ease_permille == 2300
    fsrs = c.schedules[0]
    assert fsrs is not None and (fsrs.stability, fsrs.difficulty, fsrs.reps, fsrs.lapses) == (
        7.5,
        4.2,
        5,
        1,
    )
    assert fsrs.last_review == datetime(2026, 11, 27, 10, tzinfo=UTC)


def test_malformed_cards_are_reported_with_their_line_and_the_rest_kept() -> None:
    parsed = parse_note("n.md", "#flashcards\n\n::no front\nno back::\nok::fine\n", OPTS)
    assert [(c.front, c.back) for c in parsed.cards] == [("ok", "fine")]
    assert [str(p) for p in parsed.problems] == [
        "n.md:3: card has an empty front",
        "n.md:4: card has an empty back",
    ]
    bad = parse_note("n.md", "#flashcards\nq::a <!--SR:!notadate,1,250-->\n", OPTS)
    assert len(bad.cards) == 1 and "schedule" in str(bad.problems[0])


@pytest.mark.parametrize(
    ("options", "text", "expected"),
    [
        (VaultOptions(inline_separator=";;", inline_reversed_separator=";;;"), "a;;b\nc;;;d\n", 2),
        (VaultOptions(multiline_separator="---?"), "front\n---?\nback\n", 1),
    ],
)
def test_separators_are_configurable(options: VaultOptions, text: str, expected: int) -> None:
    assert len(parse("#flashcards\n\n" + text, options)) == expected


def test_schedule_in_the_plugin_callout_belongs_to_the_card_above() -> None:
    text = "#flashcards\n\nq::a\n> [!sr|card-metadata]\n> <!--SR:!2026-11-20,4,270-->\nnext::card\n"
    first, second = parse(text)
    assert (first.front, first.back, first.end_line) == ("q", "a", 5)
    assert first.schedules[0] is not None and first.schedules[0].ease_permille == 2700
    assert (second.front, second.schedules) == ("next", ())


PIECES = [
    "#flashcards",
    "#flashcards/a/b",
    "q::a",
    "x:::y",
    "?",
    "??",
    "Q: q",
    "A: a",
    "==c==",
    "{{c1::t::h}}",
    "**b**",
    "`code::x`",
    "$m::n$",
    "$$",
    "```",
    "~~~",
    "%%",
    "<!--",
    "-->",
    "<!--SR:!2026-01-01,3,250-->",
    "^id-1",
    "    indented::x",
    "- item::y",
    "> quote::z",
    "---",
    "",
    " ",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30), st.booleans())
def test_any_mix_of_syntax_parses_without_error(pieces: list[str], all_notes: bool) -> None:
    text = "\n".join(pieces)
    parsed = parse_note("n.md", text, VaultOptions(all_notes=all_notes))
    lines = text.split("\n")
    for card in parsed.cards:
        assert 1 <= card.line <= card.end_line <= len(lines)
        assert card.front.strip() and (card.kind == CardKind.CLOZE or card.back.strip())
        assert card.ords and len(card.schedules) <= len(card.ords)
    for problem in parsed.problems:
        assert 1 <= problem.line <= len(lines)


def test_separator_line_must_be_exactly_the_separator() -> None:
    assert parse("#flashcards\n\nfront\n`x` ?\nback\n") == []
    assert pairs("#flashcards\n\nfront\n  ?  \nback\n") == [(CardKind.BASIC, "front", "back")]
