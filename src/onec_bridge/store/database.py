"""The app database: engine set-up, schema creation, one place for dialect tuning."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError

from onec_bridge.contract.model import Contract
from onec_bridge.store.destination import destination_table
from onec_bridge.store.state import StateTables, state_tables

__all__ = ["Database", "DatabaseUnavailable"]


class DatabaseUnavailable(RuntimeError):
    """The app database cannot be opened; the message says which URL (without password)."""


class Database:
    """Engine, bridge-state tables and one destination table per contract entity."""

    def __init__(self, contract: Contract) -> None:
        self.url = contract.database.url
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

    def create_schema(self) -> None:
        try:
            self.metadata.create_all(self.engine)
        except OperationalError as exc:
            raise DatabaseUnavailable(
                f"cannot open the app database {self.safe_url}: {exc.orig}. "
                "Check DATABASE_URL (or `database.url` in the contract) and that the server runs."
            ) from None

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


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()
