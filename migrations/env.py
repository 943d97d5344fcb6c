"""Alembic environment: runs migrations on the connection that ``srs.store`` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from srs.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can ALTER very little; batch mode copies tables.
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as conn:
        _run(conn)
else:
    _run(connection)
