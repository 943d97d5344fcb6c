"""Provides ``ReviewScreen``: one card at a time, Space/Enter shows the answer, 1-4 rate it
(each button shows its next interval), with undo, suspend, bury, flag, edit and replay."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input
from textual.worker import get_current_worker

from srs.collection import StudyState
from srs.domain import CardView, Rating, SourceKind
from srs.errors import SrsError
from srs.render.cloze import extract_cloze_for_typing
from tui.context import AppContext
from tui.flags import FLAG_NAMES
from tui.math_images import warm_up
from tui.rendering import Side, field_plain, render_side
from tui.screens.edit_note import EditNoteDialog
from tui.screens.flag_picker import FlagPicker
from tui.screens.summary import SummaryScreen
from tui.session import SessionStats
from tui.vault_edit import edit_obsidian_card
from tui.widgets.answer_bar import AnswerBar
from tui.widgets.card_display import CardDisplay
from tui.widgets.study_bar import StudyBar


class ReviewScreen(Screen[None]):
    """Studies one deck (with its children), or every deck if ``deck`` is None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "show_answer", "Show answer", show=False),
        Binding("enter", "show_answer", "Show/Good", show=False),
        Binding("1", "rate(1)", "Again", show=False),
        Binding("2", "rate(2)", "Hard", show=False),
        Binding("3", "rate(3)", "Good", show=False),
        Binding("4", "rate(4)", "Easy", show=False),
        Binding("u", "undo", "Undo"),
        Binding("s", "suspend", "Suspend"),
        Binding("b", "bury", "Bury"),
        Binding("f", "flag", "Flag"),
        Binding("e", "edit", "Edit"),
        Binding("r", "replay", "Replay"),
        Binding("escape,q", "leave", "Decks"),
    ]

    def __init__(self, context: AppContext, deck: str | None) -> None:
        super().__init__()
        self.context = context
        self.deck = deck
        self.state: StudyState | None = None
        self.side: Side | None = None
        self.answer_shown = False
        self.typed: str | None = None
        self.shown_at = 0.0
        self.stats = SessionStats(started=context.timer())
        self._undo_answers: list[bool] = []  # per undoable action: was it an answer?

    @property
    def card(self) -> CardView | None:
        return self.state.card if self.state is not None else None

    def compose(self) -> ComposeResult:
        yield StudyBar(id="study-bar")
        yield CardDisplay(id="card")
        yield AnswerBar(id="answer-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CardDisplay).graphics = self.context.graphics
        if self.context.graphics:
            self.run_worker(warm_up, thread=True, exclusive=False, group="math-warm-up")
        self.query_one(StudyBar).deck = self.deck or ""
        self.set_interval(1.0, self._tick)
        self.set_interval(self.context.refresh_seconds, self._refresh_counts)
        self.next_card()

    # -- showing cards ------------------------------------------------------------------

    def _tick(self) -> None:
        self.query_one(StudyBar).elapsed = self.context.timer() - self.stats.started

    def _set_counts(self, state: StudyState) -> None:
        bar = self.query_one(StudyBar)
        bar.new, bar.learn, bar.review = state.new, state.learn, state.review
        bar.elapsed = self.context.timer() - self.stats.started

    class Refreshed(Message):
        """The periodic re-count is done (in a worker thread)."""

        def __init__(self, state: StudyState) -> None:
            super().__init__()
            self.state = state

    @work(thread=True, exclusive=True, group="review-refresh")
    def _refresh_counts(self) -> None:
        """Re-ask the engine (the day may have rolled over, learning cards come due)."""
        try:
            state = self.context.collection.study_state(self.deck)
        except SrsError:
            return  # the next answer reports it; a background re-count stays quiet
        if not get_current_worker().is_cancelled:
            self.post_message(self.Refreshed(state))

    def on_review_screen_refreshed(self, message: ReviewScreen.Refreshed) -> None:
        if self.card is None:
            if message.state.card is not None and self.is_current:
                self.next_card()
            return
        self._set_counts(message.state)

    def next_card(self, state: StudyState | None = None) -> None:
        """Show the next card's question (or end the session): ``state`` if the engine gave
        it already, else asked for now."""
        try:
            self.state = (
                state if state is not None else self.context.collection.study_state(self.deck)
            )
        except SrsError as error:
            # E.g. the deck is gone: nothing sensible to show here, back to the deck list.
            self.app.notify(str(error), severity="error")
            self.state = None
            self.call_later(self._close)
            return
        self._set_counts(self.state)
        card = self.state.card
        if card is None:
            self.query_one(AnswerBar).hide_all()
            self.query_one(CardDisplay).clear()
            self.app.push_screen(
                SummaryScreen(self.stats, self.context.timer(), deck=self.deck),
                callback=self._summary_closed,
            )
            return
        self.answer_shown = False
        self.typed = None
        self.side = render_side(card.question_html, card.markup, block_math=self.context.graphics)
        self.query_one(StudyBar).current = card.sched.state.name.lower()
        type_input = self.query_one(CardDisplay).show(
            self.side, media_dir=self.context.collection.store.media_dir
        )
        self.query_one(AnswerBar).show_question()
        self._set_title(card)
        self.shown_at = self.context.timer()
        if type_input is not None:
            type_input.focus()
        self._play(self.side.sounds)

    def _summary_closed(self, _: None) -> None:
        self.call_later(self._close)

    def _close(self) -> None:
        self.dismiss(None)

    def _set_title(self, card: CardView) -> None:
        bar = self.query_one(StudyBar)
        bar.deck = card.deck
        bar.flag = card.flag

    def _play(self, sounds: tuple[str, ...]) -> None:
        if self.context.audio is not None and sounds:
            self.context.audio.play(sounds)

    def _expected(self, card: CardView, field: str) -> str:
        name = field.split(":")[-1]
        try:
            fields = self.context.collection.note_fields(card.note_id)
        except SrsError:
            return ""
        value = fields.get(name, "")
        if field.startswith("cloze:"):
            value = extract_cloze_for_typing(value, card.ord + 1)
        return field_plain(value)

    def action_show_answer(self) -> None:
        card = self.card
        if card is None:
            return
        if self.answer_shown:
            self.action_rate(int(Rating.GOOD))
            return
        if self.side is not None and self.side.type_field is not None and self.typed is None:
            found = self.query(Input)
            self.typed = found.first().value if found else ""
        self.answer_shown = True
        side = render_side(card.answer_html, card.markup, block_math=self.context.graphics)
        expected = self._expected(card, side.type_field) if side.type_field else None
        self.query_one(CardDisplay).show(
            side,
            media_dir=self.context.collection.store.media_dir,
            typed=self.typed if self.typed is not None else "",
            expected=expected,
        )
        self.query_one(AnswerBar).show_ratings(self.state.intervals if self.state else {})
        self.set_focus(None)
        heard = self.side.sounds if self.side is not None else ()
        self._play(tuple(s for s in side.sounds if s not in heard))
        self.side = side

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.typed = event.value
        self.action_show_answer()

    # -- actions on the card ------------------------------------------------------------

    def action_rate(self, value: int) -> None:
        card = self.card
        if card is None or not self.answer_shown:
            return
        rating = Rating(value)
        duration = int(max(0.0, self.context.timer() - self.shown_at) * 1000)
        try:
            _, state = self.context.collection.answer_and_next(
                card.card_id, rating, self.deck, min(duration, 60_000)
            )
        except SrsError as error:
            self.notify(str(error), severity="error")
            return
        self.stats.record(rating, card.sched.state)
        self._undo_answers.append(True)
        self.next_card(state)

    def action_undo(self) -> None:
        try:
            what = self.context.collection.undo()
        except SrsError as error:
            self.notify(str(error), severity="error")
            return
        if what is None:
            self.notify("Nothing to undo.")
            return
        if self._undo_answers and self._undo_answers.pop():
            self.stats.take_back()
        self.notify(f"Undone: {what}")
        self.next_card()

    def _act(self, message: str, action: str) -> None:
        card = self.card
        if card is None:
            return
        collection = self.context.collection
        try:
            if action == "suspend":
                collection.suspend([card.card_id])
            else:
                collection.bury([card.card_id])
        except SrsError as error:
            self.notify(str(error), severity="error")
            return
        self._undo_answers.append(False)
        self.notify(message)
        self.next_card()

    def action_suspend(self) -> None:
        self._act("Card suspended.", "suspend")

    def action_bury(self) -> None:
        self._act("Card buried until tomorrow.", "bury")

    def action_flag(self) -> None:
        card = self.card
        if card is None:
            return

        def chosen(flag: int | None) -> None:
            if flag is None or self.card is None or self.card.card_id != card.card_id:
                return
            try:
                self.context.collection.flag([card.card_id], flag)
                refreshed = self.context.collection.card(card.card_id)
            except SrsError as error:
                self.notify(str(error), severity="error")
                return
            self._undo_answers.append(False)
            if self.state is not None:
                self.state = StudyState(refreshed, self.state.new, self.state.learn,
                                        self.state.review, self.state.intervals)  # fmt: skip
            self._set_title(refreshed)
            self.notify(f"Flag: {FLAG_NAMES[flag]}")

        self.app.push_screen(FlagPicker(card.flag), callback=chosen)

    def action_replay(self) -> None:
        if self.side is not None:
            self._play(self.side.sounds)

    def action_edit(self) -> None:
        card = self.card
        if card is None:
            return
        if card.source_kind == SourceKind.OBSIDIAN:
            message = edit_obsidian_card(self.app, self.context, card)
            if message:
                self.notify(message)
            self._reload_current()
            return
        try:
            fields = self.context.collection.note_fields(card.note_id)
        except SrsError as error:
            self.notify(f"Cannot edit this note: {error}", severity="error")
            return

        def saved(result: dict[str, str] | None) -> None:
            if not result:
                return
            try:
                self.context.collection.update_note_fields(card.note_id, result)
            except SrsError as error:
                self.notify(f"Not saved: {error}", severity="error")
                return
            self.notify("Note saved.")
            self._reload_current()

        self.app.push_screen(EditNoteDialog(card.notetype, fields), callback=saved)

    def _reload_current(self) -> None:
        """Show the current card again from the engine (after an edit), question first."""
        self.next_card()

    def action_leave(self) -> None:
        if self.context.audio is not None:
            self.context.audio.stop()
        self.dismiss(None)
