"""Provides ``CardDisplay``, the scrolling area that shows one side of a card: rendered text,
inline images (or a placeholder naming the file), block formulas (as images when the terminal
can draw them, else Unicode text), and the type-in answer box or its diff."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.color import Color, ColorParseError
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.rendering import Part, Side, media_path, type_diff


def readable_image(path: Path) -> bool:
    """Whether ``path`` decodes as an image (shared decks may hold broken or fake files)."""
    from PIL import Image as PILImage

    try:
        with PILImage.open(path) as image:
            image.load()
    except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError):
        return False
    return True


def placeholder(name: str) -> Static:
    """The one-line stand-in for an image the terminal cannot (or should not) draw."""
    return Static(Text(f"[image: {name}]", style="italic dim"), classes="card-image-missing")


def image_widget(path: Path, *, graphics: bool) -> Widget:
    """An inline image if the terminal can draw it and the file decodes, else a placeholder."""
    if graphics and path.is_file() and readable_image(path):
        try:
            from textual_image.widget import Image
        except ImportError:  # textual-image missing or failed to probe the terminal
            pass
        else:
            widget: Widget = Image(str(path), classes="card-image")
            return widget
    return placeholder(path.name)


def math_widget(part: Part, *, graphics: bool, color: str) -> Widget:
    """A block formula drawn as an image (rendered and cached by ``tui.math_images``) when the
    terminal can draw it and mathtext can lay it out, else its Unicode text."""
    if graphics:
        from tui.math_images import formula_png

        path = formula_png(part.name, color=color)
        if path is not None:
            try:
                from textual_image.widget import Image
            except ImportError:  # textual-image missing or failed to probe the terminal
                pass
            else:
                widget: Widget = Image(str(path), classes="card-math")
                return widget
    return Static(part.text, classes="card-text")


class CardDisplay(VerticalScroll, can_focus=False):
    """One side of a card, rebuilt on every ``show`` (text-only sides are updated in place)."""

    DEFAULT_CSS = """
    CardDisplay {
        height: 1fr;
        padding: 1 2;
    }
    CardDisplay > .card-text { width: 1fr; }
    CardDisplay > .card-image { width: auto; height: auto; max-height: 16; }
    CardDisplay > .card-math { width: auto; height: auto; max-height: 16; margin: 1 0; }
    CardDisplay > Input { width: 1fr; margin: 1 0; }
    CardDisplay > .type-diff { margin: 1 0; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.graphics = False
        self._text_only: int | None = None  # number of text Statics shown, if only text

    def clear(self) -> None:
        """Show nothing."""
        self._text_only = None
        self.remove_children()

    def show(
        self,
        side: Side,
        *,
        media_dir: Path,
        typed: str | None = None,
        expected: str | None = None,
    ) -> Input | None:
        """Replace the content with ``side``; returns the type-in Input if the side has one.

        Args:
            side: the rendered side.
            media_dir: the collection's media folder (images are only read from inside it).
            typed: on the back of a type-in card, what was typed (shows the diff).
            expected: on the back of a type-in card, the correct answer.
        """
        if all(part.kind == "text" for part in side.parts):
            if self._text_only == len(side.parts):
                # The common case (plain text to plain text): update in place, no remount.
                for static, part in zip(self.query(".card-text").results(Static), side.parts,
                                        strict=True):  # fmt: skip
                    static.update(part.text)
                self.scroll_home(animate=False)
                return None
            self._text_only = len(side.parts)
        else:
            self._text_only = None
        self.remove_children()
        widgets: list[Widget] = []
        type_input: Input | None = None
        for part in side.parts:
            if part.kind == "text":
                widgets.append(Static(part.text, classes="card-text"))
            elif part.kind == "math":
                widgets.append(math_widget(part, graphics=self.graphics, color=self._foreground()))
            elif part.kind == "image":
                path = media_path(media_dir, part.name)
                if path is None:
                    widgets.append(placeholder(part.name))
                else:
                    widgets.append(image_widget(path, graphics=self.graphics))
            elif typed is None:
                type_input = Input(placeholder="type the answer, then Enter", id="type-input")
                widgets.append(type_input)
            else:
                widgets.append(Static(type_diff(typed, expected or ""), classes="type-diff"))
        self.mount_all(widgets)
        self.scroll_home(animate=False)
        return type_input

    def _foreground(self) -> str:
        """The theme's text colour as ``#rrggbb`` (formulas are drawn in it)."""
        theme = self.app.current_theme
        default = "#e0e0e0" if theme.dark else "#1e1e1e"
        try:
            return Color.parse(theme.foreground or default).hex[:7]
        except ColorParseError:
            return default
