"""Provides FSRS optimisation from the user's own review history, as Anki's Optimize button
does it: training items from the log, fitting with fsrs-rs, keep-if-better, rescheduling,
and a desired-retention suggestion from the fsrs-rs simulator."""

from __future__ import annotations

from srs.optimize.retention import RetentionLevel, RetentionSuggestion, suggest_retention
from srs.optimize.service import OptimizeResult, optimize_preset

__all__ = [
    "OptimizeResult",
    "RetentionLevel",
    "RetentionSuggestion",
    "optimize_preset",
    "suggest_retention",
]
