"""Desired-retention suggestion from the fsrs-rs simulator and the user's answer habits."""

from __future__ import annotations

from pathlib import Path

import fsrs_rs_python as fsrs_rs

from srs.optimize import suggest_retention
from srs.optimize.retention import answer_habits
from srs.optimize.synthetic import simulate_cards, write_collection
from tests.srs.optimize_support import START, log_entries, open_store, truth_params


def test_habits_come_from_the_log() -> None:
    cards = simulate_cards(truth_params(), cards=300, days=120, start=START, seed=2)
    habits = answer_habits(
        (log for _, log in log_entries(cards)), fsrs_rs.default_simulator_config()
    )
    first = [0, 0, 0, 0]
    for card in cards:
        first[card.entries[0].rating - 1] += 1
    assert habits.first_rating_prob == [n / sum(first) for n in first]
    assert abs(sum(habits.review_rating_prob) - 1.0) < 1e-9
    # the simulation answers Good on 70% of passed reviews
    assert 0.6 < habits.review_rating_prob[1] < 0.8
    # durations are drawn in 2-20 s
    assert all(2.0 <= cost <= 20.0 for row in habits.state_rating_costs[1:2] for cost in row[1:])


def test_suggestion_and_workload_levels(tmp_path: Path) -> None:
    cards = simulate_cards(truth_params(), cards=200, days=120, start=START, seed=3)
    store = open_store(tmp_path / "c.db")
    write_collection(store, cards, created=START)

    first = suggest_retention(store, levels=(0.75, 0.85, 0.95), days=120)
    again = suggest_retention(store, levels=(0.75, 0.85, 0.95), days=120)

    assert first == again  # seeded simulation
    assert first.deck_size == 200 and first.current_retention == 0.9
    assert 0.70 <= first.suggested_retention <= 0.95
    reviews = [level.daily_reviews for level in first.levels]
    assert reviews == sorted(reviews) and reviews[0] < reviews[-1]
    assert all(level.daily_minutes > 0 for level in first.levels)
    shape = first.to_json()
    assert [lv["retention"] for lv in shape["levels"]] == [0.75, 0.85, 0.95]
