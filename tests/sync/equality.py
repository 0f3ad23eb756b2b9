"""Compare the app database with what the emulated 1C holds, row by row."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from onec_bridge.contract.model import Contract
from onec_bridge.emulator import EmulatorBase
from onec_bridge.mapping.row_mapper import RowMapper
from onec_bridge.store.database import Database


def onec_rows(
    base: EmulatorBase, contract: Contract, entity: str, skip: set[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Every object of the entity's set but ``skip``, mapped as the contract says, by id."""
    spec = contract.entities[entity]
    set_name = spec.source.odata
    assert set_name is not None
    refs = [row[0] for row in base.query(f'SELECT "Ref_Key" FROM "{set_name}"')]
    refs = [ref for ref in refs if ref not in (skip or set())]
    wire = [base.get(set_name, ref) for ref in refs]
    mapped = RowMapper(spec).map_rows(row for row in wire if row is not None)
    assert not mapped.rejected
    return {str(row["id"]): row for row in mapped.rows}


def app_rows(contract: Contract, entity: str) -> dict[str, dict[str, Any]]:
    database = Database(contract)
    try:
        with database.engine.connect() as conn:
            rows = conn.execute(sa.select(database.tables[entity])).mappings().all()
    finally:
        database.dispose()
    return {
        str(row["id"]): {k: (str(v) if k.endswith("id") and v else v) for k, v in row.items()}
        for row in rows
    }


def assert_equal_to_onec(
    base: EmulatorBase,
    contract: Contract,
    entity: str,
    physically_deleted: set[str] | frozenset[str] = frozenset(),
) -> None:
    expected = onec_rows(base, contract, entity)
    actual = app_rows(contract, entity)
    flag = contract.entities[entity].deletion_flag
    gone = set(actual) - set(expected)
    assert gone == set(physically_deleted), "rows in the app that 1C does not have"
    for key in gone:
        assert flag and actual[key][flag] is True, f"{key} deleted in 1C but not flagged"
    missing = set(expected) - set(actual)
    assert not missing, f"{len(missing)} rows of 1C missing in the app"
    stale = [key for key in expected if expected[key] != actual[key]]
    assert not stale, f"stale rows: {stale[:3]} e.g. {expected[stale[0]]} != {actual[stale[0]]}"
