"""Provides srs, a terminal spaced-repetition engine compatible with Anki and Obsidian."""

__version__ = "0.1.0"
