"""Bridge state tables: runs, checkpoints, per-row versions, dead letters, entity locks, the
keys listed by the running complete listing, and the fingerprints of destination tables.

They live in the app database under a prefix (``onec_bridge_`` by default) so
that a page of rows and the checkpoint covering it commit in one transaction.
This is the model; the tables are created and upgraded by the alembic revisions
in ``store/migrations/`` (see ``store/state_migrate.py``), which must match it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

__all__ = ["StateTables", "state_tables"]


@dataclass(frozen=True)
class StateTables:
    metadata: sa.MetaData
    runs: sa.Table
    checkpoints: sa.Table
    row_versions: sa.Table
    dead_letters: sa.Table
    locks: sa.Table
    listed_keys: sa.Table
    table_fingerprints: sa.Table


def state_tables(metadata: sa.MetaData, prefix: str = "onec_bridge_") -> StateTables:
    runs = sa.Table(
        f"{prefix}runs",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("correlation_id", sa.String(64), nullable=False, index=True),
        sa.Column("entity", sa.String(200), nullable=False, index=True),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("rows_read", sa.BigInteger, nullable=False, default=0),
        sa.Column("rows_inserted", sa.BigInteger, nullable=False, default=0),
        sa.Column("rows_updated", sa.BigInteger, nullable=False, default=0),
        sa.Column("rows_unchanged", sa.BigInteger, nullable=False, default=0),
        sa.Column("rows_marked_deleted", sa.BigInteger, nullable=False, default=0),
        sa.Column("rows_deleted", sa.BigInteger, nullable=False, default=0),
        sa.Column("rows_skipped", sa.BigInteger, nullable=False, default=0),
        sa.Column("error", sa.Text),
    )
    checkpoints = sa.Table(
        f"{prefix}checkpoints",
        metadata,
        sa.Column("entity", sa.String(200), primary_key=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("cursor", sa.JSON),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    # looked up by (entity, row_key) for every listed page: the version and the flag are read
    # from the key's b-tree itself (SQLite: WITHOUT ROWID, PostgreSQL: INCLUDE), not the heap
    row_versions = sa.Table(
        f"{prefix}row_versions",
        metadata,
        sa.Column("entity", sa.String(200), nullable=False),
        # a composite key is a JSON array of its parts: no length limit
        sa.Column("row_key", sa.Text, nullable=False),
        sa.Column("version", sa.String(64)),
        sa.Column("deleted", sa.Boolean, nullable=False, default=False),
        sa.PrimaryKeyConstraint("entity", "row_key", postgresql_include=["version", "deleted"]),
        sqlite_with_rowid=False,
    )
    dead_letters = sa.Table(
        f"{prefix}dead_letters",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, nullable=False, index=True),
        sa.Column("entity", sa.String(200), nullable=False, index=True),
        sa.Column("row_key", sa.Text),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    locks = sa.Table(
        f"{prefix}locks",
        metadata,
        sa.Column("entity", sa.String(200), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )
    # digests of the keys a complete listing has seen so far, one row per committed batch;
    # what survives a crash so that a resumed run still knows every key listed before it
    listed_keys = sa.Table(
        f"{prefix}listed_keys",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.String(200), nullable=False, index=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("digests", sa.LargeBinary, nullable=False),
    )
    # what each destination table was last checked (and evolved) against: a table whose
    # contract definition has the same fingerprint is not reflected again
    table_fingerprints = sa.Table(
        f"{prefix}table_fingerprints",
        metadata,
        sa.Column("table_name", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )
    return StateTables(
        metadata,
        runs,
        checkpoints,
        row_versions,
        dead_letters,
        locks,
        listed_keys,
        table_fingerprints,
    )
