"""Destination tables and upserts on SQLite and the real PostgreSQL keep 1C values exact."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from onec_bridge.contract.model import Contract
from onec_bridge.mapping.row_mapper import RejectedRow
from onec_bridge.store.database import Database, NotDurable
from onec_bridge.store.upsert import upsert_rows
from onec_bridge.sync.entity_plan import key_text
from onec_bridge.sync.run_state import RunState

GUID_A = "5f6a1d1c-2f55-11ef-8b5a-0242ac120002"
GUID_B = "6a7b2e2d-2f55-11ef-8b5a-0242ac120002"


def contract(url: str) -> Contract:
    return Contract.model_validate(
        {
            "onec": {"url": "http://h/b", "user": "u"},
            "database": {"url": url},
            "entities": {
                "products": {
                    "source": {"odata": "Catalog_Номенклатура"},
                    "fields": {
                        "id": "Ref_Key",
                        "name": "Description",
                        "price": {"from": "Цена", "type": "decimal(20,3)"},
                        "unit_id": {"from": "Единица_Key"},
                        "created_at": {"from": "Дата", "type": "datetime"},
                        "is_deleted": "DeletionMark",
                    },
                }
            },
        }
    )


def test_upsert_inserts_then_updates_exact_values(database_url: str) -> None:
    db = Database(contract(database_url))
    db.create_schema()
    table = db.tables["products"]
    big = Decimal("12345678901234567.891")
    first = {
        "id": GUID_A,
        "name": "Молоко",
        "price": big,
        "unit_id": GUID_B,
        "created_at": datetime(2024, 3, 5, 14, 7, 9),
        "is_deleted": False,
    }
    with db.engine.begin() as conn:
        upsert_rows(conn, table, [first])
    with db.engine.begin() as conn:
        upsert_rows(conn, table, [{**first, "name": "Молоко 3,2%", "is_deleted": True}])
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(table)).mappings().all()
    db.dispose()
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "Молоко 3,2%"
    assert row["price"] == big
    assert str(row["unit_id"]) == GUID_B
    assert row["is_deleted"] is True
    assert row["created_at"] == datetime(2024, 3, 5, 14, 7, 9)


def test_state_tables_live_beside_destination(database_url: str) -> None:
    db = Database(contract(database_url))
    db.create_schema()
    names = set(sa.inspect(db.engine).get_table_names())
    db.dispose()
    assert {
        "products",
        "onec_bridge_runs",
        "onec_bridge_checkpoints",
        "onec_bridge_row_versions",
        "onec_bridge_dead_letters",
    } <= names


def test_postgres_uses_native_types(postgres_url: str) -> None:
    db = Database(contract(postgres_url))
    db.create_schema()
    columns = {c["name"]: c["type"] for c in sa.inspect(db.engine).get_columns("products")}
    db.dispose()
    assert str(columns["id"]) == "UUID"
    assert str(columns["price"]) == "NUMERIC(20, 3)"
    assert str(columns["created_at"]) == "TIMESTAMP"
    created_at = columns["created_at"]
    assert isinstance(created_at, sa.DateTime)
    assert created_at.timezone is False


def test_long_composite_keys_are_versioned_and_dead_lettered(database_url: str) -> None:
    """A composite key is a JSON array of its parts: three long dimensions exceed 200
    characters, which the state keeps exactly (PostgreSQL refused it as varchar(200))."""
    db = Database(contract(database_url))
    db.create_schema()
    parts = ["Склад №1 — основной, секция хранения охлаждённой продукции " * 4, GUID_A]
    long_key = key_text([*parts, datetime(2024, 3, 5, 14, 7, 9)])
    other_key = key_text([*parts, datetime(2024, 3, 6)])
    assert len(long_key) > 250
    state = RunState(db.state, "stock")
    with db.engine.begin() as conn:
        run = state.open_run(conn, "full", "corr-1")
        state.record_versions(conn, [(long_key, "v1", False), (other_key, "v2", True)])
        state.dead_letter(conn, run.run_id, [RejectedRow(long_key, "bad value", {"x": 1})])
    with db.engine.begin() as conn:
        state.record_versions(conn, [(long_key, "v3", False)])
        found = state.stored_versions(conn, [long_key, other_key, key_text(["absent"])])
        dead = conn.execute(sa.select(db.state.dead_letters.c.row_key)).scalar_one()
    db.dispose()
    assert found == {long_key: ("v3", False), other_key: ("v2", True)}
    assert dead == long_key


def test_rows_expected_new_are_upserted_even_when_a_key_is_stored(database_url: str) -> None:
    """``likely_new`` (a first load) copies straight into the table on PostgreSQL; a key that
    is stored after all (a row moved during the load) must still end as an upsert would."""
    from onec_bridge.store.upsert import bulk_upsert

    db = Database(contract(database_url))
    db.create_schema()
    table = db.tables["products"]
    upsert = bulk_upsert(table, db.engine.dialect)

    def row(key: str, name: str) -> tuple[object, ...]:
        values = {"id": key, "name": name, "price": Decimal("1.5"), "is_deleted": False}
        return tuple(values.get(column) for column in upsert.columns)

    with db.engine.begin() as conn:
        upsert.execute(conn, [row(GUID_A, "first")], likely_new=True)
    with db.engine.begin() as conn:  # GUID_A again: the straight copy must give way
        upsert.execute(conn, [row(GUID_A, "second"), row(GUID_B, "new")], likely_new=True)
        conn.execute(table.update().where(table.c.id == GUID_B).values(name="same tx"))
    with db.engine.connect() as conn:
        names = {str(key): name for key, name in conn.execute(sa.select(table.c.id, table.c.name))}
    db.dispose()
    assert names == {GUID_A: "second", GUID_B: "same tx"}


def test_listing_changes_returns_only_rows_whose_stored_version_differs(database_url: str) -> None:
    """PostgreSQL compares in the server (keys sent as one joined text); a page whose key
    holds the separator is compared by lookup instead. Both must tell the same rows."""
    db = Database(contract(database_url))
    db.create_schema()
    state = RunState(db.state, "products")
    other = RunState(db.state, "prices")  # same keys under another entity: never seen
    odd_key = "code\x1fwith separator"
    with db.engine.begin() as conn:
        state.record_versions(
            conn,
            [
                ("same", "v1", False),
                ("edited", "v1", False),
                ("marked", "v1", True),
                ("no-version", None, False),
                (odd_key, "v1", False),
                ("", "v1", False),
            ],
        )
        other.record_versions(conn, [("fresh", "v1", False)])
    keys = ["same", "edited", "marked", "no-version", "fresh", "same", "edited"]
    versions = ["v1", "v2", "v2", "v1", "v1", "v1", "v2"]
    with db.engine.connect() as conn:
        changes = state.listing_changes(conn, keys, versions)
        with_odd = state.listing_changes(conn, [*keys, odd_key], [*versions, "v9"])
        unchanged = state.listing_changes(conn, ["same", odd_key], ["v1", "v1"])
        empty_key = state.listing_changes(conn, [""], ["v2"])
        nothing = state.listing_changes(conn, [], [])
        if conn.dialect.name == "sqlite":  # three listed rows per query: offsets must hold
            raw = conn.connection.driver_connection
            raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 10)  # type: ignore[union-attr]
            assert state.listing_changes(conn, keys, versions) == changes
    db.dispose()
    expected = [
        (1, True, False),  # edited
        (2, True, True),  # a deletion-marked row changed
        (3, True, False),  # a stored None equals no version
        (4, False, False),  # fresh: stored for another entity only
        (6, True, False),  # the second listing of the edited key
    ]
    assert changes == expected
    assert with_odd == [*expected, (7, True, False)]
    assert unchanged == []
    assert empty_key == [(0, True, False)]
    assert nothing == []


def test_sqlite_checkpoints_the_wal_only_past_64_mib(tmp_path: Path) -> None:
    """Batches rewrite the same index pages; checkpointing every 4 MiB (SQLite's default)
    copied them to the database file again and again. The WAL now grows to 64 MiB first,
    and never much beyond."""
    path = tmp_path / "wal.db"
    db = Database(contract(f"sqlite:///{path}"))
    db.create_schema()
    table = db.tables["products"]
    wal = Path(f"{path}-wal")
    sizes = []
    for batch in range(26):  # ~3 MiB of WAL a batch: past 64 MiB at batch 22
        rows = [
            {"id": str(uuid.UUID(int=batch * 10_000 + index)), "name": "x" * 200}
            for index in range(10_000)
        ]
        with db.engine.begin() as conn:
            upsert_rows(conn, table, rows)
        sizes.append(wal.stat().st_size)
    db.dispose()
    assert sizes[5] > 8 * 2**20  # not checkpointed at 4 MiB
    assert max(sizes) < 80 * 2**20  # checkpointed, and the file cut back, past 64 MiB
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM products").fetchone() == (260_000,)


def _names_in_database_file(path: Path) -> list[str]:
    """Names the database file holds without its WAL (opened read-only, WAL not applied)."""
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM products ORDER BY name")]


def test_make_durable_puts_sqlite_commits_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "durable.db"
    db = Database(contract(f"sqlite:///{path}"))
    db.create_schema()
    db.make_durable()  # the tables themselves, created in the WAL too
    with db.engine.begin() as conn:
        upsert_rows(conn, db.tables["products"], [{"id": GUID_A, "name": "в WAL"}])
    before = _names_in_database_file(path)
    db.make_durable()
    after = _names_in_database_file(path)
    db.dispose()
    assert (before, after) == ([], ["в WAL"])


def test_make_durable_says_so_when_a_reader_keeps_the_checkpoint_from_completing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "busy.db"
    db = Database(contract(f"sqlite:///{path}"))
    db.create_schema()
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM products").fetchone()  # holds the older snapshot
    with db.engine.begin() as conn:
        upsert_rows(conn, db.tables["products"], [{"id": GUID_B, "name": "после"}])
    try:
        with pytest.raises(NotDurable, match=r"busy.*come again in the next run"):
            db.make_durable()  # SQLite's busy timeout (5 s) passes first
    finally:
        reader.execute("COMMIT")
        reader.close()
        db.dispose()


def test_make_durable_is_a_no_op_on_postgresql(postgres_url: str) -> None:
    db = Database(contract(postgres_url))
    db.create_schema()
    with db.engine.begin() as conn:
        upsert_rows(conn, db.tables["products"], [{"id": GUID_A, "name": "x"}])
    db.make_durable()  # commits are durable at COMMIT (synchronous_commit = on)
    with db.engine.connect() as conn:
        setting = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
    db.dispose()
    assert setting == "on"
