"""Provides Anki's short labels for the answer buttons ("10m", "1h", "3d", "3.5mo", "1.2y")."""

from __future__ import annotations

from functools import lru_cache

_MINUTE = 60.0
_HOUR = 60.0 * _MINUTE
_DAY = 24.0 * _HOUR
_YEAR = 365.0 * _DAY
_MONTH = _YEAR / 12.0


def _round_half_away(value: float) -> float:
    return float(int(abs(value) + 0.5)) * (1.0 if value >= 0 else -1.0)


def _number(amount: float) -> str:
    if amount == int(amount):
        return str(int(amount))
    return f"{amount:.1f}"


@lru_cache(maxsize=4096)  # pure, and four labels for every card shown repeat a lot
def format_interval(seconds: float, collapse_seconds: int = 0) -> str:
    """The label Anki puts on an answer button for a delay of ``seconds``.

    Args:
        seconds: the delay until the card is shown again.
        collapse_seconds: Anki's learn-ahead limit; delays shorter than it get a ``<``
            prefix, and 0 seconds reads "End", as on Anki's buttons. 0 (the default)
            gives the plain label.

    Returns:
        "45s", "10m", "1.5h", "3d", "3.5mo" or "1.2y" style text.
    """
    secs = abs(seconds)
    if secs < _MINUTE:
        unit, size, suffix = "s", 1.0, "s"
    elif secs < _HOUR:
        unit, size, suffix = "m", _MINUTE, "m"
    elif secs < _DAY:
        unit, size, suffix = "h", _HOUR, "h"
    elif secs < _MONTH:
        unit, size, suffix = "d", _DAY, "d"
    elif secs < _YEAR:
        unit, size, suffix = "mo", _MONTH, "mo"
    else:
        unit, size, suffix = "y", _YEAR, "y"
    value = seconds / size
    if unit in ("s", "m", "d"):
        amount = _round_half_away(value)
    else:
        amount = _round_half_away(value * 10.0) / 10.0
    label = f"{_number(amount)}{suffix}"
    if collapse_seconds:
        if seconds == 0:
            return "End"
        if seconds < collapse_seconds:
            return f"<{label}"
    return label
