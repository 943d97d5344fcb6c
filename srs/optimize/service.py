"""Provides ``optimize_preset``: fit a preset's FSRS parameters to its review history, keep
them only if they predict it better, then update its cards' memory states and due dates."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import NotRequired, TypedDict, TypeVar, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from srs.errors import NotFound
from srs.gcpause import paused_gc
from srs.models import Card, Preset
from srs.optimize.apply import (
    CardPlan,
    Memories,
    PresetView,
    apply_plan,
    card_memories,
    history_fingerprint,
    plan_card_updates,
)
from srs.optimize.fit import (
    Evaluation,
    effective_params,
    evaluate,
    fit,
    keep_current,
)
from srs.optimize.forked import in_child
from srs.optimize.load import DayCounter, preset_deck_ids, resolve_preset
from srs.optimize.scan import Scan, read_scan
from srs.store import Store

#: Below this many training items the fit is unreliable (Anki's old minimum was 400 reviews).
MIN_ITEMS = 400
#: From this many training items on, the fit and its evaluation run in a forked child while
#: this process evaluates the current parameters (below it a fork costs more than it saves).
FORK_MIN_ITEMS = 20_000

Progress = Callable[[str, float], None]
_T = TypeVar("_T")


class OptimizeJson(TypedDict):
    parameters: list[float]
    log_loss_before: float
    log_loss_after: float
    rmse_bins_before: float
    rmse_bins_after: float
    reviews_used: int
    cards_rescheduled: int
    warning: NotRequired[str]


@dataclass(frozen=True)
class OptimizeResult:
    """What an optimisation found and did.

    ``parameters`` are the preset's parameters afterwards (the fitted ones if adopted, else
    the current ones); ``*_after`` describe them. ``items`` counts training items,
    ``reviews_used`` the log entries they came from. ``cards_rescheduled`` counts cards whose
    due date changed (would change, on a dry run); ``cards_updated`` those whose memory state
    changed.
    """

    preset: str
    parameters: list[float]
    log_loss_before: float
    log_loss_after: float
    rmse_bins_before: float
    rmse_bins_after: float
    reviews_used: int
    items: int
    adopted: bool
    cards_rescheduled: int
    cards_updated: int
    dry_run: bool
    warning: str | None = None
    fitted: list[float] = field(default_factory=list)

    def to_json(self) -> OptimizeJson:
        """The ``srs optimize --json`` shape."""
        out = OptimizeJson(
            parameters=list(self.parameters),
            log_loss_before=self.log_loss_before,
            log_loss_after=self.log_loss_after,
            rmse_bins_before=self.rmse_bins_before,
            rmse_bins_after=self.rmse_bins_after,
            reviews_used=self.reviews_used,
            cards_rescheduled=self.cards_rescheduled,
        )
        if self.warning is not None:
            out["warning"] = self.warning
        return out


def relearning_steps_in_day(steps: Sequence[float]) -> int:
    """How many relearning steps (minutes) fit in a day, as Anki counts them for training."""
    total = 0.0
    count = 0
    for step in steps:
        total += float(step)
        if total >= 1440:
            break
        count += 1
    return count


def optimize_preset(
    store: Store,
    *,
    preset: str | None = None,
    deck: str | None = None,
    dry_run: bool = False,
    reschedule: bool = True,
    progress: Progress | None = None,
) -> OptimizeResult:
    """Fit FSRS to the history of one preset's cards, as Anki's Optimize button does.

    Args:
        store: the collection.
        preset: the preset's name; or
        deck: a deck whose preset to optimise (the only preset if neither is given).
        dry_run: compute and report, write nothing.
        reschedule: also move review cards' due dates to the new intervals (else only
            memory states are updated).
        progress: called with a stage name and a fraction done, from this thread.

    Returns:
        The parameters, accuracy before and after, and what changed.
    """
    # The collector stays paused throughout (see ``srs.gcpause``); the many objects made
    # along the way are locals of ``_optimize``, freed before it resumes.
    with paused_gc():
        return _optimize(
            store, preset, deck, dry_run, reschedule, progress or (lambda _stage, _done: None)
        )


@dataclass(frozen=True)
class _Setup:
    """What an optimisation reads of the preset before scanning."""

    name: str
    preset_id: int
    current: list[float]
    relearn: int
    day_of: DayCounter
    deck_ids: list[int]
    suspended: set[int]


@dataclass(frozen=True)
class _Outcome:
    """The fit and the accuracy figures, before the cards are updated."""

    before: Evaluation
    after: Evaluation
    fitted: list[float]
    adopted: bool
    params: list[float]  # the fitted ones if adopted, else the current ones
    items: int
    used: int


def _optimize(
    store: Store,
    preset: str | None,
    deck: str | None,
    dry_run: bool,
    reschedule: bool,
    report: Progress,
) -> OptimizeResult:
    report("reading", 0.0)
    if dry_run:
        # one read transaction throughout: the plan sees the very snapshot that was fitted,
        # so there is nothing to check again before it
        with store.read() as session:
            setup = _read_setup(session, preset, deck, store.clock.tz)
            scan = read_scan(session, setup.deck_ids, setup.day_of, setup.suspended)

            def plan_for(params: list[float]) -> CardPlan:
                return _plan(session, store, setup, params, scan, reschedule, counts_only=True)

            outcome, planned = _fit_scan(scan, setup, report, plan_for)
            params = outcome.params
            report("updating cards", 0.8)
            plan = planned if planned is not None else plan_for(params)
    else:
        with store.read() as session:
            setup = _read_setup(session, preset, deck, store.clock.tz)
            fingerprint = history_fingerprint(session, setup.deck_ids)
            # one pass over the log serves both training and the memory states
            scan = read_scan(session, setup.deck_ids, setup.day_of, setup.suspended)
        # the memory states under the fitted parameters are worked out while they are
        # evaluated; used if they are kept and the history did not change meanwhile
        outcome, memories = _fit_scan(
            scan, setup, report, lambda fitted: card_memories(fitted, scan.cards, scan.reviews)
        )
        params = outcome.params
        report("updating cards", 0.8)
        with store.write() as session:
            if history_fingerprint(session, setup.deck_ids) != fingerprint:
                # answers or edits arrived while fitting: replay the history as it is now
                scan, memories = read_scan(session, setup.deck_ids, setup.day_of), None
            plan = _plan(
                session,
                store,
                setup,
                params,
                scan,
                reschedule,
                counts_only=False,
                memories=memories,
            )
            if outcome.adopted:
                target = session.get(Preset, setup.preset_id)
                assert target is not None
                target.fsrs_params = list(params)
            apply_plan(session, plan)
    report("done", 1.0)
    return _result(
        setup.name,
        params,
        outcome.before,
        outcome.after,
        outcome.used,
        outcome.items,
        outcome.adopted,
        plan.moved,
        plan.updated,
        dry_run,
        _warning(outcome.items),
        outcome.fitted,
    )


def _read_setup(session: Session, preset: str | None, deck: str | None, tz: tzinfo) -> _Setup:
    row = resolve_preset(session, preset, deck)
    deck_ids = preset_deck_ids(session, row.id)
    home = func.coalesce(Card.original_deck_id, Card.deck_id)
    suspended = set(
        session.scalars(select(Card.id).where(home.in_(deck_ids), Card.suspended.is_(True)))
    )
    return _Setup(
        row.name,
        row.id,
        effective_params([float(w) for w in row.fsrs_params]),
        relearning_steps_in_day(row.relearn_steps),
        DayCounter(tz, row.rollover_hour),
        deck_ids,
        suspended,
    )


def _fit_scan(
    scan: Scan,
    setup: _Setup,
    report: Progress,
    ahead: Callable[[list[float]], _T] | None = None,
) -> tuple[_Outcome, _T | None]:
    """Evaluate the current parameters, fit, evaluate the fit, apply the keep rule; then
    free the training items (the card updates need only the summaries).

    The fit and its evaluation run in a forked child on the other core (fsrs-rs holds the
    GIL) while this process evaluates the current parameters and then runs ``ahead`` on the
    fitted ones, before knowing whether they will be kept: its answer comes back with the
    outcome if they are (else None). Without a child nothing overlaps: ``ahead`` is not run.
    """
    report("fitting", 0.1)
    fsrs_items, card_ids = scan.items, scan.item_cards
    current = setup.current
    fitted: list[float] = []
    early: _T | None = None
    if not fsrs_items:
        before = after = evaluate(current, fsrs_items)
        adopted = False
    else:

        def fit_then_evaluate() -> Iterator[list[float] | Evaluation]:
            found = fit(fsrs_items, card_ids, num_relearning_steps=setup.relearn)
            yield found
            yield evaluate(found, fsrs_items)

        stream = in_child(fit_then_evaluate, fork=len(fsrs_items) >= FORK_MIN_ITEMS)
        try:
            before = evaluate(current, fsrs_items)
            fitted = cast(list[float], next(stream))
            if ahead is not None and stream.forked:
                early = ahead(fitted)
            after = cast(Evaluation, next(stream))
        finally:
            stream.close()
        adopted = not keep_current(current, before.log_loss, after.log_loss, setup.relearn)
        if not adopted:
            after, early = before, None
    params = fitted if adopted else current
    outcome = _Outcome(before, after, fitted, adopted, params, len(fsrs_items), scan.used)
    scan.items, scan.item_cards = [], []  # the items are no longer needed: free them now
    return outcome, early


def _plan(
    session: Session,
    store: Store,
    setup: _Setup,
    params: list[float],
    scan: Scan,
    reschedule: bool,
    *,
    counts_only: bool,
    memories: Memories | None = None,
) -> CardPlan:
    return plan_card_updates(
        session,
        params=params,
        preset=_preset_view(session, setup.preset_id, setup.deck_ids),
        cards=scan.cards,
        reviews=scan.reviews,
        tz=store.clock.tz,
        now=store.clock.now(),
        reschedule=reschedule,
        counts_only=counts_only,
        memories=memories,
    )


def _preset_view(session: Session, preset_id: int, deck_ids: list[int]) -> PresetView:
    """The preset's settings as they are in this transaction."""
    row = session.get(Preset, preset_id)
    if row is None:
        raise NotFound(f"preset {preset_id} was deleted while optimising")
    return PresetView(
        deck_ids, float(row.desired_retention), int(row.maximum_interval), int(row.rollover_hour)
    )


def _result(
    name: str,
    params: list[float],
    before: Evaluation,
    after: Evaluation,
    used: int,
    items: int,
    adopted: bool,
    moved: int,
    updated: int,
    dry_run: bool,
    warning: str | None,
    fitted: list[float],
) -> OptimizeResult:
    return OptimizeResult(
        preset=name,
        parameters=params,
        log_loss_before=before.log_loss,
        log_loss_after=after.log_loss,
        rmse_bins_before=before.rmse_bins,
        rmse_bins_after=after.rmse_bins,
        reviews_used=used,
        items=items,
        adopted=adopted,
        cards_rescheduled=moved,
        cards_updated=updated,
        dry_run=dry_run,
        warning=warning,
        fitted=fitted,
    )


def _warning(items: int) -> str | None:
    if items == 0:
        return "no review history to fit: parameters left unchanged"
    if items < MIN_ITEMS:
        return (
            f"only {items} reviews to learn from (FSRS needs about {MIN_ITEMS}): "
            "the fit may be unreliable"
        )
    return None
