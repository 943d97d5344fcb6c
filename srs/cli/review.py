"""Provides ``srs review``: the TUI straight into a review, or a line-mode review (--plain)
for plain terminals, screen readers and scripts."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import click

from srs.cli.common import CONTEXT_SETTINGS, CliContext, get_ctx, handles_errors
from srs.collection import Collection, StudyState
from srs.domain import CardView, Rating
from srs.render import html_to_text, markdown_to_text, strip_control


def card_text(view: CardView, html: str) -> str:
    doc = markdown_to_text(html) if view.markup == "markdown" else html_to_text(html)
    text: str = doc.plain
    return text.strip()


@dataclass
class Summary:
    answered: int = 0
    again: int = 0
    passed_reviews: int = 0
    reviews: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        minutes = (time.monotonic() - self.started) / 60
        retention = f"{100 * self.passed_reviews / self.reviews:.0f}%" if self.reviews else "-"
        return (
            f"studied {self.answered} card(s) in {minutes:.1f} min; again {self.again}; "
            f"retention {retention}"
        )


def _read(prompt: str) -> str | None:
    click.echo(prompt, nl=False)
    try:
        line: str = sys.stdin.readline()
    except KeyboardInterrupt:
        return None
    if line == "":
        return None
    return line.strip().lower()


def plain_review(col: Collection, deck: str | None) -> Summary:
    """Review in line mode until the queue is empty or the user quits."""
    summary = Summary()
    state: StudyState | None = None  # the next state, when answering gave it already
    while True:
        if state is None:
            state = col.study_state(deck)
        view = state.card
        if view is None:
            click.echo("Congratulations! You have finished this deck for now.")
            break
        counts = f"{state.new} new · {state.learn} learn · {state.review} due"
        click.echo(f"\n[{counts}]  {strip_control(view.deck)}")
        click.echo(card_text(view, view.question_html))
        started = time.monotonic()
        key = _read("\n[Enter] show answer, u undo, s suspend, b bury, q quit: ")
        if key is None or key == "q":
            break
        if key in ("u", "s", "b"):
            _action(col, key, view)
            state = None
            continue
        click.echo("-" * 40)
        click.echo(card_text(view, view.answer_html))
        labels = "  ".join(
            f"{int(r)} {r.name.title()} ({state.intervals.get(r, '?')})" for r in Rating
        )
        while True:
            key = _read(f"\n{labels}\nu undo, s suspend, b bury, q quit: ")
            if key is None or key == "q":
                click.echo(summary.line())
                return summary
            if key in ("1", "2", "3", "4"):
                rating = Rating(int(key))
                elapsed = int((time.monotonic() - started) * 1000)
                was_review = view.sched.state.name == "REVIEW"
                _, state = col.answer_and_next(
                    view.card_id, rating, deck, duration_ms=min(elapsed, 60_000)
                )
                summary.answered += 1
                summary.again += rating == Rating.AGAIN
                if was_review:
                    summary.reviews += 1
                    summary.passed_reviews += rating != Rating.AGAIN
                break
            if key in ("u", "s", "b"):
                _action(col, key, view)
                state = None
                break
            click.echo("please answer 1-4, u, s, b or q")
    click.echo(summary.line())
    return summary


def _action(col: Collection, key: str, view: CardView) -> None:
    if key == "u":
        done = col.undo()
        click.echo(f"undid {done}" if done else "nothing to undo")
    elif key == "s":
        col.suspend([view.card_id])
        click.echo("card suspended")
    elif key == "b":
        col.bury([view.card_id])
        click.echo("card buried until tomorrow")


def open_app(ctx: CliContext, *, deck: str | None, review: bool) -> None:
    """Open the Textual app on the collection of ``ctx``."""
    from tui.app import run_app

    store = ctx.open_store()
    try:
        run_app(Collection(store), deck=deck, start_in_review=review)
    finally:
        store.close()


@click.command("review", context_settings=CONTEXT_SETTINGS)
@click.option("--deck", "-d", default=None, help="Study this deck (with its subdecks).")
@click.option("--plain", is_flag=True, help="Line-mode review on stdin/stdout (no TUI).")
@handles_errors
def command(deck: str | None, plain: bool) -> None:
    """Review today's cards: the TUI, or a line-mode session with --plain."""
    ctx = get_ctx()
    if not plain:
        open_app(ctx, deck=deck, review=True)
        return
    with ctx.open_store() as store:
        col = Collection(store)
        if deck is not None:
            col.check_deck(deck)
        plain_review(col, deck)
