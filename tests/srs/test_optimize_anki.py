"""srs optimize against Anki's own optimizer (the real ``anki`` package) on the same log."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from srs.domain import ReviewKind
from srs.models import Card
from srs.optimize import optimize_preset
from srs.optimize.synthetic import SimCard, SimEntry, simulate_cards, write_collection
from tests.srs.optimize_support import (
    START,
    anki_collection,
    anki_optimize,
    local_tz,
    open_store,
    truth_params,
)


def _with_edge_cases(cards: list[SimCard]) -> list[SimCard]:
    """Sprinkle the log with what Anki's rules must filter: cramming, set-due-date, reset
    followed by a new learning block, rescheduling rows, and truncated histories."""
    rng = random.Random(7)
    out: list[SimCard] = []
    for index, card in enumerate(cards):
        entries = list(card.entries)
        if len(entries) >= 3:
            mid = entries[len(entries) // 2]
            probe = mid.at + timedelta(hours=1, milliseconds=rng.randrange(1000))
            match index % 6:
                case 0:  # cramming in a filtered deck without rescheduling
                    entries.append(SimEntry(probe, 3, ReviewKind.FILTERED, 1, 1, 0, 4000))
                case 1:  # filtered deck that reschedules: counts
                    entries.append(SimEntry(probe, 2, ReviewKind.FILTERED, 1, 3, 2500, 4000))
                case 2:  # set due date
                    entries.append(SimEntry(probe, 0, ReviewKind.MANUAL, 5, 9, 2500, 0))
                case 3:  # reset, then learned again from scratch later
                    entries.append(SimEntry(probe, 0, ReviewKind.MANUAL, 5, 0, 0, 0))
                    later = entries[-2].at + timedelta(days=3)
                    entries = [e for e in entries if e.at <= probe]
                    entries += [
                        SimEntry(later, 1, ReviewKind.LEARN, 0, -60, 2500, 3000),
                        SimEntry(
                            later + timedelta(minutes=1), 3, ReviewKind.LEARN, -60, 1, 2500, 3000
                        ),
                        SimEntry(later + timedelta(days=2), 3, ReviewKind.REVIEW, 1, 4, 2500, 3000),
                    ]
                case 4:  # truncated: the learning rows are gone
                    entries = [e for e in entries if e.kind != ReviewKind.LEARN]
                case _:  # FSRS rescheduling row
                    entries.append(SimEntry(probe, 0, ReviewKind.RESCHEDULE, 5, 7, 500, 0))
        entries.sort(key=lambda e: e.at)
        out.append(replace(card, entries=entries))
    stamps = [int(e.at.timestamp() * 1000) for c in out for e in c.entries]
    assert len(stamps) == len(set(stamps))
    return out


@pytest.mark.parametrize("edge_cases", [False, True])
def test_same_items_parameters_and_log_loss_as_anki(tmp_path: Path, edge_cases: bool) -> None:
    cards = simulate_cards(truth_params(), cards=1200, days=200, start=START, seed=11)
    if edge_cases:
        cards = _with_edge_cases(cards)
    col = anki_collection(tmp_path / "anki.anki2", cards)
    try:
        anki, anki_eval = anki_optimize(col)
        anki_params = [float(w) for w in anki.params]
        anki_default = col._backend.evaluate_params_legacy(
            params=[], search="", ignore_revlogs_before_ms=0
        )
    finally:
        col.close()

    store = open_store(tmp_path / "c.db", tz=local_tz())
    write_collection(store, cards, created=START)
    ours = optimize_preset(store, dry_run=True)

    assert ours.items == anki.fsrs_items
    assert ours.adopted
    assert len(ours.parameters) == len(anki_params) == 21
    for mine, theirs in zip(ours.parameters, anki_params, strict=True):
        assert mine == pytest.approx(theirs, rel=1e-3, abs=1e-4)
    assert ours.log_loss_after == pytest.approx(anki_eval.log_loss, rel=1e-4)
    assert ours.rmse_bins_after == pytest.approx(anki_eval.rmse_bins, rel=1e-3)
    assert ours.log_loss_before == pytest.approx(anki_default.log_loss, rel=1e-4)


def test_memory_states_after_optimizing_match_anki(tmp_path: Path) -> None:
    cards = _with_edge_cases(
        simulate_cards(truth_params(), cards=300, days=150, start=START, seed=13)
    )
    store = open_store(tmp_path / "c.db", tz=local_tz())
    write_collection(store, cards, created=START)
    result = optimize_preset(store)
    assert result.adopted
    with store.read() as session:
        ours = {c.id: (c.stability, c.difficulty) for c in session.scalars(select(Card))}

    col = anki_collection(tmp_path / "anki.anki2", cards)
    try:
        conf = col.decks.all_config()[0]  # the Default preset, which deck 1 uses
        conf["fsrsParams6"] = result.parameters
        col.decks.update_config(conf)
        truncated = 0
        for sim in cards:
            anki = col._backend.compute_memory_state(sim.card_id)
            stability, difficulty = ours[sim.card_id]
            if not anki.HasField("state"):
                assert stability is None and difficulty is None
                continue
            truncated += all(e.kind != ReviewKind.LEARN for e in sim.entries)
            assert stability == pytest.approx(anki.state.stability, rel=1e-3, abs=1e-3)
            assert difficulty == pytest.approx(anki.state.difficulty, rel=1e-3, abs=1e-3)
        assert truncated > 10  # the SM-2 starting-state path was exercised
    finally:
        col.close()
