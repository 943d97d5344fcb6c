"""Provides ``srs optimize``: fit FSRS to the user's history, or suggest a desired retention."""

from __future__ import annotations

import click

from srs.cli.common import CONTEXT_SETTINGS, emit_json, get_ctx, handles_errors, json_option
from srs.optimize import OptimizeResult, RetentionSuggestion, optimize_preset, suggest_retention


def _print_result(result: OptimizeResult) -> None:
    verb = "would be" if result.dry_run else "were"
    if result.adopted:
        head = "new parameters (not saved: dry run)" if result.dry_run else "new parameters saved"
    else:
        head = "current parameters kept (the fit did not predict the history better)"
    click.echo(f"Preset {result.preset}: {head}")
    click.echo(f"  reviews used:  {result.reviews_used} ({result.items} training items)")
    click.echo(f"  log loss:      {result.log_loss_before:.4f} -> {result.log_loss_after:.4f}")
    click.echo(f"  RMSE(bins):    {result.rmse_bins_before:.4f} -> {result.rmse_bins_after:.4f}")
    click.echo(f"  memory states: {result.cards_updated} cards {verb} updated")
    click.echo(f"  due dates:     {result.cards_rescheduled} cards {verb} rescheduled")
    click.echo("  parameters:    " + ", ".join(f"{w:.4f}" for w in result.parameters))
    if result.warning:
        click.echo(f"warning: {result.warning}", err=True)


def _print_retention(suggestion: RetentionSuggestion) -> None:
    click.echo(
        f"Preset {suggestion.preset}: suggested desired retention "
        f"{suggestion.suggested_retention:.2f} (now {suggestion.current_retention:.2f})"
    )
    click.echo(
        f"Simulated {suggestion.days_simulated} days, {suggestion.deck_size} cards, "
        "with your answer habits and times:"
    )
    click.echo("  retention  reviews/day  minutes/day  remembered at end")
    for level in suggestion.levels:
        click.echo(
            f"  {level.retention:9.2f}  {level.daily_reviews:11.1f}  "
            f"{level.daily_minutes:11.1f}  {level.memorized:17.0f}"
        )


@click.command("optimize", context_settings=CONTEXT_SETTINGS)
@click.option("--preset", "-p", "preset", default=None, help="Preset to optimise (by name).")
@click.option("--deck", "-d", "deck", default=None, help="Optimise the preset this deck uses.")
@json_option
@click.option("--dry-run", is_flag=True, help="Compute and report; change nothing.")
@click.option(
    "--no-reschedule",
    "no_reschedule",
    is_flag=True,
    help="Update memory states only; leave due dates alone.",
)
@click.option(
    "--retention",
    is_flag=True,
    help="Suggest a desired retention (workload simulation) instead of fitting.",
)
@handles_errors
def _optimize(
    preset: str | None,
    deck: str | None,
    as_json: bool,
    dry_run: bool,
    no_reschedule: bool,
    retention: bool,
) -> None:
    """Fit FSRS parameters to your review history, as Anki's Optimize button does.

    The new parameters are kept only if they predict your history better than the current
    ones; then every card's memory state and due date is recomputed. With --retention,
    suggest a desired retention instead, showing the daily workload at several levels.
    """
    with get_ctx().open_store() as store:
        if retention:
            suggestion = suggest_retention(store, preset=preset, deck=deck)
            if as_json:
                emit_json(suggestion.to_json())
            else:
                _print_retention(suggestion)
            return
        result = optimize_preset(
            store, preset=preset, deck=deck, dry_run=dry_run, reschedule=not no_reschedule
        )
    if as_json:
        emit_json(result.to_json())
    else:
        _print_result(result)


command = _optimize
