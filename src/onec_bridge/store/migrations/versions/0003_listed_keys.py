"""Bridge state: digests of the keys a complete listing has seen, per committed batch.

Replaces re-marking ``row_versions.seen_run`` for every unchanged row: a run records
the listed keys of each batch (one row, packed digests) with the batch's checkpoint and
finds deletions at the end by comparing them with the stored keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onec_bridge.store.state_migrate import state_prefix

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = f"{state_prefix()}listed_keys"
    op.create_table(
        table,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.String(200), nullable=False),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("digests", sa.LargeBinary, nullable=False),
    )
    op.create_index(f"ix_{table}_entity", table, ["entity"])


def downgrade() -> None:
    op.drop_table(f"{state_prefix()}listed_keys")
