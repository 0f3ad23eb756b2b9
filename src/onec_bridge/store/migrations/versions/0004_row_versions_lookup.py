"""Bridge state: unbounded row keys, no ``seen_run``, a version lookup that reads one b-tree.

- ``row_versions.row_key`` and ``dead_letters.row_key`` become ``Text``: a composite key
  is stored as a JSON array of its parts and can exceed 200 characters (PostgreSQL
  refused such a key; SQLite ignored the length).
- ``row_versions.seen_run`` goes: since 0003 delete detection uses ``listed_keys`` and
  nothing reads the column any more (writing it cost a value per stored row).
- The lookup by ``(entity, row_key)`` gets ``version`` and ``deleted`` without a second
  visit: on SQLite the table becomes ``WITHOUT ROWID`` (clustered on its primary key,
  rebuilt in batch mode); on PostgreSQL the primary key index ``INCLUDE``\\ s both columns
  (index-only scans once the table is vacuumed).

Downgrade restores the old layout; it fails on a row key longer than 200 characters.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onec_bridge.store.state_migrate import state_prefix

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    prefix = state_prefix()
    versions = f"{prefix}row_versions"
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        versions,
        recreate="always" if sqlite else "never",
        table_kwargs={"sqlite_with_rowid": False},
    ) as batch:
        batch.alter_column("row_key", type_=sa.Text, existing_type=sa.String(200))
        batch.drop_column("seen_run")
    with op.batch_alter_table(f"{prefix}dead_letters") as batch:
        batch.alter_column(
            "row_key", type_=sa.Text, existing_type=sa.String(200), existing_nullable=True
        )
    if not sqlite:
        _primary_key(versions, include=True)


def downgrade() -> None:
    prefix = state_prefix()
    versions = f"{prefix}row_versions"
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        _primary_key(versions, include=False)
    with op.batch_alter_table(f"{prefix}dead_letters") as batch:
        batch.alter_column(
            "row_key", type_=sa.String(200), existing_type=sa.Text, existing_nullable=True
        )
    with op.batch_alter_table(
        versions,
        recreate="always" if sqlite else "never",
        table_kwargs={"sqlite_with_rowid": True},
    ) as batch:
        batch.alter_column("row_key", type_=sa.String(200), existing_type=sa.Text)
        batch.add_column(
            sa.Column("seen_run", sa.Integer, nullable=False, server_default=sa.text("0"))
        )


def _primary_key(table: str, *, include: bool) -> None:
    """Rebuild the PostgreSQL primary key of ``table``, covering (version, deleted) or not;
    one statement, under its existing name."""
    name = str(sa.inspect(op.get_bind()).get_pk_constraint(table)["name"])
    quote = op.get_bind().dialect.identifier_preparer.quote
    covering = " INCLUDE (version, deleted)" if include else ""
    op.execute(
        f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}, "
        f"ADD CONSTRAINT {quote(name)} PRIMARY KEY (entity, row_key){covering}"
    )
