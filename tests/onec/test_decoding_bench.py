"""Rows/s of the typed decoding path on 100k synthetic 1C rows (printed, run with -m bench)."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import orjson
import pytest

from onec_bridge.onec.decoding import RowDecoder, decode_json
from onec_bridge.onec.metadata import parse_metadata
from tests.samples import METADATA_SAMPLE

SAMPLE = METADATA_SAMPLE
RECORDS = "AccumulationRegister_ТоварыКОтгрузке_RecordType"
EMPTY = "00000000-0000-0000-0000-000000000000"


def synthetic_page(rows: int) -> bytes:
    """A JSON page shaped like 1C's: Int64 as strings, doubles as numbers, empty refs."""
    values = []
    for index in range(rows):
        guid = str(uuid.UUID(int=index + 1, version=1))
        values.append(
            {
                "Recorder": guid,
                "Recorder_Type": "StandardODATA.Document_РеализацияТоваровУслуг",
                "Period": f"2024-{index % 12 + 1:02d}-15T10:00:00",
                "LineNumber": str(index % 50 + 1),
                "Active": True,
                "RecordType": "Receipt",
                "ДокументОтгрузки": guid,
                "ДокументОтгрузки_Type": "StandardODATA.Document_ЗаказКлиента",
                "Номенклатура_Key": guid,
                "Характеристика_Key": EMPTY,
                "Назначение_Key": EMPTY,
                "Склад_Key": guid,
                "Серия_Key": EMPTY,
                "Получатель": "",
                "Получатель_Type": "StandardODATA.Undefined",
                "ВРезерве": index % 7,
                "КОтгрузке": 12.5,
                "КОформлению": 0,
                "КСборке": 0,
                "Собирается": 0,
                "Собрано": 1.25,
                "ЗаданиеНаПеревозку_Key": EMPTY,
            }
        )
    return orjson.dumps({"odata.metadata": "http://h/$metadata#X", "value": values})


def test_synthetic_page_decodes() -> None:
    decoder = RowDecoder(parse_metadata(SAMPLE), RECORDS, timezone="Europe/Moscow")
    rows = decoder.decode_page(synthetic_page(3)).rows
    assert [row.LineNumber for row in rows] == [1, 2, 3]
    assert rows[0].КОтгрузке == Decimal("12.5")
    assert rows[0].Характеристика_Key is None
    assert rows[0].Получатель is None


@pytest.mark.bench
def test_typed_decoding_rows_per_second() -> None:
    rows = 100_000
    body = synthetic_page(rows)
    decoder = RowDecoder(parse_metadata(SAMPLE), RECORDS, timezone="Europe/Moscow")
    started = time.perf_counter()
    decoded = decoder.decode_page(body)
    typed = time.perf_counter() - started
    started = time.perf_counter()
    untyped = decode_json(body)
    generic = time.perf_counter() - started
    assert len(decoded.rows) == len(untyped["value"]) == rows
    print(
        f"\n{rows} rows, {len(body) / 1e6:.1f} MB: typed+normalised {rows / typed:,.0f} rows/s, "
        f"untyped decode_json {rows / generic:,.0f} rows/s"
    )
