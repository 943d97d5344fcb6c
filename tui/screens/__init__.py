"""Provides the screens of the srs app, one per module."""
