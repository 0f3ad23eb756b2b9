"""The emulated base: deterministic generation, 1C's data shapes, mutations, persistence."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from onec_bridge.emulator import (
    ITEMS_SET,
    UNITS_SET,
    BaseMismatchError,
    EmulatorBase,
    generate_demo_base,
)
from onec_bridge.emulator.builders import catalog
from onec_bridge.emulator.model import Configuration
from onec_bridge.mapping.onec_values import EMPTY_DATE, EMPTY_GUID


def _all_rows(base: EmulatorBase, set_name: str) -> list[tuple[object, ...]]:
    return base.query(f'SELECT * FROM "{set_name}" ORDER BY rowid')


def test_same_arguments_generate_the_same_base() -> None:
    first, second = EmulatorBase.open(None), EmulatorBase.open(None)
    generate_demo_base(first, items=200, seed=7)
    generate_demo_base(second, items=200, seed=7)
    assert _all_rows(first, ITEMS_SET) == _all_rows(second, ITEMS_SET)
    other = EmulatorBase.open(None)
    generate_demo_base(other, items=200, seed=8)
    assert _all_rows(other, ITEMS_SET) != _all_rows(first, ITEMS_SET)


def test_generation_is_idempotent_and_refuses_other_arguments() -> None:
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=100, seed=1)
    generate_demo_base(base, items=100, seed=1)
    assert base.count(ITEMS_SET) == 100 + 2  # 2 % folders on top of the items
    with pytest.raises(BaseMismatchError, match="items=200"):
        generate_demo_base(base, items=200, seed=1)


def test_demo_catalog_has_1c_rough_edges(demo_base: EmulatorBase) -> None:
    rows = [
        demo_base.get(ITEMS_SET, str(r[0]))
        for r in demo_base.query(f'SELECT "Ref_Key" FROM "{ITEMS_SET}"')
    ]
    wire = [row for row in rows if row is not None]
    folders = [row for row in wire if row["IsFolder"]]
    items = [row for row in wire if not row["IsFolder"]]
    assert len(folders) == 10
    assert len(items) == 500
    assert any(row["Parent_Key"] == EMPTY_GUID for row in items)
    assert any(row["Parent_Key"] != EMPTY_GUID for row in items)
    assert 0 < sum(row["DeletionMark"] for row in wire) < len(wire) * 0.1
    assert any(row["ДатаСоздания"] == EMPTY_DATE for row in items)
    assert any(row["ВидНоменклатуры"] == "" for row in items)
    assert all(len(row["ШтрихКод"]) == 20 for row in wire)
    assert all(re.fullmatch(r"00-\d{8}", row["Code"]) for row in wire)
    for row in wire:
        ref = uuid.UUID(row["Ref_Key"])
        assert ref.version == 1
        assert row["Ref_Key"] == str(ref)


def test_units_catalog_is_filled(demo_base: EmulatorBase) -> None:
    descriptions = {r[0] for r in demo_base.query(f'SELECT "Description" FROM "{UNITS_SET}"')}
    assert {"шт", "кг", "л", "м", "упак"} <= descriptions


def test_writes_get_a_new_data_version() -> None:
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=50, seed=1)
    changed = base.modify_items(5, seed=3)
    assert len(set(changed)) == 5
    before = {ref: base.get(ITEMS_SET, ref) for ref in changed}
    again = base.modify_items(5, seed=3)
    assert again == changed  # same seed, same choice
    for ref in changed:
        after = base.get(ITEMS_SET, ref)
        assert after is not None
        assert before[ref] is not None
        assert after["DataVersion"] != before[ref]["DataVersion"]  # type: ignore[index]


def test_deletion_mark_physical_delete_and_insert() -> None:
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=50, seed=1)
    ref = base.modify_items(1, seed=1)[0]
    base.set_deletion_mark(ITEMS_SET, ref, True)
    assert base.get(ITEMS_SET, ref)["DeletionMark"] is True  # type: ignore[index]
    base.delete_object(ITEMS_SET, ref)
    assert base.get(ITEMS_SET, ref) is None
    with pytest.raises(KeyError, match="no object"):
        base.delete_object(ITEMS_SET, ref)
    new = base.insert_items(3, seed=1)
    codes = [base.get(ITEMS_SET, key)["Code"] for key in new]  # type: ignore[index]
    assert codes == ["00-00000052", "00-00000053", "00-00000054"]


def test_file_base_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    with EmulatorBase.open(path) as base:
        generate_demo_base(base, items=100, seed=1)
        changed = base.modify_items(1, seed=1)[0]
        version = base.get(ITEMS_SET, changed)["DataVersion"]  # type: ignore[index]
    with EmulatorBase.open(path) as reopened:
        assert reopened.count(ITEMS_SET) == 102
        generate_demo_base(reopened, items=100, seed=1)  # already there: no-op
        assert reopened.get(ITEMS_SET, changed)["DataVersion"] == version  # type: ignore[index]
        reopened.modify_items(1, seed=2)
        assert reopened.next_data_version() != version


def test_file_of_another_configuration_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    EmulatorBase.open(path).close()
    other = Configuration("other", (catalog("Склады"),))
    with pytest.raises(BaseMismatchError, match="another configuration"):
        EmulatorBase.open(path, other)


def test_unknown_set_names_the_known_ones(demo_base: EmulatorBase) -> None:
    with pytest.raises(KeyError, match="Catalog_Номенклатура"):
        demo_base.count("Catalog_Нет")


def test_bulk_generation_leaves_every_index_and_the_journal_mode(tmp_path: Path) -> None:
    with EmulatorBase.open(tmp_path / "bulk.db") as empty:
        expected = empty.query("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
    with EmulatorBase.open(tmp_path / "generated.db") as base:
        generate_demo_base(base, items=200, seed=1)
        indexes = base.query("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
        assert sorted(map(str, indexes)) == sorted(map(str, expected))
        assert base.scalar("PRAGMA journal_mode") == "wal"
        plan = " ".join(
            str(row)
            for row in base.query(
                f'EXPLAIN QUERY PLAN SELECT * FROM "{ITEMS_SET}" WHERE "Ref_Key" = ?', ("x",)
            )
        )
        assert "USING INDEX" in plan
        created = base.insert_objects(ITEMS_SET, [{"Description": "new"}])
        assert uuid.UUID(created[0]).version == 1
