"""Storage of an emulated 1C base in SQLite (a file, or memory when no path is given).

Every write goes through here: it assigns a new ``DataVersion`` and registers the
change for each exchange-plan node, like 1C's change registration does.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from onec_bridge.emulator.demo_config import demo_configuration
from onec_bridge.emulator.model import Configuration, EntitySet, ObjectKind
from onec_bridge.emulator.row_shape import RowShape
from onec_bridge.emulator.schema import configuration_fingerprint, schema_statements
from onec_bridge.emulator.sql_names import quote
from onec_bridge.emulator.values import default_storage_value, encode_data_version, new_uuid1

__all__ = ["BaseMismatchError", "BaseStorage"]

_BULK_PRAGMAS = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    "PRAGMA cache_size = -262144",  # 256 MiB while loading and indexing
    "PRAGMA temp_store = MEMORY",
    "PRAGMA threads = 2",  # CREATE INDEX sorts with a helper thread
)


class BaseMismatchError(ValueError):
    """The file holds a base of another configuration (or another generation)."""


class BaseStorage:
    """A 1C base: configuration + data. Thread-safe; one SQLite connection behind a lock."""

    def __init__(self, connection: sqlite3.Connection, configuration: Configuration) -> None:
        self.configuration = configuration
        self._connection = connection
        self._lock = threading.RLock()
        self._shapes = {s.name: RowShape(s) for s in configuration.entity_sets}
        self._rng = random.Random()
        self._data_version = int(self.meta_get("data_version") or "0")

    @classmethod
    def open(cls, path: str | Path | None, configuration: Configuration | None = None) -> Self:
        """Open (creating if needed) a base; ``None`` is an in-memory base."""
        configuration = configuration or demo_configuration()
        target = ":memory:" if path is None else str(path)
        connection = sqlite3.connect(target, check_same_thread=False)
        if path is not None:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
        with connection:
            for statement in schema_statements(configuration):
                connection.execute(statement)
        base = cls(connection, configuration)
        base._check_fingerprint(path)
        return base

    def _check_fingerprint(self, path: str | Path | None) -> None:
        fingerprint = configuration_fingerprint(self.configuration)
        stored = self.meta_get("configuration")
        if stored is None:
            self.meta_set("configuration", fingerprint)
        elif stored != fingerprint:
            self.close()
            raise BaseMismatchError(
                f"{path} holds a base of another configuration (fingerprint {stored}, "
                f"expected {fingerprint}); delete the file or open it with its own configuration"
            )

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- reading -------------------------------------------------------------------------

    def entity_set(self, name: str) -> EntitySet | None:
        return self.configuration.entity_set(name)

    def shape(self, set_name: str) -> RowShape:
        return self._shapes[set_name]

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._connection.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def get_row(self, set_name: str, ref_key: str) -> tuple[Any, ...] | None:
        """The stored tuple of one object (columns in property order)."""
        self._require_set(set_name)
        rows = self.query(f'SELECT * FROM {quote(set_name)} WHERE "Ref_Key" = ?', (ref_key,))
        return rows[0] if rows else None

    def get(self, set_name: str, ref_key: str) -> dict[str, Any] | None:
        """The wire-form row of one object, as the JSON interface shows it (no odata.metadata)."""
        row = self.get_row(set_name, ref_key.lower())
        return None if row is None else self._shapes[set_name].to_wire(row)

    def count(self, set_name: str) -> int:
        self._require_set(set_name)
        return int(self.scalar(f"SELECT count(*) FROM {quote(set_name)}"))

    def meta_get(self, key: str) -> str | None:
        value = self.scalar("SELECT value FROM _meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    def meta_set(self, key: str, value: str) -> None:
        with self._lock, self._connection:
            self._connection.execute(
                "INSERT INTO _meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # --- writing -------------------------------------------------------------------------

    def new_ref_key(self) -> str:
        with self._lock:
            return new_uuid1(self._rng)

    def next_data_version(self) -> str:
        with self._lock:
            self._data_version += 1
            return encode_data_version(self._data_version)

    def insert_objects(self, set_name: str, objects: Iterable[Mapping[str, Any]]) -> list[str]:
        """Insert objects given in storage form; missing properties get 1C's empty values."""
        entity_set = self._require_set(set_name)
        names = [prop.name for prop in entity_set.properties]
        placeholders = ", ".join("?" for _ in names)
        sql = f"INSERT INTO {quote(set_name)} VALUES ({placeholders})"
        with self._lock, self._connection:
            rows = self._complete_rows(entity_set, objects)
            refs = [row[0] for row in rows]
            self._connection.executemany(sql, rows)
            self._register_changes(set_name, refs)
            self._persist_data_version()
        return refs

    def _complete_rows(
        self, entity_set: EntitySet, objects: Iterable[Mapping[str, Any]]
    ) -> list[list[Any]]:
        """Rows in column order: a new ``Ref_Key`` when none is given, the next
        ``DataVersion`` for each row in turn, 1C's empty value for what is missing."""
        defaults = {
            prop.name: None if prop.name == "Ref_Key" else default_storage_value(prop)
            for prop in entity_set.properties
        }
        names = list(defaults)
        pick = itemgetter(*names)
        ref_index = names.index("Ref_Key") if "Ref_Key" in names else None
        version_index = names.index("DataVersion") if "DataVersion" in names else None
        rows = []
        for values in objects:
            merged = {**defaults, **values}
            row = list(pick(merged)) if len(names) > 1 else [pick(merged)]
            if ref_index is not None:
                row[ref_index] = str(row[ref_index] or self.new_ref_key()).lower()
            if version_index is not None:  # the caller holds the lock
                self._data_version += 1
                row[version_index] = encode_data_version(self._data_version)
            rows.append(row)
        return rows

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """A one-off load into an empty base: no indexes and no journal while it runs,
        the indexes built once at the end (much faster than keeping them up to date)."""
        with self._lock:
            connection = self._connection
            indexes = connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).fetchall()
            journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
            synchronous = connection.execute("PRAGMA synchronous").fetchone()[0]
            for pragma in _BULK_PRAGMAS:
                connection.execute(pragma)
            for name, _ in indexes:
                connection.execute(f"DROP INDEX {quote(name)}")
            try:
                yield
            finally:
                with connection:
                    for _, sql in indexes:
                        connection.execute(sql)
                connection.execute("PRAGMA cache_size = -2000")
                connection.execute(f"PRAGMA synchronous = {int(synchronous)}")
                connection.execute(f"PRAGMA journal_mode = {journal}")

    def update_object(self, set_name: str, ref_key: str, changes: Mapping[str, Any]) -> bool:
        """Change properties (storage form) of one object; False when it does not exist."""
        entity_set = self._require_set(set_name)
        for name in changes:
            if entity_set.get_property(name) is None or name in ("Ref_Key", "DataVersion"):
                raise KeyError(f"{set_name} has no writable property {name!r}")
        assignments = ", ".join(f"{quote(name)} = ?" for name in [*changes, "DataVersion"])
        sql = f'UPDATE {quote(set_name)} SET {assignments} WHERE "Ref_Key" = ?'
        with self._lock, self._connection:
            params = [*changes.values(), self.next_data_version(), ref_key]
            updated = self._connection.execute(sql, params).rowcount > 0
            if updated:
                self._register_changes(set_name, [ref_key])
                self._persist_data_version()
        return updated

    def set_deletion_mark(self, set_name: str, ref_key: str, mark: bool) -> None:
        if not self.update_object(set_name, ref_key, {"DeletionMark": int(mark)}):
            raise KeyError(f"{set_name}: no object with Ref_Key {ref_key}")

    def delete_object(self, set_name: str, ref_key: str) -> None:
        """Physical delete (what OData DELETE does); the deletion is registered too."""
        entity_set = self._require_set(set_name)
        with self._lock, self._connection:
            cursor = self._connection.execute(
                f'DELETE FROM {quote(set_name)} WHERE "Ref_Key" = ?', (ref_key,)
            )
            if cursor.rowcount == 0:
                raise KeyError(f"{set_name}: no object with Ref_Key {ref_key}")
            for section in entity_set.tabular_sections:
                table = quote(f"{set_name}_{section.name}")
                self._connection.execute(f'DELETE FROM {table} WHERE "Ref_Key" = ?', (ref_key,))
            self._register_changes(set_name, [ref_key])

    def write_section(
        self, set_name: str, ref_key: str, section: str, lines: Sequence[Mapping[str, Any]]
    ) -> str:
        """Write an object with ``lines`` (storage form, without ``Ref_Key``/``LineNumber``)
        as its tabular section ``section``, as 1C writes it: the whole section replaced,
        lines numbered 1..N, a new ``DataVersion`` for the object, the change registered —
        one transaction. Returns the new DataVersion."""
        entity_set = self._require_set(set_name)
        if section not in {item.name for item in entity_set.tabular_sections}:
            raise KeyError(f"{set_name} has no tabular section {section!r}")
        table = quote(f"{set_name}_{section}")
        columns = [row[1] for row in self.query(f"PRAGMA table_info({table})")]
        numbered = [
            {**line, "Ref_Key": ref_key, "LineNumber": number}
            for number, line in enumerate(lines, start=1)
        ]
        insert = (
            f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        bump = f'UPDATE {quote(set_name)} SET "DataVersion" = ? WHERE "Ref_Key" = ?'
        with self._lock, self._connection:
            version = self.next_data_version()
            if self._connection.execute(bump, (version, ref_key)).rowcount == 0:
                raise KeyError(f"{set_name}: no object with Ref_Key {ref_key}")
            self._connection.execute(f'DELETE FROM {table} WHERE "Ref_Key" = ?', (ref_key,))
            self._connection.executemany(
                insert, [[line.get(column) for column in columns] for line in numbered]
            )
            self._register_changes(set_name, [ref_key])
            self._persist_data_version()
        return version

    def section_lines(self, set_name: str, ref_key: str, section: str) -> list[dict[str, Any]]:
        """One object's tabular-section lines (storage form) in ``LineNumber`` order, without
        ``Ref_Key`` and ``LineNumber``: what :meth:`write_section` takes."""
        table = quote(f"{set_name}_{section}")
        with self._lock:
            cursor = self._connection.execute(
                f'SELECT * FROM {table} WHERE "Ref_Key" = ? ORDER BY "LineNumber"', (ref_key,)
            )
            names = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
        return [
            {
                name: value
                for name, value in zip(names, row, strict=True)
                if name not in ("Ref_Key", "LineNumber")
            }
            for row in rows
        ]

    def replace_rows(
        self, table: str, match: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
    ) -> int:
        """Replace the rows of ``table`` (a register or a tabular-section table) that match
        ``match`` (column = value) by ``rows`` in one transaction; returns the new row count.

        Used for a recorder's register records and for an object's tabular section; the
        change is registered under the first ``match`` value (the recorder / owner)."""
        columns = [row[1] for row in self.query(f"PRAGMA table_info({quote(table)})")]
        where = " AND ".join(f"{quote(name)} = ?" for name in match)
        insert = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        values = [[row.get(column) for column in columns] for row in rows]
        owner_set = table if self.configuration.entity_set(table) else None
        with self._lock, self._connection:
            if match:  # an empty ``match`` only appends (bulk generation)
                delete = f"DELETE FROM {quote(table)} WHERE {where}"
                self._connection.execute(delete, list(match.values()))
                if owner_set is not None:
                    self._register_changes(owner_set, [str(next(iter(match.values())))])
            self._connection.executemany(insert, values)
        return len(values)

    def _register_changes(self, set_name: str, ref_keys: Sequence[str]) -> None:
        if set_name.startswith(ObjectKind.EXCHANGE_PLAN.value + "_"):
            return
        nodes = self._exchange_nodes()
        if not nodes or not ref_keys:
            return
        self._connection.executemany(
            "INSERT INTO _changes (node, set_name, ref_key, message_no) VALUES (?, ?, ?, NULL) "
            "ON CONFLICT (node, set_name, ref_key) DO UPDATE SET message_no = NULL",
            [(node, set_name, ref) for node in nodes for ref in ref_keys],
        )

    def _exchange_nodes(self) -> list[str]:
        nodes: list[str] = []
        for entity_set in self.configuration.entity_sets:
            if entity_set.kind is ObjectKind.EXCHANGE_PLAN:
                table = quote(entity_set.name)
                rows = self._connection.execute(
                    f'SELECT "Ref_Key" FROM {table} WHERE "ThisNode" = 0'
                ).fetchall()
                nodes += [f"{entity_set.name}:{row[0]}" for row in rows]
        return nodes

    def _persist_data_version(self) -> None:
        self._connection.execute(
            "INSERT INTO _meta (key, value) VALUES ('data_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(self._data_version),),
        )

    def _require_set(self, set_name: str) -> EntitySet:
        entity_set = self.configuration.entity_set(set_name)
        if entity_set is None:
            known = ", ".join(s.name for s in self.configuration.entity_sets)
            raise KeyError(f"unknown entity set {set_name!r}; this base has: {known}")
        return entity_set
