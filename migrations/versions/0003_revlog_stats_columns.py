"""review-log columns the statistics read

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 16:40:00

Two generated columns, computed by SQLite as each row is written: the row's packed code
(kind, rating, cramming, previous-interval class) and its stability as an integer, the forms
in which the statistics read a row (srs.revlog_codes). SQLite cannot add a stored generated
column to a table, so the table is built again and the rows copied, ids and all; its index
and triggers are made again as they were. The statements are written out here, as they
stood at this revision.
"""
from __future__ import annotations

from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | None = None
depends_on: str | None = None

_COLUMNS = (
    "id, card_id, reviewed_at, rating, kind, interval_before, interval_after, factor, "
    "stability, difficulty, duration_ms"
)
_CODE = """CASE WHEN (kind | rating) BETWEEN 0 AND 7
    THEN kind * 64 + rating * 8 + CASE WHEN kind = 3 AND factor = 0 THEN 4 ELSE 0 END
         + CASE WHEN interval_before >= 21 THEN 3
                WHEN interval_before >= 1 OR interval_before <= -86400 THEN 2
                ELSE 0 END
    ELSE 512 + (kind NOT IN (4, 5)) * 4 + (kind NOT IN (3, 4, 5)) * 2
         + (rating > 1) * 1 END"""
_STABILITY = """CASE
    WHEN stability >= 131072.0 THEN -CAST(stability * 1073741824.0 AS INTEGER)
    WHEN stability > 0 THEN CAST(stability * 70368744177664.0 AS INTEGER) ELSE 0 END"""


def _table(name: str, generated: bool) -> str:
    extra = (
        f"\tstats_code INTEGER NOT NULL GENERATED ALWAYS AS ({_CODE}) STORED, \n"
        f"\tstats_stability INTEGER NOT NULL GENERATED ALWAYS AS ({_STABILITY}) STORED, \n"
        if generated
        else ""
    )
    return (
        f"CREATE TABLE {name} (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tcard_id INTEGER NOT NULL, \n"
        "\treviewed_at INTEGER NOT NULL, \n"
        "\trating INTEGER NOT NULL, \n"
        "\tkind INTEGER NOT NULL, \n"
        "\tinterval_before INTEGER NOT NULL, \n"
        "\tinterval_after INTEGER NOT NULL, \n"
        "\tfactor INTEGER NOT NULL, \n"
        "\tstability FLOAT, \n"
        "\tdifficulty FLOAT, \n"
        "\tduration_ms INTEGER NOT NULL, \n"
        f"{extra}"
        "\tPRIMARY KEY (id), \n"
        "\tUNIQUE (card_id, reviewed_at), \n"
        "\tFOREIGN KEY(card_id) REFERENCES cards (id) ON DELETE CASCADE\n"
        ")"
    )


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


def _rebuild(generated: bool) -> None:
    # the triggers go first: dropping the table must not count its rows as deleted
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute(_table("_revlog_new", generated))
    op.execute(f"INSERT INTO _revlog_new ({_COLUMNS}) SELECT {_COLUMNS} FROM revlog ORDER BY id")
    op.execute("DROP TABLE revlog")
    op.execute("ALTER TABLE _revlog_new RENAME TO revlog")
    op.execute("CREATE INDEX ix_revlog_time ON revlog (reviewed_at)")
    for name, when in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {_BUMP}; END")


def upgrade() -> None:
    _rebuild(generated=True)


def downgrade() -> None:
    _rebuild(generated=False)
