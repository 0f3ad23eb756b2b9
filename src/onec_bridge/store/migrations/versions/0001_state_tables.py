"""Bridge state: runs, checkpoints, per-row versions, dead letters.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onec_bridge.store.state_migrate import state_prefix

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    prefix = state_prefix()
    op.create_table(
        f"{prefix}runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("entity", sa.String(200), nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        *[
            sa.Column(f"rows_{name}", sa.BigInteger, nullable=False)
            for name in (
                "read",
                "inserted",
                "updated",
                "unchanged",
                "marked_deleted",
                "deleted",
                "skipped",
            )
        ],
        sa.Column("error", sa.Text),
    )
    op.create_index(f"ix_{prefix}runs_correlation_id", f"{prefix}runs", ["correlation_id"])
    op.create_index(f"ix_{prefix}runs_entity", f"{prefix}runs", ["entity"])
    op.create_table(
        f"{prefix}checkpoints",
        sa.Column("entity", sa.String(200), primary_key=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("cursor", sa.JSON),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        f"{prefix}row_versions",
        sa.Column("entity", sa.String(200), primary_key=True),
        sa.Column("row_key", sa.String(200), primary_key=True),
        sa.Column("version", sa.String(64)),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("seen_run", sa.Integer, nullable=False),
    )
    op.create_table(
        f"{prefix}dead_letters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("entity", sa.String(200), nullable=False),
        sa.Column("row_key", sa.String(200)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(f"ix_{prefix}dead_letters_run_id", f"{prefix}dead_letters", ["run_id"])
    op.create_index(f"ix_{prefix}dead_letters_entity", f"{prefix}dead_letters", ["entity"])


def downgrade() -> None:
    prefix = state_prefix()
    for name in ("dead_letters", "row_versions", "checkpoints", "runs"):
        op.drop_table(f"{prefix}{name}")
