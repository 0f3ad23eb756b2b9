"""What the emulated 1C shows for a source (read independently of the engine) vs the app table.

The truth is read in one plain request per source, not the way the engine reads it:
a tabular section from its ``Document_X_Товары`` set (the engine explodes the owners'
arrays), an HTTP-service list from the OData catalog it serves, and so on.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
import sqlalchemy as sa

from onec_bridge.contract.model import Contract, Entity
from onec_bridge.mapping.row_mapper import RowMapper
from onec_bridge.store.database import Database
from tests.sync.conftest import PASSWORD, USER

Rows = dict[tuple[str, ...], dict[str, Any]]


async def onec_wire_rows(transport: httpx2.AsyncBaseTransport, path: str) -> list[dict[str, Any]]:
    """Rows of ``GET {odata root}/{path}`` (a set or a virtual table), all at once."""
    async with httpx2.AsyncClient(
        transport=transport, base_url="http://emulator/demo", auth=(USER, PASSWORD)
    ) as client:
        answer = await client.get(f"/odata/standard.odata/{path}", params={"$format": "json"})
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()["value"]
        return rows


def keyed(entity: Entity, rows: list[dict[str, Any]]) -> Rows:
    mapped = RowMapper(entity).map_rows(rows)
    assert not mapped.rejected, mapped.rejected[:2]
    return {_key(entity, row): _normal(row) for row in mapped.rows}


async def onec_truth(transport: httpx2.AsyncBaseTransport, entity: Entity, path: str) -> Rows:
    return keyed(entity, await onec_wire_rows(transport, path))


def app_table(contract: Contract, name: str) -> Rows:
    database = Database(contract)
    try:
        with database.engine.connect() as conn:
            rows = conn.execute(sa.select(database.tables[name])).mappings().all()
    finally:
        database.dispose()
    entity = contract.entities[name]
    return {_key(entity, dict(row)): _normal(dict(row)) for row in rows}


def assert_table_equals(
    truth: Rows,
    actual: Rows,
    flagged: set[tuple[str, ...]] = frozenset(),  # type: ignore[assignment]
) -> None:
    """``actual`` holds exactly ``truth``, plus the ``flagged`` keys (soft-deleted in the app)."""
    extra = set(actual) - set(truth)
    assert extra == set(flagged), f"rows 1C does not have: {sorted(extra)[:3]}"
    missing = set(truth) - set(actual)
    assert not missing, f"{len(missing)} rows of 1C missing, e.g. {sorted(missing)[:2]}"
    stale = [key for key in truth if truth[key] != actual[key]]
    assert not stale, f"stale: {stale[:2]}: {truth[stale[0]]} != {actual[stale[0]]}"


def _key(entity: Entity, row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(_plain(row[column])) for column in entity.key)


def _normal(row: dict[str, Any]) -> dict[str, Any]:
    return {column: _plain(value) for column, value in row.items()}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value
