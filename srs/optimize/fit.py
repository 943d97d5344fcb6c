"""Provides fitting and evaluating FSRS parameters with fsrs-rs (the optimizer Anki runs),
and Anki's rule for keeping the current parameters when the new ones are not better."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import fsrs_rs_python as fsrs_rs

from srs.optimize.history import TrainingItem

#: Anki trains for 8 epochs (rslib ``compute_params``); the rest are fsrs-rs defaults.
NUM_EPOCHS = 8


def default_params() -> list[float]:
    """The FSRS-6 default parameters of fsrs-rs (what an empty preset list means)."""
    return [float(w) for w in fsrs_rs.DEFAULT_PARAMETERS]


def effective_params(stored: Sequence[float]) -> list[float]:
    """The parameters a preset list stands for: the defaults when empty, else filled up to
    FSRS-6 by fsrs-rs (older 17/19-parameter lists)."""
    if not stored:
        return default_params()
    return [float(w) for w in fsrs_rs.check_and_fill_parameters([float(w) for w in stored])]


def to_fsrs_items(items: Sequence[TrainingItem]) -> list[fsrs_rs.FSRSItem]:
    """Convert training items to fsrs-rs items, converting each card's history once."""
    review = ReviewCache()
    converted: dict[int, list[fsrs_rs.FSRSReview]] = {}
    out: list[fsrs_rs.FSRSItem] = []
    append, make_item = out.append, fsrs_rs.FSRSItem
    for _, _, history, length in items:
        reviews = converted.get(id(history))
        if reviews is None:
            reviews = converted[id(history)] = [review[pair] for pair in history]
        append(make_item(reviews[:length]))
    return out


class ReviewCache(dict[tuple[int, int], fsrs_rs.FSRSReview]):
    """fsrs-rs reviews by (rating, elapsed days), each made once: a log has few distinct
    pairs, and a lookup costs less than making one."""

    def __missing__(self, pair: tuple[int, int]) -> fsrs_rs.FSRSReview:
        made = self[pair] = fsrs_rs.FSRSReview(pair[0], pair[1])
        return made


@dataclass(frozen=True)
class Evaluation:
    """Predictive accuracy on a set of items (srs-benchmark definitions, via fsrs-rs)."""

    log_loss: float
    rmse_bins: float


def evaluate(params: Sequence[float], items: Sequence[fsrs_rs.FSRSItem]) -> Evaluation:
    """Log loss and RMSE(bins) of ``params`` predicting the last review of each item."""
    if not items:
        return Evaluation(log_loss=0.0, rmse_bins=0.0)
    result = fsrs_rs.FSRS(list(params)).evaluate(items)  # fsrs-rs copies them itself
    return Evaluation(log_loss=float(result.log_loss), rmse_bins=float(result.rmse_bins))


def fit(
    items: Sequence[fsrs_rs.FSRSItem],
    card_ids: Sequence[int],
    *,
    num_relearning_steps: int,
    num_epochs: int = NUM_EPOCHS,
) -> list[float]:
    """Fit parameters to the items exactly as Anki's Optimize button does."""
    fitted = fsrs_rs.FSRS(default_params()).compute_parameters(
        items,  # fsrs-rs copies them itself
        card_ids,
        enable_short_term=True,
        num_relearning_steps=num_relearning_steps,
        training_config=fsrs_rs.TrainingConfig(num_epochs=num_epochs),
    )
    return [float(w) for w in fitted]


def keep_current(
    current: Sequence[float],
    current_loss: float,
    fitted_loss: float,
    num_relearning_steps: int,
) -> bool:
    """Anki's keep-if-not-better rule: keep ``current`` unless the fit has lower log loss.

    With more than one relearning step Anki still adopts a no-better fit when the current
    parameters let stability grow during same-day relearning (short-term stability of a
    lapsed card ends up at or above its starting value), so we do too.
    """
    if fitted_loss < current_loss:
        return False
    if num_relearning_steps <= 1:
        return True
    model = fsrs_rs.FSRS(list(current))
    start = fsrs_rs.MemoryState(1.0, 1.0)
    state = model.next_states(start, 0.9, 2).again.memory
    for _ in range(num_relearning_steps):
        state = model.next_states(state, 0.9, 0).good.memory
    return bool(state.stability < start.stability)
