"""Provides ``DeckListScreen``: the deck tree with today's new / learn / due counts, Enter to
study a deck (with its children), and the shortcuts to browse, stats, import and help."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from srs.domain import DeckCounts
from srs.errors import SrsError
from tui.context import AppContext
from tui.messages import Navigate
from tui.rendering import strip_control
from tui.screens.deck_options import DeckOptionsScreen

COUNT_WIDTH = 6
COUNT_STYLES = ("bold blue", "bold red", "bold green")


def deck_label(counts: DeckCounts, name_width: int) -> Text:
    """``name .... new learn due`` with zero counts dimmed, as Anki's deck list shows them."""
    leaf = strip_control(counts.name.rsplit("::", 1)[-1])
    if len(leaf) > name_width:
        leaf = leaf[: max(1, name_width - 1)] + "…"
    label = Text(leaf.ljust(name_width))
    for value, style in zip((counts.new, counts.learn, counts.review), COUNT_STYLES, strict=True):
        label.append(str(value).rjust(COUNT_WIDTH), style=style if value else "dim")
    return label


class DeckTree(Tree[DeckCounts]):
    """The deck tree; Enter studies, Space (or a click on the arrow) expands/collapses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Study"),
        Binding("right", "expand", "Expand", show=False),
        Binding("left", "collapse", "Collapse", show=False),
    ]

    class Study(Message):
        """Enter on a deck: study it with its children."""

        def __init__(self, deck: str) -> None:
            super().__init__()
            self.deck = deck

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.expand()

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.allow_expand:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    def action_select_cursor(self) -> None:
        node = self.cursor_node
        if node is not None and node.data is not None:
            self.post_message(self.Study(node.data.name))


class DeckListScreen(Screen[None]):
    """The home screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash,b", "browse", "Browse"),
        Binding("t", "stats", "Stats"),
        Binding("o", "options", "Options", show=False),
        Binding("i", "import", "Import"),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "app.quit", "Quit"),
    ]

    class CountsLoaded(Message):
        """The counts worker is done."""

        def __init__(self, counts: list[DeckCounts], error: str | None) -> None:
            super().__init__()
            self.counts = counts
            self.error = error

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.counts: list[DeckCounts] = []
        self.collapsed: set[str] = set()
        self._built_width = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="deck-header")
        tree = DeckTree("Decks", id="deck-tree")
        tree.show_root = False
        tree.auto_expand = False
        tree.guide_depth = 2
        yield tree
        yield Static(id="deck-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "srs"
        self.sub_title = "Decks"
        self.set_interval(self.context.refresh_seconds, self.refresh_counts)
        self.refresh_counts()
        self.query_one(DeckTree).focus()

    def on_screen_resume(self) -> None:
        self.refresh_counts()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        """Rebuild the labels if the width changed (the name column follows the width)."""
        if self.counts and self._name_width(0) != self._built_width:
            self._fill_tree()

    def _name_width(self, prefix: int) -> int:
        """Room for the deck name after ``prefix`` cells of tree guides and icons."""
        tree = self.query_one(DeckTree)
        width = tree.content_size.width or self.app.size.width - 2
        return max(8, width - 3 * COUNT_WIDTH - prefix)

    def refresh_counts(self) -> None:
        """Re-ask the engine for the counts (after a session, an import, or a day change);
        the answer arrives as ``CountsLoaded`` from a worker thread."""
        self._load_counts()

    @work(thread=True, exclusive=True, group="deck-counts")
    def _load_counts(self) -> None:
        try:
            counts = self.context.collection.deck_counts()
        except SrsError as error:
            self.post_message(self.CountsLoaded([], str(error)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.CountsLoaded(counts, None))

    def on_deck_list_screen_counts_loaded(self, message: DeckListScreen.CountsLoaded) -> None:
        if message.error is not None:
            self.notify(message.error, severity="error")
            return
        self.counts = message.counts
        self._fill_tree()

    def _fill_tree(self) -> None:
        tree = self.query_one(DeckTree)
        current = tree.cursor_node
        selected = current.data.name if current is not None and current.data else None
        for node in _walk(tree.root):
            if node.data is not None:
                if node.allow_expand and not node.is_expanded:
                    self.collapsed.add(node.data.name)
                else:
                    self.collapsed.discard(node.data.name)
        tree.clear()
        self._built_width = self._name_width(0)
        stack: list[TreeNode[DeckCounts]] = [tree.root]
        cursor: TreeNode[DeckCounts] | None = None
        has_child = {c.name.rsplit("::", 1)[0] for c in self.counts if "::" in c.name}
        for counts in self.counts:
            del stack[counts.depth + 1 :]
            parent = stack[-1]
            expandable = counts.name in has_child
            prefix = tree.guide_depth * counts.depth + (2 if expandable else 0)
            label = deck_label(counts, self._name_width(prefix))
            if expandable:
                node = parent.add(label, data=counts, expand=counts.name not in self.collapsed)
            else:
                node = parent.add_leaf(label, data=counts)
            stack.append(node)
            if counts.name == selected:
                cursor = node
        header = Text("Deck".ljust(self._name_width(0)))
        for title, style in zip(("New", "Learn", "Due"), COUNT_STYLES, strict=True):
            header.append(title.rjust(COUNT_WIDTH), style=style)
        self.query_one("#deck-header", Static).update(header)
        empty = self.query_one("#deck-empty", Static)
        empty.display = not self.counts
        empty.update("No decks yet. Press i to import an Anki package or an Obsidian vault.")
        if cursor is not None:
            self.call_after_refresh(tree.move_cursor, cursor)
        elif self.counts:
            tree.cursor_line = 0

    def on_deck_tree_study(self, event: DeckTree.Study) -> None:
        event.stop()
        self.post_message(Navigate("study", event.deck))

    def action_study(self) -> None:
        self.query_one(DeckTree).action_select_cursor()

    def action_browse(self) -> None:
        self.post_message(Navigate("browse"))

    def action_stats(self) -> None:
        self.post_message(Navigate("stats"))

    def action_options(self) -> None:
        """Open the options (preset) of the deck under the cursor."""
        node = self.query_one(DeckTree).cursor_node
        if node is None or node.data is None:
            return
        try:
            screen = DeckOptionsScreen(self.context, node.data.name)
        except SrsError as error:
            self.notify(str(error), severity="error")
            return
        self.app.push_screen(screen)

    def action_import(self) -> None:
        self.post_message(Navigate("import"))

    def action_help(self) -> None:
        self.post_message(Navigate("help"))

    def action_refresh(self) -> None:
        self.refresh_counts()


def _walk(node: TreeNode[DeckCounts]) -> list[TreeNode[DeckCounts]]:
    out: list[TreeNode[DeckCounts]] = []
    for child in node.children:
        out.append(child)
        out.extend(_walk(child))
    return out
