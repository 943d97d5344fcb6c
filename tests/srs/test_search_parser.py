"""parse_query: precedence, quoting, escapes, keys and the errors it reports."""

from __future__ import annotations

import pytest

from srs.errors import SearchSyntaxError
from srs.search import parse_query
from srs.search.nodes import (
    And,
    DaysSearch,
    DeckSearch,
    FieldSearch,
    FlagSearch,
    IdSearch,
    Node,
    Not,
    NotetypeSearch,
    Or,
    PresetSearch,
    PropSearch,
    RatedSearch,
    StateSearch,
    TagSearch,
    TemplateSearch,
    TextSearch,
    WholeCollection,
)
from srs.search.text import (
    glob_regex,
    is_glob,
    strip_clozes,
    to_like,
    to_regex,
    to_text,
    without_combining,
)


def t(text: str) -> TextSearch:
    return TextSearch(text)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("", WholeCollection()),
        ("   \t\n", WholeCollection()),
        ("dog", t("dog")),
        ("dog cat", And((t("dog"), t("cat")))),
        ("dog and cat", And((t("dog"), t("cat")))),
        ("dog\u3000cat", And((t("dog"), t("cat")))),
        ("dog\u00a0cat", And((t("dog"), t("cat")))),
        ("dog or cat", Or((t("dog"), t("cat")))),
        ("dog OR cat", Or((t("dog"), t("cat")))),
        ("a b or c", Or((And((t("a"), t("b"))), t("c")))),
        ("a or b c", Or((t("a"), And((t("b"), t("c")))))),
        ("a or b and c or d", Or((t("a"), And((t("b"), t("c"))), t("d")))),
        ("a (b or c)", And((t("a"), Or((t("b"), t("c")))))),
        ("-a", Not(t("a"))),
        ("-a b", And((Not(t("a")), t("b")))),
        ("-(a or b)", Not(Or((t("a"), t("b"))))),
        ("a-b", t("a-b")),
        ("-", t("-")),
        ("((a))", t("a")),
        ("(a)(b)", And((t("a"), t("b")))),
        ('a"b c"', And((t("a"), t("b c")))),
        ('"a dog"', t("a dog")),
        ('"and"', t("and")),
        ('"a \\" b"', t('a " b')),
        ("\\(x\\)", t("(x)")),
        ("\\-free", t("-free")),
        ("3\\:30", t("3:30")),
        ("d\\_g", t("d\\_g")),
        ("d\\*g", t("d\\*g")),
        ("back\\\\slash", t("back\\\\slash")),
        ("front:dog", FieldSearch("front", "dog")),
        ("front:", FieldSearch("front", "")),
        ("a:b:c", FieldSearch("a", "b:c")),
        ('"animal front:a dog"', FieldSearch("animal front", "a dog")),
        ('front:"a dog"', FieldSearch("front", "a dog")),
        ("front:re:^d.g$", FieldSearch("front", "^d.g$", "regex")),
        ("fr\\:ont:x", FieldSearch("fr:ont", "x")),
        ("re:a\\d", TextSearch("a\\d", "regex")),
        ("w:dog", TextSearch("dog", "word")),
        ("nc:uber", TextSearch("uber", "nc")),
        ('"sc:capital of"', TextSearch("capital of", "sc")),
        ("front:nc:uber", FieldSearch("front", "uber", "nc")),
        ("tag:nc:uber", TagSearch("uber", "nc")),
        ("deck:French::Words", DeckSearch("French::Words")),
        ('deck:"A B"', DeckSearch("A B")),
        ('"deck:A B"', DeckSearch("A B")),
        ("DECK:x", DeckSearch("x")),
        ("deck:", DeckSearch("")),
        ("tag:x::y", TagSearch("x::y")),
        ("tag:re:^x$", TagSearch("^x$", "regex")),
        ("note:Basic", NotetypeSearch("Basic")),
        ("preset:Default", PresetSearch("Default")),
        ("card:1", TemplateSearch(ordinal=0)),
        ("card:0", TemplateSearch(ordinal=0)),
        ("card:3", TemplateSearch(ordinal=2)),
        ("card:Forward", TemplateSearch(name="Forward")),
        ("is:due", StateSearch("due")),
        ("is:buried-manually", StateSearch("buried-manually")),
        ("flag:7", FlagSearch(7)),
        ("nid:1,22,333", IdSearch("nid", (1, 22, 333))),
        ("cid:5", IdSearch("cid", (5,))),
        ("prop:ivl>=10", PropSearch("ivl", ">=", 10)),
        ("prop:due=-1", PropSearch("due", "=", -1)),
        ("prop:ease!=2.5", PropSearch("ease", "!=", 2.5)),
        ("prop:reps<10", PropSearch("reps", "<", 10)),
        ("prop:lapses>3", PropSearch("lapses", ">", 3)),
        ("prop:pos<=100", PropSearch("pos", "<=", 100)),
        ("prop:s>21", PropSearch("s", ">", 21.0)),
        ("prop:d>0.3", PropSearch("d", ">", 0.3)),
        ("prop:r<0.9", PropSearch("r", "<", 0.9)),
        ("prop:rated=-7", RatedSearch("=", -7)),
        ("prop:rated=0:2", RatedSearch("=", 0, 2)),
        ("prop:resched=0", RatedSearch("=", 0, 0)),
        ("rated:1", RatedSearch(">", -1)),
        ("rated:0", RatedSearch(">", -1)),
        ("rated:7:1", RatedSearch(">", -7, 1)),
        ("resched:3", RatedSearch(">", -3, 0)),
        ("added:7", DaysSearch("added", 7)),
        ("added:0", DaysSearch("added", 1)),
        ("edited:2", DaysSearch("edited", 2)),
        ("introduced:365", DaysSearch("introduced", 365)),
        (
            'hello  -(world and "foo:bar baz") OR test',
            Or(
                (
                    And((t("hello"), Not(And((t("world"), FieldSearch("foo", "bar baz")))))),
                    t("test"),
                )
            ),
        ),
    ],
)
def test_parses(query: str, tree: Node) -> None:
    assert parse_query(query) == tree


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(dog", "never closed"),
        ("dog (cat or (mouse)", "never closed"),
        ("dog)", "closes no"),
        ("()", "empty parentheses"),
        ('"dog', "never closed"),
        ('"dog\\"', "never closed"),
        ('""', "empty quotes"),
        ("and dog", "'and' must come between"),
        ("dog or", "'or' must come between"),
        ("dog or and cat", "'and' must come between"),
        (":dog", "nothing before it"),
        ("dog\\", "backslash"),
        ("a\\b", "unknown escape '\\b'"),
        ("deck:a\\b", "unknown escape"),
        ("flag:8", "flag:8"),
        ("flag:", "flag:0 to flag:7"),
        ("is:fresh", "is:fresh is unknown"),
        ("prop:foo>1", "names no property"),
        ("prop:ivl", "needs one of"),
        ("prop:ivl>ten", "positive whole number"),
        ("prop:ivl>-1", "positive whole number"),
        ("prop:due>x", "whole number"),
        ("prop:ease>x", "needs a number"),
        ("prop:rated=1", "0 or negative"),
        ("rated:2:5", "answer button must be 1 to 4"),
        ("rated:x", "positive whole number"),
        ("nid:1,,2", "numbers separated by commas"),
        ("has-cd:v", "not supported"),
        ("dupe:1,x", "not supported"),
    ],
)
def test_reports_errors(query: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        parse_query(query)
    assert message in str(caught.value)
    assert caught.value.query == query
    assert repr(query) in str(caught.value)


def test_text_conversions() -> None:
    assert to_like("a*b_c%") == "a%b_c\\%"
    assert to_like("a\\*b\\_c\\\\") == "a*b\\_c\\\\"
    assert to_regex("a*b_c.") == "a.*b.c\\."
    assert to_regex("a\\*b\\_c", r"\S") == "a\\*b_c"
    assert to_regex("x*", r"\S") == "x\\S*"
    assert to_text("a\\*b\\_c\\\\") == "a*b_c\\"
    assert is_glob("a*") and is_glob("_") and is_glob("\\\\*")
    assert not is_glob("a\\*") and not is_glob("plain")
    assert glob_regex("Basic (x)") == "(?i)^Basic\\ \\(x\\)\\Z"
    assert glob_regex("fr*") == "(?i)^fr.*\\Z"
    assert without_combining("Über heißen Œuvre café") == "Uber heisen OEuvre cafe"
    assert without_combining("plain") == "plain"
    assert strip_clozes("The {{c1::moon::a hint}} {{c2,3::orbits}} us") == "The moon orbits us"
