"""Decoding 1C JSON by $metadata type: exact numbers, ints, empties, dates, composites."""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import orjson
import pytest

from onec_bridge.onec.decoding import RowDecoder, decode_composite, decode_json, row_to_dict
from onec_bridge.onec.errors import OneCProtocolError
from onec_bridge.onec.metadata import Schema, parse_metadata
from tests.samples import METADATA_SAMPLE

SAMPLE = METADATA_SAMPLE
MOSCOW = ZoneInfo("Europe/Moscow")
EMPTY = "00000000-0000-0000-0000-000000000000"
GUID = "8ce32335-8726-11e3-8054-0015e9b8c48d"
RECORDS = "AccumulationRegister_ТоварыКОтгрузке_RecordType"


@pytest.fixture(scope="module")
def schema() -> Schema:
    return parse_metadata(SAMPLE)


def page(rows: list[dict[str, object]], count: str | None = None) -> bytes:
    document: dict[str, object] = {"odata.metadata": "http://h/$metadata#X", "value": rows}
    if count is not None:
        document["odata.count"] = count
    return orjson.dumps(document)


RECORD = {
    "Recorder": GUID,
    "Recorder_Type": "StandardODATA.Document_РеализацияТоваровУслуг",
    "Period": "2016-09-06T21:55:52",
    "LineNumber": "7",
    "Active": True,
    "RecordType": "Receipt",
    "ДокументОтгрузки": "",
    "ДокументОтгрузки_Type": "StandardODATA.Undefined",
    "Получатель": "4.25",
    "Получатель_Type": "Edm.Double",
    "Номенклатура_Key": EMPTY,
    "Склад_Key": GUID,
    "Серия_Key@navigationLinkUrl": "ignored",
    "Номенклатура____Presentation": "ignored, not in $metadata",
}


def test_decode_json_keeps_numbers_exact() -> None:
    body = b'{"value": [{"a": 12345678901234567.891, "b": 0.1, "n": "9007199254740993", "i": 3}]}'
    row = decode_json(body)["value"][0]
    assert row["a"] == Decimal("12345678901234567.891")
    assert row["b"] == Decimal("0.1")
    assert row["n"] == "9007199254740993"  # untyped: Int64 strings stay strings
    assert row["i"] == 3


def test_decode_json_rejects_truncated_body() -> None:
    with pytest.raises(OneCProtocolError, match="truncated"):
        decode_json('{"value": [{"Description": "Мёд'.encode(), url="http://u:p@h/x")


def test_typed_page_converts_by_metadata(schema: Schema) -> None:
    row = dict(RECORD, ВРезерве=1.5, КОтгрузке=2)
    body = page([row], count="19")
    decoded = RowDecoder(schema, RECORDS, timezone="Europe/Moscow").decode_page(body)
    assert decoded.count == 19
    (record,) = decoded.rows
    assert record.LineNumber == 7
    assert record.Active is True
    assert record.ВРезерве == Decimal("1.5")
    assert record.КОтгрузке == Decimal(2)
    assert record.Period == datetime(2016, 9, 6, 21, 55, 52, tzinfo=MOSCOW)
    assert record.Номенклатура_Key is None
    assert record.Склад_Key == GUID
    assert record.ДокументОтгрузки is None  # Undefined composite
    assert record.Получатель == Decimal("4.25")  # composite typed by its _Type
    assert record.Recorder == GUID  # Recorder + Recorder_Type is a composite reference
    assert record.Серия_Key is None  # absent from the answer


def test_exactness_survives_raw_json_number(schema: Schema) -> None:
    body = (
        '{"value":[{"Recorder":"x","Recorder_Type":"StandardODATA.Document_X",'
        '"ВРезерве":12345678901234567.891}]}'
    ).encode()
    (record,) = RowDecoder(schema, RECORDS).decode_page(body).rows
    assert record.ВРезерве == Decimal("12345678901234567.891")


def test_naive_dates_without_timezone_and_empty_date(schema: Schema) -> None:
    rows = [dict(RECORD, Period="0001-01-01T00:00:00"), dict(RECORD, Period="2020-02-29T23:59:59")]
    decoded = RowDecoder(schema, RECORDS).decode_page(page(rows)).rows
    assert decoded[0].Period is None
    assert decoded[1].Period == datetime(2020, 2, 29, 23, 59, 59)
    assert decoded[1].Period.tzinfo is None


def test_padding_trimmed_unless_disabled(schema: Schema) -> None:
    body = page(
        [{"Ref_Key": GUID, "НомерСчета": "40702810838110014563   ", "Description": "  a  "}]
    )
    trimmed = RowDecoder(schema, "Catalog_БанковскиеСчетаОрганизаций").decode_page(body).rows[0]
    assert trimmed.НомерСчета == "40702810838110014563"
    assert trimmed.Description == "  a"
    kept = RowDecoder(schema, "Catalog_БанковскиеСчетаОрганизаций", trim_strings=False)
    assert kept.decode_page(body).rows[0].НомерСчета == "40702810838110014563   "


def test_tabular_section_rows_are_typed_and_normalised(schema: Schema) -> None:
    document = {
        "Ref_Key": GUID,
        "Date": "2024-01-31T12:00:00",
        "Number": "0000-000001",
        "Posted": True,
        "ЗаказНаВнутреннееПотребление": EMPTY,
        "ЗаказНаВнутреннееПотребление_Type": "StandardODATA.Document_Заказ",
        "Товары": [
            {"Ref_Key": GUID, "LineNumber": "1", "Количество": 2.5, "Номенклатура_Key": EMPTY,
             "СтатьяРасходов": GUID, "СтатьяРасходов_Type": "StandardODATA.ChartOfAccounts_X"},
            {"Ref_Key": GUID, "LineNumber": "2", "Количество": 1, "Номенклатура_Key": GUID},
        ],
    }  # fmt: skip
    decoder = RowDecoder(schema, "Document_ВнутреннееПотреблениеТоваров", timezone=MOSCOW)
    row = decoder.decode_entity(orjson.dumps(document))
    assert row.Date == datetime(2024, 1, 31, 12, tzinfo=MOSCOW)
    assert row.ЗаказНаВнутреннееПотребление is None  # empty reference in a composite
    first, second = row.Товары
    assert (first.LineNumber, second.LineNumber) == (1, 2)
    assert first.Количество == Decimal("2.5")
    assert first.Номенклатура_Key is None
    assert first.СтатьяРасходов == GUID
    assert second.Номенклатура_Key == GUID
    as_dict = row_to_dict(row)
    assert as_dict["Товары"][0]["Количество"] == Decimal("2.5")
    assert as_dict["Number"] == "0000-000001"


def test_row_type_missing_from_metadata_falls_back_to_dicts(schema: Schema) -> None:
    body = page(
        [{"Ref_Key": GUID, "ДополнительныеРеквизиты": [{"LineNumber": "1", "Значение": 1.5}]}]
    )
    decoder = RowDecoder(schema, "Catalog_БанковскиеСчетаОрганизаций")
    row = decoder.decode_page(body).rows[0]
    assert row.ДополнительныеРеквизиты == [{"LineNumber": "1", "Значение": Decimal("1.5")}]


VALUE_STORAGE = """<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">
 <edmx:DataServices>
 <Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="StandardODATA">
  <EntityType Name="Catalog_Файлы">
   <Key><PropertyRef Name="Ref_Key"/></Key>
   <Property Name="Ref_Key" Type="Edm.Guid" Nullable="false"/>
   <Property Name="Данные_Base64Data" Type="Edm.String"/>
   <Property Name="Данные_Type" Type="Edm.String"/>
   <Property Name="Вес" Type="Edm.Double"/>
  </EntityType>
 </Schema></edmx:DataServices>
</edmx:Edmx>""".encode()


def test_value_storage_base64_becomes_bytes() -> None:
    payload = "Привет".encode() + b"\x00\xff"
    body = orjson.dumps(
        {
            "Ref_Key": GUID,
            "Данные_Base64Data": base64.b64encode(payload).decode(),
            "Данные_Type": "application/octet-stream",
            "Вес": None,
        }
    )
    row = RowDecoder(parse_metadata(VALUE_STORAGE), "Catalog_Файлы").decode_entity(body)
    assert row.Данные_Base64Data == payload
    assert row.Данные_Type == "application/octet-stream"
    assert row.Вес is None


def test_wrong_type_in_page_is_a_protocol_error(schema: Schema) -> None:
    body = page([dict(RECORD, LineNumber="seven")])
    with pytest.raises(OneCProtocolError, match="cannot decode page"):
        RowDecoder(schema, RECORDS).decode_page(body, url="http://h/x")


def test_unknown_type_name(schema: Schema) -> None:
    with pytest.raises(KeyError, match="Catalog_Нет"):
        RowDecoder(schema, "Catalog_Нет")


@pytest.mark.parametrize(
    ("value", "type_name", "expected"),
    [
        ("", "StandardODATA.Undefined", None),
        (None, "StandardODATA.Catalog_X", None),
        (EMPTY, "StandardODATA.Catalog_X", None),
        (GUID, "StandardODATA.Catalog_X", GUID),
        ("4", "Edm.Double", Decimal(4)),
        (Decimal("1.10"), "Edm.Double", Decimal("1.10")),
        ("12", "Edm.Int64", 12),
        ("true", "Edm.Boolean", True),
        (False, "Edm.Boolean", False),
        ("2024-01-02T03:04:05", "Edm.DateTime", datetime(2024, 1, 2, 3, 4, 5)),
        ("0001-01-01T00:00:00", "Edm.DateTime", None),
        ("текст", "Edm.String", "текст"),
        ("x", None, None),
    ],
)
def test_decode_composite(value: object, type_name: str | None, expected: object) -> None:
    assert decode_composite(value, type_name) == expected


def test_decode_composite_mismatch_names_the_type() -> None:
    with pytest.raises(ValueError, match=r"does not match its type Edm\.Int64"):
        decode_composite("abc", "Edm.Int64")
