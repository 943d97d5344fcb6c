"""Provides the Alembic environment and versions of the srs collection schema."""
