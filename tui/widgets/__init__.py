"""Provides the widgets the srs screens are built from."""
