"""Provides deck options for the CLI and the TUI: ``PresetView`` (a preset as plain data),
reading a deck's preset, validated updates, and FSRS optimisation by deck."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from srs.errors import InvalidOption, NotFound
from srs.models import Deck, Preset
from srs.store import Store

if TYPE_CHECKING:
    from srs.optimize import OptimizeResult, RetentionSuggestion

LEECH_ACTIONS = ("tag", "suspend")
MIN_RETENTION = 0.70
MAX_RETENTION = 0.99

#: The fields ``update_preset`` accepts (FSRS parameters change only through optimisation).
EDITABLE = (
    "name",
    "new_per_day",
    "reviews_per_day",
    "learn_steps",
    "relearn_steps",
    "desired_retention",
    "maximum_interval",
    "bury_new",
    "bury_reviews",
    "bury_interday_learning",
    "leech_threshold",
    "leech_action",
    "rollover_hour",
)


@dataclass(frozen=True)
class PresetView:
    """A preset's options, and the decks that share it (sorted by name)."""

    preset_id: int
    name: str
    decks: tuple[str, ...]
    new_per_day: int
    reviews_per_day: int
    learn_steps: tuple[float, ...]
    relearn_steps: tuple[float, ...]
    desired_retention: float
    maximum_interval: int
    fsrs_params: tuple[float, ...]
    bury_new: bool
    bury_reviews: bool
    bury_interday_learning: bool
    leech_threshold: int
    leech_action: str
    rollover_hour: int


def preset_view(session: Session, preset: Preset) -> PresetView:
    """The preset as plain data, with the names of the decks using it."""
    decks = session.scalars(select(Deck.name).where(Deck.preset_id == preset.id)).all()
    return PresetView(
        preset_id=preset.id,
        name=preset.name,
        decks=tuple(sorted(decks, key=str.casefold)),
        new_per_day=int(preset.new_per_day),
        reviews_per_day=int(preset.reviews_per_day),
        learn_steps=tuple(float(s) for s in preset.learn_steps),
        relearn_steps=tuple(float(s) for s in preset.relearn_steps),
        desired_retention=float(preset.desired_retention),
        maximum_interval=int(preset.maximum_interval),
        fsrs_params=tuple(float(w) for w in preset.fsrs_params),
        bury_new=bool(preset.bury_new),
        bury_reviews=bool(preset.bury_reviews),
        bury_interday_learning=bool(preset.bury_interday_learning),
        leech_threshold=int(preset.leech_threshold),
        leech_action=str(preset.leech_action),
        rollover_hour=int(preset.rollover_hour),
    )


def preset_for_deck(session: Session, deck: str) -> PresetView:
    """The options of the deck called ``deck``.

    Raises:
        NotFound: no such deck.
    """
    row = session.scalars(select(Deck).where(Deck.name == deck)).first()
    if row is None:
        raise NotFound(f"no deck named {deck!r}")
    return preset_view(session, row.preset)


def update_preset(session: Session, preset_id: int, changes: Mapping[str, object]) -> PresetView:
    """Validate every change, then apply them all (nothing is written if one is invalid).

    Args:
        session: a write transaction.
        preset_id: the preset to change.
        changes: new values by field name (see ``EDITABLE``).

    Returns:
        The preset as it is after the change.

    Raises:
        NotFound: no such preset.
        InvalidOption: an unknown field or a value out of range (names the field).
    """
    preset = session.get(Preset, preset_id)
    if preset is None:
        raise NotFound(f"no preset with id {preset_id}")
    clean = {name: _validate(name, value) for name, value in changes.items()}
    if "name" in clean and clean["name"] != preset.name:
        taken = session.scalar(
            select(Preset.id).where(Preset.name == clean["name"], Preset.id != preset_id)
        )
        if taken is not None:
            raise InvalidOption("name", f"another preset is already called {clean['name']!r}")
    for name, value in clean.items():
        setattr(preset, name, value)
    session.flush()
    return preset_view(session, preset)


def _validate(name: str, value: object) -> object:
    """``value`` converted to the column's type, or InvalidOption naming ``name``."""
    if name in ("new_per_day", "reviews_per_day"):
        return _integer(name, value, minimum=0)
    if name == "maximum_interval":
        return _integer(name, value, minimum=1)
    if name == "leech_threshold":
        return _integer(name, value, minimum=1)
    if name == "rollover_hour":
        hour = _integer(name, value, minimum=0)
        if hour > 23:
            raise InvalidOption(name, f"must be an hour from 0 to 23, not {hour}")
        return hour
    if name == "desired_retention":
        number = _number(name, value)
        if not MIN_RETENTION <= number <= MAX_RETENTION:
            raise InvalidOption(
                name, f"must be between {MIN_RETENTION:.2f} and {MAX_RETENTION:.2f}, not {number}"
            )
        return number
    if name in ("learn_steps", "relearn_steps"):
        return _steps(name, value)
    if name in ("bury_new", "bury_reviews", "bury_interday_learning"):
        if not isinstance(value, bool):
            raise InvalidOption(name, f"must be true or false, not {value!r}")
        return value
    if name == "leech_action":
        if value not in LEECH_ACTIONS:
            raise InvalidOption(name, f"must be one of {', '.join(LEECH_ACTIONS)}, not {value!r}")
        return value
    if name == "name":
        if not isinstance(value, str) or not value.strip():
            raise InvalidOption(name, "must not be empty")
        return value.strip()
    raise InvalidOption(name, "is not a deck option that can be changed")


def _integer(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOption(name, f"must be a whole number, not {value!r}")
    if value < minimum:
        raise InvalidOption(name, f"must be at least {minimum}, not {value}")
    return value


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidOption(name, f"must be a number, not {value!r}")
    return float(value)


def _steps(name: str, value: object) -> list[float]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidOption(name, f"must be a list of minutes, not {value!r}")
    steps = [_number(name, step) for step in value]
    for step in steps:
        if step <= 0:
            raise InvalidOption(name, f"steps must be positive minutes, not {step:g}")
    return steps


def optimize(
    store: Store,
    deck: str,
    *,
    dry_run: bool = False,
    reschedule: bool = True,
    progress: Callable[[str, float], None] | None = None,
) -> OptimizeResult:
    """Fit the FSRS parameters of ``deck``'s preset (see ``srs.optimize.optimize_preset``)."""
    from srs.optimize import optimize_preset  # fsrs-rs is loaded only when optimising

    return optimize_preset(
        store, deck=deck, dry_run=dry_run, reschedule=reschedule, progress=progress
    )


def suggest_retention(store: Store, deck: str) -> RetentionSuggestion:
    """A desired retention for ``deck``'s preset and the workload at a few levels."""
    from srs.optimize import suggest_retention as suggest

    return suggest(store, deck=deck)
