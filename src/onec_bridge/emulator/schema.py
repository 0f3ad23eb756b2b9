"""SQLite schema of an emulated base: one table per entity set, one real column per property.

Tables are rowid tables; the rowid is the creation order, which is also the order
a collection comes in when no ``$orderby`` is given.
"""

from __future__ import annotations

import hashlib

from onec_bridge.emulator.model import Configuration, EdmType, EntitySet, Property
from onec_bridge.emulator.sql_names import quote, tabular_table

__all__ = ["INDEXED_PROPERTIES", "configuration_fingerprint", "schema_statements"]

INDEXED_PROPERTIES = ("Code", "Description", "Parent_Key", "Owner_Key", "Number", "Date", "Period")

_SQL_TYPES = {
    EdmType.STRING: "TEXT",
    EdmType.GUID: "TEXT",
    EdmType.BOOLEAN: "INTEGER",
    EdmType.DOUBLE: "REAL",
    EdmType.INT16: "INTEGER",
    EdmType.INT32: "INTEGER",
    EdmType.INT64: "INTEGER",
    EdmType.DATETIME: "TEXT",
}
_META_TABLES = (
    "CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS _changes (node TEXT NOT NULL, set_name TEXT NOT NULL, "
    "ref_key TEXT NOT NULL, message_no INTEGER, PRIMARY KEY (node, set_name, ref_key))",
)


def _column(prop: Property) -> str:
    return f"{quote(prop.name)} {_SQL_TYPES[prop.type]}"


def _set_statements(entity_set: EntitySet) -> list[str]:
    table = quote(entity_set.name)
    columns = ", ".join(_column(prop) for prop in entity_set.properties)
    statements = [f"CREATE TABLE IF NOT EXISTS {table} ({columns})"]
    key = ", ".join(quote(name) for name in entity_set.key)
    statements.append(
        f"CREATE UNIQUE INDEX IF NOT EXISTS {quote(entity_set.name + '__key')} ON {table} ({key})"
    )
    for name in INDEXED_PROPERTIES:
        if entity_set.get_property(name) is not None and name not in entity_set.key:
            index = quote(f"{entity_set.name}__{name}")
            statements.append(f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({quote(name)})")
    for section in entity_set.tabular_sections:
        section_table = tabular_table(entity_set, section)
        section_columns = ", ".join(_column(prop) for prop in section.properties)
        statements.append(
            f'CREATE TABLE IF NOT EXISTS {quote(section_table)} ("Ref_Key" TEXT NOT NULL, '
            f'"LineNumber" INTEGER NOT NULL, {section_columns})'
        )
        statements.append(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {quote(section_table + '__key')} "
            f'ON {quote(section_table)} ("Ref_Key", "LineNumber")'
        )
    return statements


def schema_statements(configuration: Configuration) -> list[str]:
    """Idempotent DDL for the whole configuration."""
    statements = list(_META_TABLES)
    for entity_set in configuration.entity_sets:
        statements += _set_statements(entity_set)
    return statements


def configuration_fingerprint(configuration: Configuration) -> str:
    """Changes when a set, a property or its type changes, so a stale file is detected."""
    digest = hashlib.sha256()
    for entity_set in configuration.entity_sets:
        digest.update(entity_set.name.encode())
        for prop in entity_set.properties:
            digest.update(f"|{prop.name}:{prop.type.value}".encode())
        for section in entity_set.tabular_sections:
            digest.update(f"#{section.name}".encode())
            for prop in section.properties:
                digest.update(f"|{prop.name}:{prop.type.value}".encode())
    return digest.hexdigest()[:16]
