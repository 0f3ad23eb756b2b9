"""Batched upserts into destination and state tables, one statement per batch.

SQLite and PostgreSQL both speak ``INSERT … ON CONFLICT (key) DO UPDATE``; the
statement is built once per table and executed with ``executemany``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

__all__ = ["upsert_rows"]


def upsert_rows(
    connection: Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    update_columns: Sequence[str] | None = None,
) -> None:
    """Insert rows, updating the given (default: all non-key) columns on key conflict."""
    if not rows:
        return
    connection.execute(_upsert_statement(connection.dialect.name, table, update_columns), rows)


def _upsert_statement(
    dialect: str, table: sa.Table, update_columns: Sequence[str] | None
) -> sa.Insert:
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_fn(table)
    key = [column.name for column in table.primary_key.columns]
    names = (
        update_columns
        if update_columns is not None
        else [column.name for column in table.columns if column.name not in key]
    )
    if not names:
        return statement.on_conflict_do_nothing(index_elements=key)
    return statement.on_conflict_do_update(
        index_elements=key, set_={name: statement.excluded[name] for name in names}
    )
