"""review-log epoch triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 16:00:00

Every deleted or changed review-log row bumps the ``srs.revlog_epoch`` config value (but
the newest row deleted by an undo), so that a columnar copy of the log (the statistics'
cache) knows when it is still exact. The
statements are written out here, as they stood at this revision (srs.models creates the
same triggers in new collections).
"""
from __future__ import annotations

from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | None = None
depends_on: str | None = None

_BUMP = (
    "INSERT INTO config (key, value) VALUES ('srs.revlog_epoch', '1') "
    "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
)
_NOT_UNDONE = (
    "OLD.id < coalesce((SELECT max(id) FROM revlog), OLD.id) "
    "OR NOT EXISTS (SELECT 1 FROM undo WHERE revlog_ids = '[' || OLD.id || ']')"
)
_TRIGGERS = {
    "revlog_epoch_on_delete": f"AFTER DELETE ON revlog WHEN {_NOT_UNDONE}",
    "revlog_epoch_on_update": "AFTER UPDATE ON revlog",
}


def upgrade() -> None:
    for name, when in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {_BUMP}; END")


def downgrade() -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
