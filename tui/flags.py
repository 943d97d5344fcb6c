"""Provides the names and colours of Anki's card flags (0 is no flag)."""

from __future__ import annotations

FLAG_NAMES = ("none", "red", "orange", "green", "blue", "pink", "turquoise", "purple")
FLAG_STYLES = ("dim", "red", "dark_orange", "green", "blue", "magenta", "cyan", "purple")
