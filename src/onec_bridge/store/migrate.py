"""Evolve destination tables toward the contract without ever losing data silently.

For each contract table the live table (SQLAlchemy inspector) is compared with
what the contract describes:

- a missing table is created;
- a new column is added, nullable, to a table that keeps its rows (the next
  ``sync --full`` fills it in);
- a column whose type grows (``string(11)`` -> ``string(25)``, ``decimal(15,2)``
  -> ``decimal(20,2)``) is widened in place;
- anything that can lose data — a column gone from the contract, a type that
  narrows or changes kind, a different key — is refused with
  :class:`SchemaConflict`, unless ``force`` is given: then the column is dropped
  and recreated (or the table, for a key change).

Every change is planned first, so a refusal leaves the database untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

import sqlalchemy as sa
import structlog
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.engine import Connection

from onec_bridge.store.type_shapes import is_widening, render_type, shape_of

__all__ = ["ChangeKind", "SchemaChange", "SchemaConflict", "evolve_tables", "plan_changes"]

log = structlog.get_logger("onec_bridge.store")

BACKFILL_HINT = "run `onec-bridge sync ENTITY --full` to fill it for existing rows"


class ChangeKind(Enum):
    CREATE_TABLE = "create table"
    ADD_COLUMN = "add column"
    WIDEN_COLUMN = "widen column"
    DROP_COLUMN = "drop column"
    RETYPE_COLUMN = "retype column"
    RECREATE_TABLE = "recreate table"

    @property
    def destructive(self) -> bool:
        return self in _DESTRUCTIVE


_DESTRUCTIVE = {ChangeKind.DROP_COLUMN, ChangeKind.RETYPE_COLUMN, ChangeKind.RECREATE_TABLE}


@dataclass(frozen=True)
class SchemaChange:
    kind: ChangeKind
    table: str
    column: str | None = None
    old: str | None = None
    new: str | None = None

    def describe(self) -> str:
        where = f"table {self.table}" + (f", column {self.column}" if self.column else "")
        if self.kind is ChangeKind.DROP_COLUMN:
            return f"{where} ({self.old}) is no longer in the contract; dropping it loses its data"
        if self.kind is ChangeKind.RETYPE_COLUMN:
            return f"{where}: type {self.old} -> {self.new} can lose data"
        if self.kind is ChangeKind.RECREATE_TABLE:
            return f"{where}: key ({self.old}) -> ({self.new}) needs the table recreated"
        if self.kind is ChangeKind.ADD_COLUMN:
            return f"{where}: new column {self.new}, empty in existing rows; {BACKFILL_HINT}"
        if self.kind is ChangeKind.WIDEN_COLUMN:
            return f"{where}: type {self.old} -> {self.new}, every value kept"
        return f"{where}: created"


class SchemaConflict(RuntimeError):
    """The contract changes destination tables in a way that would lose data."""

    def __init__(self, changes: Sequence[SchemaChange]) -> None:
        self.changes = list(changes)
        lines = "\n".join(f"  - {change.describe()}" for change in self.changes)
        super().__init__(
            "refusing to change the app database: the contract differs from the live tables "
            f"in ways that can lose data:\n{lines}\n"
            "Nothing was changed. Either restore the old definition in the contract, or apply "
            "the change with `onec-bridge sync --force-schema --full` (drops and recreates the "
            "listed columns or tables; --full refills them from 1C)."
        )


def plan_changes(connection: Connection, tables: Iterable[sa.Table]) -> list[SchemaChange]:
    """What it takes to bring the live tables to the contract's, in order."""
    tables = list(tables)
    if not tables:
        return []
    inspector = sa.inspect(connection)
    live_tables = set(inspector.get_table_names())
    changes: list[SchemaChange] = []
    for table in tables:
        if table.name not in live_tables:
            changes.append(SchemaChange(ChangeKind.CREATE_TABLE, table.name))
            continue
        changes.extend(_table_changes(connection, inspector, table))
    return changes


def evolve_tables(
    connection: Connection, tables: Sequence[sa.Table], *, force: bool = False
) -> list[SchemaChange]:
    """Apply :func:`plan_changes`; raise :class:`SchemaConflict` for lossy ones unless forced."""
    changes = plan_changes(connection, tables)
    destructive = [change for change in changes if change.kind.destructive]
    if destructive and not force:
        raise SchemaConflict(destructive)
    if not changes:
        return changes
    by_name = {table.name: table for table in tables}
    operations = Operations(MigrationContext.configure(connection))
    for change in changes:
        _apply(connection, operations, change, by_name[change.table])
        _log(change)
    return changes


def _table_changes(
    connection: Connection, inspector: sa.Inspector, table: sa.Table
) -> list[SchemaChange]:
    dialect = connection.dialect
    live = {column["name"]: column for column in inspector.get_columns(table.name)}
    live_key = list(inspector.get_pk_constraint(table.name)["constrained_columns"])
    contract_key = [column.name for column in table.primary_key.columns]
    if sorted(live_key) != sorted(contract_key):
        old, new = ", ".join(live_key), ", ".join(contract_key)
        return [SchemaChange(ChangeKind.RECREATE_TABLE, table.name, None, old, new)]
    changes: list[SchemaChange] = []
    for column in table.columns:
        new_text = _contract_type_text(column, dialect)
        if column.name not in live:
            changes.append(
                SchemaChange(ChangeKind.ADD_COLUMN, table.name, column.name, None, new_text)
            )
            continue
        old_type = live[column.name]["type"]
        old_shape, new_shape = shape_of(old_type, dialect), shape_of(column.type, dialect)
        if old_shape == new_shape:
            continue
        kind = (
            ChangeKind.WIDEN_COLUMN
            if is_widening(old_shape, new_shape)
            else ChangeKind.RETYPE_COLUMN
        )
        old_text = render_type(old_type, dialect)
        changes.append(SchemaChange(kind, table.name, column.name, old_text, new_text))
    for name, reflected in live.items():
        if name not in table.columns:
            old_text = render_type(reflected["type"], dialect)
            changes.append(SchemaChange(ChangeKind.DROP_COLUMN, table.name, name, old_text))
    return changes


def _contract_type_text(column: sa.Column[object], dialect: sa.Dialect) -> str:
    rendered = render_type(column.type, dialect)
    declared = column.info.get("contract_type")
    return f"{rendered} (contract: {declared})" if declared else rendered


def _apply(
    connection: Connection, operations: Operations, change: SchemaChange, table: sa.Table
) -> None:
    kind = change.kind
    if kind is ChangeKind.CREATE_TABLE:
        table.create(connection)
    elif kind is ChangeKind.RECREATE_TABLE:
        table.drop(connection)
        table.create(connection)
    elif kind is ChangeKind.ADD_COLUMN:
        assert change.column is not None
        _add_column(operations, table, change.column)
    elif kind is ChangeKind.WIDEN_COLUMN:
        column = table.c[change.column or ""]
        with operations.batch_alter_table(table.name) as batch:
            batch.alter_column(column.name, type_=column.type)
    elif kind is ChangeKind.RETYPE_COLUMN:
        assert change.column is not None
        _drop_column(operations, table.name, change.column)
        _add_column(operations, table, change.column)
    elif kind is ChangeKind.DROP_COLUMN:
        _drop_column(operations, table.name, change.column or "")


def _add_column(operations: Operations, table: sa.Table, name: str) -> None:
    column = table.c[name]
    operations.add_column(table.name, sa.Column(name, column.type, nullable=True))
    for index in table.indexes:
        if [indexed.name for indexed in index.columns] == [name] and index.name:
            operations.create_index(str(index.name), table.name, [name])


def _drop_column(operations: Operations, table_name: str, name: str) -> None:
    with operations.batch_alter_table(table_name) as batch:
        batch.drop_column(name)


def _log(change: SchemaChange) -> None:
    named = {"table": change.table, "column": change.column, "old": change.old, "new": change.new}
    fields = {name: value for name, value in named.items() if value is not None}
    if change.kind.destructive:
        log.warning(f"schema.{change.kind.name.lower()}", **fields, hint=change.describe())
    elif change.kind is ChangeKind.ADD_COLUMN:
        log.warning("schema.add_column", **fields, hint=BACKFILL_HINT)
    else:
        log.info(f"schema.{change.kind.name.lower()}", **fields)
