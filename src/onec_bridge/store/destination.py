"""Destination tables built from the contract."""

from __future__ import annotations

import sqlalchemy as sa

from onec_bridge.contract.model import Entity
from onec_bridge.store.column_types import sql_type

__all__ = ["destination_table"]


def destination_table(metadata: sa.MetaData, table_name: str, entity: Entity) -> sa.Table:
    """A table with one column per mapped field, the contract key as primary key,
    and an index on every column that references another entity."""
    columns = [
        sa.Column(
            name,
            sql_type(spec.resolved_type),
            primary_key=name in entity.key,
            nullable=spec.nullable and name not in entity.key,
            index=bool(spec.references),
            info={"contract_type": spec.resolved_type},
        )
        for name, spec in entity.fields.items()
    ]
    return sa.Table(table_name, metadata, *columns)
