"""Rows decoded into WireRow slots hold exactly what the dict decoding holds, and map the same."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import orjson
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from onec_bridge.contract.model import Entity
from onec_bridge.mapping.row_mapper import RowMapper
from onec_bridge.mapping.storage import StorageMapper
from onec_bridge.mapping.wire_rows import WireRow, column_reader, page_decoder, wire_row_type
from onec_bridge.onec.transport import decode_json
from onec_bridge.store.column_types import sql_type
from onec_bridge.sync.entity_plan import version_of

GUID = "5f6a1d1c-2f55-11ef-8b5a-0242ac120002"
NAMES = ("Ref_Key", "DataVersion", "Description", "ЦенаПродажи", "СрокГодности", "IsFolder")
# what 1C sends for a catalog page: Int64 as a string, Edm.Double as a number, padded text,
# navigation links beside the selected properties
PAGE = (
    '{"odata.metadata": "http://h/b/odata/standard.odata/$metadata#Catalog_Номенклатура",'
    ' "value": [{"Ref_Key": "' + GUID + '", "DataVersion": "AAAAAQAAAAA=",'
    ' "Description": "Хлеб  ", "ЦенаПродажи": 45.9, "СрокГодности": "180", "IsFolder": false,'
    ' "Parent@navigationLinkUrl": "Catalog_Номенклатура(guid\'x\')"},'
    ' {"Ref_Key": "' + GUID.replace("5f", "6f") + '", "ЦенаПродажи": 1E+2, "IsFolder": null,'
    ' "Description": "Соль", "СрокГодности": "0", "DataVersion": "AAAAAgAAAAA="}]}'
).encode()


def decoded_both_ways(body: bytes, names: tuple[str, ...]) -> tuple[list[Any], list[Any]]:
    rows = page_decoder(wire_row_type(names)).decode(body).value
    return rows, decode_json(body)["value"]


def test_slots_hold_the_values_and_types_the_dict_holds() -> None:
    slots, dicts = decoded_both_ways(PAGE, NAMES)
    for slot, plain in zip(slots, dicts, strict=True):
        for name in NAMES:
            assert slot.get(name) == plain.get(name)
            assert type(slot.get(name)) is type(plain.get(name))
    assert slots[0]["ЦенаПродажи"] == Decimal("45.9") and slots[1]["ЦенаПродажи"] == Decimal("1E+2")
    assert slots[0]["СрокГодности"] == "180"  # Int64 stays the string 1C sent


def test_a_slot_row_reads_like_a_read_only_mapping() -> None:
    row = decoded_both_ways(PAGE, NAMES)[0][0]
    assert "Description" in row and "Parent@navigationLinkUrl" not in row
    assert row.get("Parent@navigationLinkUrl", "absent") == "absent"
    assert list(row.keys()) == list(NAMES)
    assert row.to_dict() == {name: row[name] for name in NAMES}
    with pytest.raises(KeyError):
        row["Артикул"]
    missing = page_decoder(wire_row_type(("Ref_Key", "Артикул"))).decode(PAGE).value[0]
    assert missing["Артикул"] is None  # absent from the answer: None, as dict.get gives


def test_row_types_are_made_once_per_select_and_refuse_duplicates() -> None:
    assert wire_row_type(NAMES) is wire_row_type(NAMES)
    with pytest.raises(ValueError, match="distinct"):
        wire_row_type(("Code", "Code"))
    with pytest.raises(msgspec.ValidationError):
        page_decoder(wire_row_type(NAMES)).decode(b'{"rows": []}')


def test_column_reader_reads_slots_and_dicts() -> None:
    slots, dicts = decoded_both_ways(PAGE, NAMES)
    assert list(map(column_reader(slots, "Description"), slots)) == ["Хлеб  ", "Соль"]
    assert list(map(column_reader(dicts, "Description"), dicts)) == ["Хлеб  ", "Соль"]
    assert list(map(column_reader(slots, "Артикул"), slots)) == [None, None]


def test_version_of_a_slot_row_without_data_version_digests_its_content() -> None:
    names = ("Ref_Key", "Description")
    slot = decoded_both_ways(PAGE, names)[0][0]
    assert version_of(slot) == version_of({"Ref_Key": GUID, "Description": "Хлеб  "})


ENTITY = Entity.model_validate(
    {
        "source": {"odata": "Catalog_Номенклатура"},
        "fields": {
            "id": "Ref_Key",
            "name": {"from": "Description", "type": "string(10)"},
            "price": {"from": "ЦенаПродажи", "type": "decimal(15,2)"},
            "shelf_life_days": {"from": "СрокГодности", "type": "integer"},
            "is_group": "IsFolder",
        },
    }
)
TABLE = sa.Table(
    "t",
    sa.MetaData(),
    sa.Column("id", sql_type("uuid"), primary_key=True),
    sa.Column("name", sql_type("string(10)")),
    sa.Column("price", sql_type("decimal(15,2)")),
    sa.Column("shelf_life_days", sql_type("integer")),
    sa.Column("is_group", sql_type("boolean")),
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**16), 10**16),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**14)),
    st.text(max_size=12),
    st.sampled_from(["180", "0", "00000000-0000-0000-0000-000000000000", GUID, "x\x02"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({name: VALUES for name in NAMES}), min_size=1, max_size=6))
def test_storage_mapper_maps_slots_as_it_maps_dicts(rows: list[dict[str, Any]]) -> None:
    body = orjson.dumps({"value": rows}, default=str)
    slots, dicts = decoded_both_ways(body, NAMES)
    assert all(isinstance(slot, WireRow) for slot in slots)
    mapper = StorageMapper(RowMapper(ENTITY), TABLE, sqlite.dialect())
    from_slots, from_dicts = mapper.map(slots), mapper.map(dicts)
    assert from_slots.rows == from_dicts.rows
    assert from_slots.kept == from_dicts.kept
    assert [(bad.key, bad.reason, bad.row) for bad in from_slots.rejected] == [
        (bad.key, bad.reason, bad.row) for bad in from_dicts.rejected
    ]
    for bad in from_slots.rejected:  # a dead letter's payload is the row's JSON, not a repr
        assert isinstance(bad.row, dict)
