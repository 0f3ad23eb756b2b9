"""SQL identifiers of the emulator's tables (Cyrillic entity-set names are fine in SQLite)."""

from __future__ import annotations

from onec_bridge.emulator.model import EntitySet, TabularSection

__all__ = ["quote", "tabular_table"]


def quote(identifier: str) -> str:
    """Quote an SQL identifier; names come from the configuration, never from a request."""
    return '"' + identifier.replace('"', '""') + '"'


def tabular_table(owner: EntitySet, section: TabularSection) -> str:
    """``Document_Продажа_Товары``: the table (and entity set) of a tabular section."""
    return f"{owner.name}_{section.name}"
