"""Provides the importers: Anki packages and Obsidian vaults, turned into engine operations."""
