"""Pilot tests of the review screen: whole sessions driven by key presses, checked in the
database through the Collection API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Static, TextArea

from srs.clock import FixedClock
from srs.collection import Collection
from srs.domain import BuryKind, CardState, Rating
from tests.tui.conftest import AppFactory
from tui.screens.decks import DeckListScreen
from tui.screens.review import ReviewScreen
from tui.screens.summary import SummaryScreen
from tui.widgets.study_bar import StudyBar


def _cards(col: Collection, n: int, deck: str = "Default") -> list[int]:
    for i in range(n):
        col.add_basic(f"question {i}", f"answer {i}", deck=deck)
    return col.search("", limit=None)


async def test_session_rates_cards_and_stores_each_answer(
    col: Collection, make: AppFactory
) -> None:
    ids = _cards(col, 3)
    app = make(start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        seen = []
        for key in ("3", "1", "4"):
            card = screen.card
            assert card is not None
            seen.append((card.card_id, key))
            await pilot.press("space")
            assert screen.answer_shown
            await pilot.press(key)
        for card_id, key in seen:
            ratings = [r.rating for r in col.history(card_id)]
            assert ratings == [int(key)], (card_id, ratings)
        assert {c for c, _ in seen} == set(ids)
        # Again puts a card in learning; Easy graduates it.
        states = {c: col.card(c).sched.state for c, _ in seen}
        assert states[seen[1][0]] == CardState.LEARNING
        assert states[seen[2][0]] == CardState.REVIEW
        assert screen.stats.cards == 3 and screen.stats.again == 1


async def test_rating_keys_do_nothing_before_the_answer_is_shown(
    col: Collection, make: AppFactory
) -> None:
    (card_id,) = _cards(col, 1)
    app = make(start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        assert col.history(card_id) == []
        await pilot.press("enter", "enter")  # Enter shows the answer, Enter again is Good
        assert [r.rating for r in col.history(card_id)] == [int(Rating.GOOD)]


async def test_counts_follow_the_engine(col: Collection, make: AppFactory) -> None:
    _cards(col, 2)
    app = make(start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        bar = screen.query_one(StudyBar)
        assert (bar.new, bar.learn, bar.review) == (2, 0, 0)
        await pilot.press("space", "1")
        state = col.study_state(None)
        assert (bar.new, bar.learn, bar.review) == (state.new, state.learn, state.review)
        assert (state.new, state.learn) == (1, 1)


async def test_undo_reverts_several_answers(col: Collection, make: AppFactory) -> None:
    _cards(col, 3)
    app = make(start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        first = screen.card
        assert first is not None
        await pilot.press("space", "3")
        second = screen.card
        assert second is not None
        await pilot.press("space", "4")
        assert col.history(first.card_id) and col.history(second.card_id)
        await pilot.press("u")
        assert col.history(second.card_id) == []
        assert col.history(first.card_id) != []
        assert screen.card is not None and screen.card.card_id == second.card_id
        await pilot.press("u")
        assert col.history(first.card_id) == []
        assert col.card(first.card_id).sched.state == CardState.NEW
        assert screen.stats.cards == 0


async def test_suspend_bury_and_flag(col: Collection, make: AppFactory) -> None:
    _cards(col, 3)
    app = make(start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        flagged = screen.card
        assert flagged is not None
        await pilot.press("f", "4")
        assert col.card(flagged.card_id).flag == 4
        assert screen.card is not None and screen.card.card_id == flagged.card_id
        await pilot.press("s")
        assert col.card(flagged.card_id).suspended
        buried = screen.card
        assert buried is not None and buried.card_id != flagged.card_id
        await pilot.press("b")
        assert col.card(buried.card_id).buried != BuryKind.NONE
        assert col.study_state(None).new == 1
        await pilot.press("u")  # undo the bury
        assert col.card(buried.card_id).buried == BuryKind.NONE


async def test_session_end_shows_summary_then_deck_list(col: Collection, make: AppFactory) -> None:
    _cards(col, 1)
    app = make(start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "4")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.stats.cards == 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DeckListScreen)


async def test_day_rollover_while_open(
    col: Collection, clock: FixedClock, make: AppFactory
) -> None:
    """A card answered Easy comes due days later; the open screen notices the new day."""
    (card_id,) = _cards(col, 1)
    col.add_basic("later", "card", deck="Other")
    app = make(start_in_review=True, deck="Default")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "4")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        decks = app.screen
        assert isinstance(decks, DeckListScreen)
        default = next(c for c in decks.counts if c.name == "Default")
        assert default.total == 0
        due = col.card(card_id).sched.due
        assert due is not None
        clock.set(due + timedelta(hours=1))
        decks.refresh_counts()  # what the screen's timer does
        await app.workers.wait_for_complete()
        await pilot.pause()
        default = next(c for c in decks.counts if c.name == "Default")
        assert default.review == 1


async def test_audio_plays_on_show_and_replay(col: Collection, make: AppFactory) -> None:
    media = col.store.media_dir
    media.mkdir(parents=True, exist_ok=True)
    (media / "hello.mp3").write_bytes(b"ID3")
    col.add_basic("listen [sound:hello.mp3]", "bye [sound:../../etc/passwd]")
    app = make(start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.context.audio is not None
        assert app.context.audio.played == ["hello.mp3"]
        await pilot.press("r")
        assert app.context.audio.played == ["hello.mp3", "hello.mp3"]
        await pilot.press("space")  # the answer's sound is outside the media folder: refused
        assert app.context.audio.played == ["hello.mp3", "hello.mp3"]


async def test_edit_note_fields(col: Collection, make: AppFactory) -> None:
    note_id = col.add_basic("old front", "old back")
    app = make(start_in_review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        area = app.screen.query_one("#field-1", TextArea)
        area.text = "new back"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert col.note_fields(note_id) == {"Front": "old front", "Back": "new back"}
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("space")
        assert screen.side is not None and "new back" in screen.side.plain


async def test_deck_list_enter_studies_deck_with_children(
    col: Collection, make: AppFactory
) -> None:
    col.add_basic("a", "b", deck="Alpha")
    col.add_basic("c", "d", deck="Beta::Child")
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        decks = app.screen
        assert isinstance(decks, DeckListScreen)
        names = [c.name for c in decks.counts]
        assert names.index("Beta") > names.index("Alpha")
        await pilot.press("down", "enter")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.deck == "Beta"
        assert review.card is not None and review.card.deck == "Beta::Child"
        await pilot.press("space", "3")
        assert [r.rating for r in col.history(review.card.card_id)] == [3]


async def test_unknown_deck_returns_to_the_deck_list(col: Collection, make: AppFactory) -> None:
    _cards(col, 1)
    app = make(start_in_review=True, deck="No such deck")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DeckListScreen)
        assert any("No such deck" in n.message for n in app._notifications)


# textual-image 0.12 still calls a Pillow API that Pillow 13 deprecates; not ours.
@pytest.mark.filterwarnings("ignore:Image.Image.getdata is deprecated:DeprecationWarning")
async def test_images_inline_when_the_terminal_has_graphics(
    col: Collection, make: AppFactory
) -> None:
    from textual_image.widget import Image

    from tests.tui.test_import_and_cards import png_bytes

    media = col.store.media_dir
    media.mkdir(parents=True, exist_ok=True)
    (media / "dot.png").write_bytes(png_bytes())
    (media / "fake.png").write_bytes(b"\x89PNG not really")
    col.add_basic('<img src="dot.png"> <img src="fake.png"> <img src="../c.db">', "a dot")
    app = make(start_in_review=True, graphics=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert len(screen.query(Image)) == 1  # the broken file and the escape are not drawn
        placeholders = [str(s.content) for s in screen.query(".card-image-missing").results(Static)]
        assert placeholders == ["[image: fake.png]", "[image: ../c.db]"]


async def test_review_counts_follow_the_day_and_the_clock(
    col: Collection, clock: FixedClock, make: AppFactory
) -> None:
    ids = _cards(col, 2)
    col.answer(ids[1], Rating.EASY)
    due = col.card(ids[1]).sched.due
    assert due is not None
    now = [0.0]
    app = make(start_in_review=True, timer=lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        bar = screen.query_one(StudyBar)
        assert (bar.new, bar.review) == (1, 0)
        now[0] = 125.0
        screen._tick()
        assert "2:05" in bar.render().plain
        clock.set(due + timedelta(hours=1))  # days later, the app still open
        screen._refresh_counts()  # what the screen's timer does
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (bar.new, bar.review) == (1, 1)
        assert screen.card is not None and screen.card.card_id == ids[0]  # not yanked away
