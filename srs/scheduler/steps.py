"""Provides learning and relearning step delays, with Anki's rules for Hard and day-long steps.

A card's position among its steps is ``step`` (steps already passed); Anki stores the
number remaining instead (``left = len(steps) - step``), which gives the same index as long
as the preset's steps do not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DAY_SECS = 86_400


def _to_secs(minutes: float) -> int:
    # Anki converts f32 minutes to whole seconds by truncation.
    return max(int(minutes * 60.0), 0)


def _round_to_days(secs: int) -> int:
    if secs > DAY_SECS:
        return int(secs / DAY_SECS + 0.5) * DAY_SECS
    return secs


@dataclass(frozen=True)
class Steps:
    """A preset's learning or relearning steps, in whole seconds."""

    secs: tuple[int, ...]

    @classmethod
    def from_minutes(cls, minutes: Sequence[float]) -> Steps:
        """Steps from the preset's minutes (Anki stores f32 minutes)."""
        return cls(tuple(_to_secs(m) for m in minutes))

    def __len__(self) -> int:
        return len(self.secs)

    def is_empty(self) -> bool:
        """Whether there are no steps at all."""
        return not self.secs

    def index(self, step: int) -> int:
        """The index of the current step, clamped into the list as Anki does."""
        return max(min(step, len(self.secs) - 1), 0)

    def again_delay(self) -> int | None:
        """Delay after Again: the first step (None when there are no steps)."""
        return self.secs[0] if self.secs else None

    def hard_delay(self, step: int) -> int | None:
        """Delay after Hard: the current step, or for the first step the average of the
        first two, or 1.5x a single step (at most one day more); long delays round to days."""
        if not self.secs:
            return None
        idx = self.index(step)
        current = self.secs[idx]
        if idx != 0:
            return current
        if len(self.secs) > 1:
            return _round_to_days((current + self.secs[1]) // 2)
        return _round_to_days(min(current * 3 // 2, current + DAY_SECS))

    def good_delay(self, step: int) -> int | None:
        """Delay after Good: the next step, or None when Good graduates."""
        idx = self.index(step) + 1
        return self.secs[idx] if idx < len(self.secs) else None

    def current_delay(self, step: int) -> int:
        """The delay of the step the card is on (0 without steps); Anki logs it as lastIvl."""
        return self.secs[self.index(step)] if self.secs else 0

    def step_after_good(self, step: int) -> int:
        """The step a card is on after Good moved it along."""
        return self.index(step) + 1
