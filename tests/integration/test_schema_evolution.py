"""Destination tables follow the contract: safe additions applied, lossy changes refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from onec_bridge.contract.model import Contract
from onec_bridge.store.database import Database
from onec_bridge.store.migrate import ChangeKind, SchemaConflict

GUID_A = "5f6a1d1c-2f55-11ef-8b5a-0242ac120002"
GUID_B = "6a7b2e2d-2f55-11ef-8b5a-0242ac120002"
BASE_FIELDS: dict[str, Any] = {
    "id": "Ref_Key",
    "code": {"from": "Code", "type": "string(11)"},
    "name": "Description",
    "price": {"from": "Цена", "type": "decimal(15,2)"},
}


def _database(url: str, fields: dict[str, Any], key: list[str] | None = None) -> Database:
    entity: dict[str, Any] = {"source": {"odata": "Catalog_Номенклатура"}, "fields": fields}
    if key:
        entity["key"] = key
    contract = Contract.model_validate(
        {
            "onec": {"url": "http://h/b", "user": "u"},
            "database": {"url": url},
            "entities": {"products": entity},
        }
    )
    return Database(contract)


def _seed(url: str) -> None:
    db = _database(url, BASE_FIELDS)
    db.create_schema()
    rows = [
        {"id": GUID_A, "code": "00-01", "name": "Молоко", "price": Decimal("10.50")},
        {"id": GUID_B, "code": "00-02", "name": "Хлеб", "price": Decimal("3.20")},
    ]
    with db.engine.begin() as conn:
        conn.execute(db.tables["products"].insert(), rows)
        conn.execute(
            db.state.row_versions.insert(),
            [{"entity": "products", "row_key": row["id"]} for row in rows],
        )
    db.dispose()


def _rows(db: Database) -> list[dict[str, Any]]:
    table = db.tables["products"]
    with db.engine.connect() as conn:
        return [dict(row) for row in conn.execute(sa.select(table).order_by("code")).mappings()]


def _live_columns(db: Database) -> dict[str, str]:
    columns = sa.inspect(db.engine).get_columns("products")
    return {column["name"]: str(column["type"]) for column in columns}


def test_unchanged_contract_changes_nothing(database_url: str) -> None:
    _seed(database_url)
    db = _database(database_url, BASE_FIELDS)
    assert db.create_schema() == []
    assert len(_rows(db)) == 2
    db.dispose()


def test_new_column_is_added_and_rows_are_kept(database_url: str) -> None:
    _seed(database_url)
    fields = {**BASE_FIELDS, "barcode": {"from": "ШтрихКод", "type": "string(20)"}}
    db = _database(database_url, fields)
    changes = db.create_schema()
    assert [(c.kind, c.column) for c in changes] == [(ChangeKind.ADD_COLUMN, "barcode")]
    assert "--full" in changes[0].describe()
    rows = _rows(db)
    assert [(row["name"], row["price"], row["barcode"]) for row in rows] == [
        ("Молоко", Decimal("10.50"), None),
        ("Хлеб", Decimal("3.20"), None),
    ]
    assert db.create_schema() == []
    db.dispose()


def test_new_reference_column_gets_its_index(database_url: str) -> None:
    _seed(database_url)
    fields = {**BASE_FIELDS, "unit_id": {"from": "Единица_Key", "references": "products"}}
    db = _database(database_url, fields)
    db.create_schema()
    indexes = sa.inspect(db.engine).get_indexes("products")
    db.dispose()
    assert [index["column_names"] for index in indexes] == [["unit_id"]]


def test_widening_a_column_keeps_every_value(database_url: str) -> None:
    _seed(database_url)
    fields = {
        **BASE_FIELDS,
        "code": {"from": "Code", "type": "string(25)"},
        "price": {"from": "Цена", "type": "decimal(20,3)"},
    }
    db = _database(database_url, fields)
    changes = db.create_schema()
    assert {(c.kind, c.column) for c in changes} == {
        (ChangeKind.WIDEN_COLUMN, "code"),
        (ChangeKind.WIDEN_COLUMN, "price"),
    }
    assert _live_columns(db)["code"] == "VARCHAR(25)"
    assert [(row["code"], row["price"]) for row in _rows(db)] == [
        ("00-01", Decimal("10.50")),
        ("00-02", Decimal("3.20")),
    ]
    assert db.create_schema() == []
    db.dispose()


def test_removed_column_is_refused_with_the_way_out(database_url: str) -> None:
    _seed(database_url)
    fields = {name: spec for name, spec in BASE_FIELDS.items() if name != "price"}
    db = _database(database_url, fields)
    with pytest.raises(SchemaConflict) as caught:
        db.create_schema()
    message = str(caught.value)
    assert "table products, column price" in message
    assert "no longer in the contract" in message
    assert "--force-schema" in message
    assert "price" in _live_columns(db)
    db.dispose()


def test_forced_removal_drops_only_that_column(database_url: str) -> None:
    _seed(database_url)
    fields = {name: spec for name, spec in BASE_FIELDS.items() if name != "price"}
    db = _database(database_url, fields)
    changes = db.create_schema(force_schema=True)
    assert [(c.kind, c.column) for c in changes] == [(ChangeKind.DROP_COLUMN, "price")]
    assert [(row["code"], row["name"]) for row in _rows(db)] == [
        ("00-01", "Молоко"),
        ("00-02", "Хлеб"),
    ]
    assert "price" not in _live_columns(db)
    db.dispose()


def test_lossy_type_change_names_old_and_new_type(database_url: str) -> None:
    _seed(database_url)
    fields = {**BASE_FIELDS, "code": {"from": "Code", "type": "integer"}}
    db = _database(database_url, fields)
    with pytest.raises(SchemaConflict) as caught:
        db.create_schema()
    message = str(caught.value)
    assert "table products, column code: type VARCHAR(11) -> BIGINT (contract: integer)" in message
    assert [row["code"] for row in _rows(db)] == ["00-01", "00-02"]
    changes = db.create_schema(force_schema=True)
    assert [(c.kind, c.column) for c in changes] == [(ChangeKind.RETYPE_COLUMN, "code")]
    assert _live_columns(db)["code"] == "BIGINT"
    assert {row["name"]: row["code"] for row in _rows(db)} == {"Молоко": None, "Хлеб": None}
    db.dispose()


def test_narrowing_a_string_is_refused(database_url: str) -> None:
    _seed(database_url)
    db = _database(database_url, {**BASE_FIELDS, "code": {"from": "Code", "type": "string(5)"}})
    with pytest.raises(SchemaConflict, match=r"VARCHAR\(11\) -> VARCHAR\(5\)"):
        db.create_schema()
    db.dispose()


def test_key_change_is_refused_then_forced_with_a_fresh_load(database_url: str) -> None:
    _seed(database_url)
    db = _database(database_url, BASE_FIELDS, key=["code"])
    with pytest.raises(SchemaConflict, match=r"table products: key \(id\) -> \(code\)"):
        db.create_schema()
    assert len(_rows(db)) == 2
    changes = db.create_schema(force_schema=True)
    assert [c.kind for c in changes] == [ChangeKind.RECREATE_TABLE]
    assert sa.inspect(db.engine).get_pk_constraint("products")["constrained_columns"] == ["code"]
    assert _rows(db) == []
    with db.engine.connect() as conn:
        versions = conn.execute(sa.select(sa.func.count()).select_from(db.state.row_versions))
        assert versions.scalar() == 0
    db.dispose()


def test_refusal_changes_nothing_at_all(database_url: str) -> None:
    _seed(database_url)
    fields = {
        **{name: spec for name, spec in BASE_FIELDS.items() if name != "price"},
        "barcode": {"from": "ШтрихКод", "type": "string(20)"},
    }
    db = _database(database_url, fields)
    with pytest.raises(SchemaConflict):
        db.create_schema()
    assert set(_live_columns(db)) == {"id", "code", "name", "price"}
    db.dispose()


def test_dropped_table_is_recreated_and_loaded_afresh(database_url: str) -> None:
    _seed(database_url)
    db = _database(database_url, BASE_FIELDS)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE products"))
    changes = db.create_schema()
    assert [c.kind for c in changes] == [ChangeKind.CREATE_TABLE]
    with db.engine.connect() as conn:
        versions = conn.execute(sa.select(sa.func.count()).select_from(db.state.row_versions))
        assert versions.scalar() == 0
    db.dispose()


def _inspected_tables(db: Database, monkeypatch: pytest.MonkeyPatch, **options: bool) -> list[str]:
    """The destination tables ``create_schema`` compares with the live database."""
    from onec_bridge.store import database as database_module

    inspected: list[str] = []
    evolve = database_module.evolve_tables

    def recording(conn: sa.Connection, tables: list[sa.Table], **kw: bool) -> object:
        inspected.extend(table.name for table in tables)
        return evolve(conn, tables, **kw)

    monkeypatch.setattr(database_module, "evolve_tables", recording)
    db.create_schema(**options)
    monkeypatch.setattr(database_module, "evolve_tables", evolve)
    return inspected


def test_an_unchanged_table_is_not_inspected_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(database_url)
    db = _database(database_url, BASE_FIELDS)
    assert _inspected_tables(db, monkeypatch) == []
    assert _inspected_tables(db, monkeypatch, recheck=True) == ["products"]  # sync --full
    assert _inspected_tables(db, monkeypatch, force_schema=True) == ["products"]
    db.dispose()
    grown = _database(database_url, {**BASE_FIELDS, "sku": "Артикул"})
    assert _inspected_tables(grown, monkeypatch) == ["products"]  # the definition changed
    assert "sku" in _live_columns(grown)
    assert _inspected_tables(grown, monkeypatch) == []
    grown.dispose()


def test_a_refused_change_is_checked_again_next_time(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fingerprint is recorded with the change, so a refusal records nothing."""
    _seed(database_url)
    narrower = {**BASE_FIELDS, "code": {"from": "Code", "type": "integer"}}
    db = _database(database_url, narrower)
    with pytest.raises(SchemaConflict):
        db.create_schema()
    with pytest.raises(SchemaConflict):
        db.create_schema()
    db.dispose()
