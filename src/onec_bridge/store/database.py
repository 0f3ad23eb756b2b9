"""The app database: engine set-up, schema creation, one place for dialect tuning."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError

from onec_bridge.contract.model import Contract
from onec_bridge.store.destination import destination_table
from onec_bridge.store.fingerprints import checked_tables, record_fingerprints, table_fingerprint
from onec_bridge.store.migrate import ChangeKind, SchemaChange, evolve_tables
from onec_bridge.store.state import StateTables, state_tables
from onec_bridge.store.state_migrate import upgrade_state

__all__ = ["Database", "DatabaseUnavailable", "NotDurable"]


_SCHEMA_LOCK_KEY = 0x0EC0B41D6E  # pg advisory lock serializing schema changes


class DatabaseUnavailable(RuntimeError):
    """The app database cannot be opened; the message says which URL (without password)."""


class NotDurable(RuntimeError):
    """The commits so far could not be made to survive a power loss (a busy SQLite file)."""


class Database:
    """Engine, bridge-state tables and one destination table per contract entity."""

    def __init__(self, contract: Contract) -> None:
        self.url = contract.database.url
        self.state_prefix = contract.database.state_prefix
        self.engine = _create_engine(self.url)
        self.metadata = sa.MetaData()
        self.state: StateTables = state_tables(self.metadata, contract.database.state_prefix)
        self.tables: dict[str, sa.Table] = {
            name: destination_table(self.metadata, contract.table_of(name), entity)
            for name, entity in contract.entities.items()
        }

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def create_schema(
        self, *, force_schema: bool = False, recheck: bool = False
    ) -> list[SchemaChange]:
        """Upgrade the bridge state (alembic) and evolve destination tables toward the contract.

        One transaction (DDL is transactional on PostgreSQL, where concurrent callers also
        queue on an advisory lock). A table that exists and was last checked against the
        same definition (``store.fingerprints``) is not inspected again unless ``recheck``
        or ``force_schema``. Raises ``SchemaConflict`` for a change that can lose data
        unless ``force_schema``; returns the changes made.
        """
        fingerprints = self.state.table_fingerprints
        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_SCHEMA_LOCK_KEY)))
                upgrade_state(conn, self.state_prefix)
                wanted = {
                    table.name: table_fingerprint(table, conn.dialect)
                    for table in self.tables.values()
                }
                skip = (
                    set() if recheck or force_schema else checked_tables(conn, fingerprints, wanted)
                )
                tables = [table for table in self.tables.values() if table.name not in skip]
                changes = evolve_tables(conn, tables, force=force_schema)
                self._forget_emptied(conn, changes)
                record_fingerprints(conn, fingerprints, [(t.name, wanted[t.name]) for t in tables])
        except OperationalError as exc:
            raise DatabaseUnavailable(
                f"cannot open the app database {self.safe_url}: {exc.orig}. "
                "Check DATABASE_URL (or `database.url` in the contract) and that the server runs."
            ) from None
        return changes

    def _forget_emptied(self, conn: sa.Connection, changes: list[SchemaChange]) -> None:
        """A table created or recreated empty must be loaded afresh: drop its row versions
        and checkpoint, or an incremental run would think its rows are still there."""
        emptied = {
            change.table
            for change in changes
            if change.kind in (ChangeKind.CREATE_TABLE, ChangeKind.RECREATE_TABLE)
        }
        entities = [name for name, table in self.tables.items() if table.name in emptied]
        if not entities:
            return
        for table in (self.state.row_versions, self.state.checkpoints):
            conn.execute(table.delete().where(table.c.entity.in_(entities)))

    def make_durable(self) -> None:
        """Make every commit so far survive a power loss or an OS crash, not only a crash of
        this process: what must hold before 1C is told it may forget changes
        (``NotifyChangesReceived``).

        SQLite runs with ``synchronous=NORMAL``: in WAL mode a commit reaches the disk at
        the next checkpoint, which may come only at 64 MiB of WAL (``_tune_sqlite``). A full
        checkpoint syncs the WAL and the database file now; closing the file would have
        done the same work a moment later. PostgreSQL commits are durable already (its
        default ``synchronous_commit = on``). Raises ``NotDurable`` if another connection
        kept the checkpoint from completing within the busy timeout.
        """
        if self.dialect != "sqlite":
            return
        with self.engine.connect() as conn:
            busy, _frames, _copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)").one()
        if busy:
            raise NotDurable(
                f"the SQLite database {self.safe_url} is busy: its commits could not be "
                "checkpointed to disk, so 1C is not told to forget the changes; they come "
                "again in the next run"
            )

    def dispose(self) -> None:
        self.engine.dispose()


def _create_engine(url: str) -> Engine:
    try:
        engine = sa.create_engine(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseUnavailable(
            f"DATABASE_URL is not a valid SQLAlchemy URL ({exc}); examples: "
            "sqlite:///demo.db, postgresql+psycopg://user@127.0.0.1:5432/app"
        ) from None
    except ModuleNotFoundError as exc:
        raise DatabaseUnavailable(
            f"the database driver {exc.name!r} is not installed; for PostgreSQL install "
            "onec-bridge[postgres] and use postgresql+psycopg://…"
        ) from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _tune_sqlite)
    return engine


_WAL_LIMIT_BYTES = 64 * 2**20
_WAL_CHECKPOINT_PAGES = _WAL_LIMIT_BYTES // 4096  # SQLite's default page size


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=OFF")
    # Checkpoint at 64 MiB of WAL, not SQLite's 4 MiB: a page batch rewrites index pages the
    # previous batches wrote too (row keys are random GUIDs), and each checkpoint copies every
    # page in the WAL to the database file. A full sync of 100,000 items into SQLite takes
    # ~7 % less time; the WAL file is cut back to the same size after a checkpoint.
    cursor.execute(f"PRAGMA wal_autocheckpoint={_WAL_CHECKPOINT_PAGES}")
    cursor.execute(f"PRAGMA journal_size_limit={_WAL_LIMIT_BYTES}")
    cursor.close()
