"""Bridge state: the fingerprint each destination table was last checked against.

``Database.create_schema`` reflected every destination table of the contract at the
start of every run (2-3 ms a table on PostgreSQL, about 7 ms in a fresh process). A
table whose contract definition has the fingerprint recorded here, and which exists, is
now taken as it is; the others are compared and evolved as before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onec_bridge.store.state_migrate import state_prefix

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        f"{state_prefix()}table_fingerprints",
        sa.Column("table_name", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table(f"{state_prefix()}table_fingerprints")
