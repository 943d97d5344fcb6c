"""Provides the Textual app of srs: deck list, review, browse and stats screens."""
