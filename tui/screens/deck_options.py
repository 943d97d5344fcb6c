"""Provides ``DeckOptionsScreen``: a deck's preset (limits, steps, retention, burying, leeches)
to edit and save, FSRS optimisation with a progress bar, and a desired-retention suggestion;
the long computations run in worker threads that post Messages back."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
)

from srs.errors import InvalidOption, SrsError
from srs.presets import LEECH_ACTIONS, PresetView
from tui.context import AppContext
from tui.options_format import (
    LABELS,
    SWITCHES,
    TEXT_FIELDS,
    FieldError,
    format_value,
    optimize_report,
    parse_value,
    preset_summary,
    retention_report,
)
from tui.rendering import strip_control

if TYPE_CHECKING:
    from srs.optimize import OptimizeResult, RetentionSuggestion

STAGES = {"reading": "Reading the review log", "fitting": "Fitting parameters",
          "updating cards": "Updating cards", "done": "Done"}  # fmt: skip


class ResultBox(Static):
    """A result panel that scrolls itself into view once its new content is laid out."""

    def on_resize(self) -> None:
        if self.display:
            self.scroll_visible(animate=False)


class DeckOptionsScreen(Screen[None]):
    """The options of one deck's preset; Ctrl+S saves, Escape goes back."""

    CSS_PATH = "../styles/deck_options.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back"),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+o", "optimize", "Optimize", priority=True),
        Binding("ctrl+r", "suggest", "Retention", priority=True),
    ]

    class Progress(Message):
        """The optimiser reached ``stage`` with ``fraction`` of the work done."""

        def __init__(self, stage: str, fraction: float) -> None:
            super().__init__()
            self.stage = stage
            self.fraction = fraction

    class Optimized(Message):
        """The optimise worker is done (``result`` None and ``error`` set if it failed)."""

        def __init__(self, result: OptimizeResult | None, error: str = "") -> None:
            super().__init__()
            self.result = result
            self.error = error

    class Suggested(Message):
        """The retention worker is done (``suggestion`` None and ``error`` set if it failed)."""

        def __init__(self, suggestion: RetentionSuggestion | None, error: str = "") -> None:
            super().__init__()
            self.suggestion = suggestion
            self.error = error

    def __init__(self, context: AppContext, deck: str) -> None:
        super().__init__()
        self.context = context
        self.deck = deck
        self.view: PresetView = context.collection.preset_for_deck(deck)
        self._warned = False
        """Escape was pressed once with unsaved changes (the next one discards them)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="options-body"):
            yield Static(preset_summary(self.view, self.deck), id="options-preset")
            for field in TEXT_FIELDS:
                with Horizontal(classes="option-row"):
                    yield Label(field.label, classes="option-label")
                    yield Input(format_value(self.view, field), id=f"opt-{field.name}",
                                compact=True, classes="option-input")  # fmt: skip
            with Horizontal(classes="option-row"):
                yield Label(LABELS["leech_action"], classes="option-label")
                yield Select([(a, a) for a in LEECH_ACTIONS], value=self.view.leech_action,
                             allow_blank=False, compact=True, id="opt-leech_action")  # fmt: skip
            for name, label in SWITCHES:
                yield Checkbox(label, getattr(self.view, name), compact=True, id=f"opt-{name}",
                               classes="option-switch")  # fmt: skip
            yield Static("", id="options-error")
            with Horizontal(id="options-buttons"):
                yield Button("Save ^S", variant="primary", compact=True, id="save")
                yield Button("Optimize FSRS ^O", compact=True, id="optimize")
                yield Button("Suggest retention ^R", compact=True, id="suggest")
            yield Checkbox("Reschedule cards when optimizing", True, compact=True,
                           id="optimize-reschedule")  # fmt: skip
            yield Label("", id="optimize-stage")
            yield ProgressBar(total=1.0, show_eta=False, id="optimize-progress")
            yield ResultBox("", id="optimize-result")
            yield ResultBox("", id="retention-result")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Options of {strip_control(self.deck)}"
        for widget_id in ("#optimize-stage", "#optimize-progress", "#optimize-result",
                          "#retention-result", "#options-error"):  # fmt: skip
            self.query_one(widget_id).display = False
        self.query_one(f"#opt-{TEXT_FIELDS[0].name}", Input).focus()

    # -- saving ---------------------------------------------------------------------------

    def changes(self) -> dict[str, object]:
        """The options that differ from the saved ones, as typed values.

        Raises:
            FieldError: a field holds text that is not a value of its kind.
        """
        out: dict[str, object] = {}
        for field in TEXT_FIELDS:
            text = self.query_one(f"#opt-{field.name}", Input).value
            if text.strip() == format_value(self.view, field):
                continue
            out[field.name] = parse_value(field, text)
        action = self.query_one("#opt-leech_action", Select).value
        if action != self.view.leech_action:
            out["leech_action"] = action
        for name, _ in SWITCHES:
            value = self.query_one(f"#opt-{name}", Checkbox).value
            if value != getattr(self.view, name):
                out[name] = value
        return out

    def action_save(self) -> None:
        """Validate and save every changed option; nothing is saved if one is invalid."""
        self._show_error(None)
        try:
            changes = self.changes()
            if not changes:
                self.notify("Nothing to save.")
                return
            self.view = self.context.collection.update_preset(self.view.preset_id, **changes)
        except FieldError as error:
            self._show_error(str(error), error.name)
            return
        except InvalidOption as error:
            self._show_error(f"{LABELS.get(error.field, error.field)}: {error.reason}",
                             error.field)  # fmt: skip
            return
        except SrsError as error:
            self._show_error(str(error))
            return
        self._refill()
        self._warned = False
        self.notify(f"Saved the options of preset {strip_control(self.view.name)}.")

    def _show_error(self, message: str | None, field: str | None = None) -> None:
        """Show (or clear) the error line and mark the field that caused it."""
        box = self.query_one("#options-error", Static)
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        box.display = message is not None
        if message is None:
            return
        box.update(strip_control(message))
        self.notify(strip_control(message), severity="error")
        if field is not None:
            for widget in self.query(f"#opt-{field}"):
                widget.add_class("-invalid")
                widget.focus()
        self._reveal(box)

    def _refill(self) -> None:
        """Show the saved values (normalised, e.g. ``60m`` becomes ``1h``)."""
        for field in TEXT_FIELDS:
            self.query_one(f"#opt-{field.name}", Input).value = format_value(self.view, field)
        self.query_one("#options-preset", Static).update(preset_summary(self.view, self.deck))

    # -- optimising -----------------------------------------------------------------------

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"save": self.action_save, "optimize": self.action_optimize,
                   "suggest": self.action_suggest}  # fmt: skip
        if event.button.id in actions:
            actions[event.button.id]()

    def action_optimize(self) -> None:
        """Fit the preset's FSRS parameters in a worker, showing its progress."""
        button = self.query_one("#optimize", Button)
        if button.disabled:
            return
        button.disabled = True
        self.query_one("#optimize-result").display = False
        stage = self.query_one("#optimize-stage", Label)
        stage.update(STAGES["reading"])
        bar = self.query_one("#optimize-progress", ProgressBar)
        bar.update(progress=0.0)
        stage.display = bar.display = True
        self._reveal(bar)
        self._optimize(self.deck, self.query_one("#optimize-reschedule", Checkbox).value)

    @work(thread=True, exclusive=True, group="optimize")
    def _optimize(self, deck: str, reschedule: bool) -> None:
        def progress(stage: str, fraction: float) -> None:
            self.post_message(self.Progress(stage, fraction))

        try:
            result = self.context.collection.optimize(
                deck, reschedule=reschedule, progress=progress
            )
        except SrsError as error:
            self.post_message(self.Optimized(None, str(error)))
            return
        self.post_message(self.Optimized(result))

    def on_deck_options_screen_progress(self, message: DeckOptionsScreen.Progress) -> None:
        self.query_one("#optimize-stage", Label).update(STAGES.get(message.stage, message.stage))
        self.query_one("#optimize-progress", ProgressBar).update(progress=message.fraction)

    def on_deck_options_screen_optimized(self, message: DeckOptionsScreen.Optimized) -> None:
        self.query_one("#optimize", Button).disabled = False
        self.query_one("#optimize-stage").display = False
        self.query_one("#optimize-progress").display = False
        if message.result is None:
            self.notify(strip_control(message.error), severity="error")
            return
        self.view = self.context.collection.preset_for_deck(self.deck)
        self.query_one("#options-preset", Static).update(preset_summary(self.view, self.deck))
        box = self.query_one("#optimize-result", Static)
        box.update(optimize_report(message.result))
        box.display = True
        self._reveal(box)
        if message.result.warning:
            self.notify(message.result.warning, severity="warning")

    # -- suggesting a retention -------------------------------------------------------------

    def action_suggest(self) -> None:
        """Simulate the workload at a few retentions in a worker and list it."""
        button = self.query_one("#suggest", Button)
        if button.disabled:
            return
        button.disabled = True
        box = self.query_one("#retention-result", Static)
        box.update("Simulating a year of reviews…")
        box.display = True
        self._suggest(self.deck)

    @work(thread=True, exclusive=True, group="retention")
    def _suggest(self, deck: str) -> None:
        try:
            suggestion = self.context.collection.suggest_retention(deck)
        except SrsError as error:
            self.post_message(self.Suggested(None, str(error)))
            return
        self.post_message(self.Suggested(suggestion))

    def on_deck_options_screen_suggested(self, message: DeckOptionsScreen.Suggested) -> None:
        self.query_one("#suggest", Button).disabled = False
        box = self.query_one("#retention-result", Static)
        if message.suggestion is None:
            box.display = False
            self.notify(strip_control(message.error), severity="error")
            return
        box.update(retention_report(message.suggestion))
        self._reveal(box)

    def _reveal(self, widget: Widget) -> None:
        """Scroll ``widget`` into view after the next refresh (result boxes also do it
        themselves when their new content changes their height)."""
        self.call_after_refresh(widget.scroll_visible, animate=False)

    def action_leave(self) -> None:
        """Go back; with unsaved changes, only after a warning and a second Escape."""
        try:
            unsaved = bool(self.changes())
        except FieldError:
            unsaved = True
        if unsaved and not self._warned:
            self._warned = True
            self.notify("Unsaved changes: Ctrl+S saves them, Escape again discards them.",
                        severity="warning")  # fmt: skip
            return
        self.dismiss(None)
