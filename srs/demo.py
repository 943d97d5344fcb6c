"""Provides the demo collection: a small AI/ML deck shipped inside the package, with a few
days of simulated review history so that ``srs demo`` has reviews due as well as new cards."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from srs.clock import Clock, FixedClock
from srs.collection import Collection
from srs.domain import Rating
from srs.store import Store


def demo_notes() -> dict[str, Any]:
    """The demo's notes (decks, fields, tags) as shipped in ``srs/demo/notes.json``."""
    text = resources.files("srs").joinpath("demo/notes.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def seed_demo(path: Path, clock: Clock) -> Store:
    """Create the demo collection at ``path`` and return it open with ``clock``."""
    data = demo_notes()
    now = clock.now()
    history = data["history"]
    past = FixedClock(now - timedelta(days=max(history["days_ago"])), tz=clock.tz)
    with Store.open(path, clock=past) as store:
        col = Collection(store)
        for deck, front, back, tags in data["basic"]:
            col.add_basic(front, back, deck=deck, tags=tags)
        for deck, text, tags in data["cloze"]:
            col.add_note("Cloze", [text, ""], deck=deck, tags=tags)
        studied = col.search("is:new", limit=history["cards"])
        for days_ago in sorted(history["days_ago"], reverse=True):
            past.set(now - timedelta(days=days_ago))
            for card_id in studied:
                rating = Rating.GOOD
                while col.sched(card_id).state.name in ("NEW", "LEARNING", "RELEARNING"):
                    col.answer(card_id, rating, duration_ms=6000)
                    past.advance(timedelta(minutes=11))
                    if past.now() >= now:
                        break
                sched = col.sched(card_id)
                if sched.due is not None and sched.due <= past.now():
                    col.answer(card_id, rating, duration_ms=5000)
    return Store.open(path, clock=clock)
