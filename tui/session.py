"""Provides ``SessionStats``, the running tally of one review session (cards, time, agains,
retention) that the review screen keeps and the summary shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from srs.domain import CardState, Rating


@dataclass
class SessionStats:
    """What happened in a review session; undo takes answers back off it."""

    started: float
    answers: list[tuple[Rating, CardState]] = field(default_factory=list)

    def record(self, rating: Rating, state_before: CardState) -> None:
        """Count an answer (with the card's state before it, for the retention)."""
        self.answers.append((rating, state_before))

    def take_back(self) -> None:
        """Forget the last answer (it was undone)."""
        if self.answers:
            self.answers.pop()

    @property
    def cards(self) -> int:
        """Answers given (a card answered twice counts twice, as Anki's summary does)."""
        return len(self.answers)

    @property
    def again(self) -> int:
        """Answers that were Again."""
        return sum(1 for rating, _ in self.answers if rating == Rating.AGAIN)

    @property
    def retention(self) -> float | None:
        """Share of review-card answers that were not Again (Anki's true retention)."""
        reviews = [r for r, state in self.answers if state == CardState.REVIEW]
        if not reviews:
            return None
        return sum(1 for r in reviews if r != Rating.AGAIN) / len(reviews)
