"""Batched upserts into destination and state tables, one statement per batch.

SQLite and PostgreSQL both speak ``INSERT … ON CONFLICT (key) DO UPDATE``. The
statement is rendered once per table and run straight on the driver, with
SQLAlchemy's own bind processors applied to plain tuples, so the stored values
are exactly what a SQLAlchemy ``insert`` would store at a fraction of the cost:

- SQLite: ``cursor.executemany`` of the upsert;
- PostgreSQL: ``COPY`` into a session temp table, then one
  ``INSERT … SELECT … ON CONFLICT DO UPDATE`` from it. Rows the caller expects to be
  new (a first load) are copied straight into the table under a savepoint, a third
  of the server's work; a key that is there after all rolls the copy back to the
  savepoint and the batch takes the upsert.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

try:  # the postgres extra
    from psycopg.errors import UniqueViolation
except ImportError:  # pragma: no cover - without psycopg there is no PostgreSQL path

    class UniqueViolation(Exception):  # type: ignore[no-redef]
        """Stands in when psycopg is not installed: never raised."""


__all__ = ["BulkUpsert", "bulk_upsert", "upsert_rows"]

_Processor = Callable[[Any], Any]


def upsert_rows(
    connection: Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    update_columns: Sequence[str] | None = None,
) -> None:
    """Insert rows, updating the given (default: all non-key) columns on key conflict."""
    if not rows:
        return
    upsert = bulk_upsert(table, connection.dialect, update_columns)
    upsert.execute(connection, upsert.tuples_from_dicts(rows))


def bulk_upsert(
    table: sa.Table, dialect: Dialect, update_columns: Sequence[str] | None = None
) -> BulkUpsert:
    """The (cached) upsert of ``table`` for ``dialect``."""
    columns = None if update_columns is None else tuple(update_columns)
    return _cached(table, dialect, columns)


@functools.lru_cache(maxsize=256)
def _cached(
    table: sa.Table, dialect: Dialect, update_columns: tuple[str, ...] | None
) -> BulkUpsert:
    return BulkUpsert(table, dialect, update_columns)


class BulkUpsert:
    """One table's upsert: column order, bind processors and the SQL, built once."""

    def __init__(
        self, table: sa.Table, dialect: Dialect, update_columns: Sequence[str] | None = None
    ) -> None:
        self.table = table
        self.dialect = dialect
        self.columns: tuple[str, ...] = tuple(column.name for column in table.columns)
        key = [column.name for column in table.primary_key.columns]
        updates = (
            list(update_columns)
            if update_columns is not None
            else [name for name in self.columns if name not in key]
        )
        self._processors: list[tuple[int, _Processor]] = []
        for index, column in enumerate(table.columns):
            processor = column.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._processors.append((index, processor))
        self._bind_row = _compile_binder(len(self.columns), self._processors)
        prepare = dialect.identifier_preparer
        self._name = prepare.format_table(table)
        self._quoted = [prepare.quote(name) for name in self.columns]
        conflict = ", ".join(prepare.quote(name) for name in key)
        action = (
            "DO UPDATE SET "
            + ", ".join(
                f"{prepare.quote(name)} = excluded.{prepare.quote(name)}" for name in updates
            )
            if updates
            else "DO NOTHING"
        )
        column_list = ", ".join(self._quoted)
        self._on_conflict = f"ON CONFLICT ({conflict}) {action}"
        self.is_postgres = dialect.name == "postgresql"
        if self.is_postgres:
            self._temp = prepare.quote(f"onec_bridge_tmp_{table.name}"[:63])
            self._create_temp = (
                f"CREATE TEMP TABLE IF NOT EXISTS {self._temp} "
                f"(LIKE {self._name} INCLUDING DEFAULTS)"
            )
            self._truncate = f"TRUNCATE {self._temp}"
            self._copy = f"COPY {self._temp} ({column_list}) FROM STDIN"
            self._copy_into_table = f"COPY {self._name} ({column_list}) FROM STDIN"
            self.sql = (
                f"INSERT INTO {self._name} ({column_list}) "
                f"SELECT {column_list} FROM {self._temp} {self._on_conflict}"
            )
        else:
            marks = ", ".join("?" for _ in self.columns)
            self.sql = (
                f"INSERT INTO {self._name} ({column_list}) VALUES ({marks}) {self._on_conflict}"
            )

    def tuples_from_dicts(self, rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """Rows as tuples in column order (a missing column is NULL)."""
        columns = self.columns
        return [tuple(row.get(name) for name in columns) for row in rows]

    def execute(
        self,
        connection: Connection,
        rows: Sequence[tuple[Any, ...]],
        *,
        bound: bool = False,
        likely_new: bool = False,
    ) -> None:
        """Upsert ``rows`` (tuples in ``self.columns`` order) inside the connection's
        transaction; at most one call per table per transaction on PostgreSQL. ``bound``:
        the values are already what the bind processors would make (``StorageMapper``).
        ``likely_new``: the caller expects none of the keys to be stored (a first load);
        PostgreSQL then copies straight into the table, the same result either way."""
        if not rows:
            return
        params = rows if bound else self._bind(rows)
        if not self.is_postgres:
            connection.exec_driver_sql(self.sql, params)
        elif not (likely_new and self._copy_new(connection, params)):
            self._copy_upsert(connection, params)

    def _bind(self, rows: Sequence[tuple[Any, ...]]) -> Sequence[tuple[Any, ...]]:
        if not self._processors:
            return rows
        return list(map(self._bind_row, rows))

    def _copy_new(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> bool:
        """COPY straight into the table under a savepoint; False (rolled back to it) when a
        key is already stored, for the caller to upsert instead."""
        dbapi: Any = connection.connection.dbapi_connection  # a psycopg connection
        with dbapi.cursor() as cursor:
            cursor.execute("SAVEPOINT onec_bridge_copy")
            try:
                with cursor.copy(self._copy_into_table) as copy:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)
            except UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT onec_bridge_copy")
                return False
            cursor.execute("RELEASE SAVEPOINT onec_bridge_copy")
        return True

    def _copy_upsert(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        dbapi: Any = connection.connection.dbapi_connection  # a psycopg connection
        with dbapi.cursor() as cursor:
            # every time: a CREATE rolled back with a failed transaction must not be assumed
            cursor.execute(self._create_temp)
            with cursor.copy(self._copy) as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
            cursor.execute(self.sql)
            cursor.execute(self._truncate)  # TRUNCATE, not DELETE: temp tables are never vacuumed


def _compile_binder(
    width: int, processors: list[tuple[int, _Processor]]
) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A generated ``row -> row`` applying each column's bind processor to non-NULL values."""
    namespace: dict[str, Any] = {f"p{index}": process for index, process in processors}
    parts = [
        f"(p{i}(row[{i}]) if row[{i}] is not None else None)"
        if f"p{i}" in namespace
        else f"row[{i}]"
        for i in range(width)
    ]
    code = f"def bind(row):\n    return ({', '.join(parts)},)\n"
    exec(compile(code, "<onec_bridge binder>", "exec"), namespace)
    bind: Callable[[tuple[Any, ...]], tuple[Any, ...]] = namespace["bind"]
    return bind
