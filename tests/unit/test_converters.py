"""Every 1C value kind the contract maps, as 1C sends it in JSON."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from onec_bridge.contract.model import Entity
from onec_bridge.mapping.converters import converter_for
from onec_bridge.mapping.row_mapper import RowMapper

GUID = "5f6a1d1c-2f55-11ef-8b5a-0242ac120002"


@pytest.mark.parametrize(
    ("column_type", "wire", "expected"),
    [
        ("uuid", GUID.upper(), GUID),
        ("uuid", "00000000-0000-0000-0000-000000000000", None),
        ("uuid", None, None),
        ("datetime", "2024-03-05T14:07:09", datetime(2024, 3, 5, 14, 7, 9)),
        ("datetime", "0001-01-01T00:00:00", None),
        ("date", "2024-03-05T00:00:00", date(2024, 3, 5)),
        ("decimal(15,2)", Decimal("1234.5"), Decimal("1234.50")),
        ("decimal(20,3)", Decimal("12345678901234567.891"), Decimal("12345678901234567.891")),
        ("integer", "42", 42),  # Edm.Int64 arrives as a JSON string
        ("integer", Decimal("7"), 7),
        ("boolean", True, True),
        ("boolean", "false", False),
        ("string(20)", "1                   ", "1"),  # fixed-length padding is not data
        ("text", "Молоко 3,2% «Домик»", "Молоко 3,2% «Домик»"),
        ("text", "", ""),
        ("bytes", "0JHQuNC9", "Бин".encode()),
    ],
)
def test_wire_values_convert(column_type: str, wire: object, expected: object) -> None:
    assert converter_for(column_type)(wire) == expected


@pytest.mark.parametrize(
    ("column_type", "wire", "reason"),
    [
        ("uuid", "not-a-guid", "is not a GUID"),
        ("uuid", f"{GUID}\n", "is not a GUID"),
        ("decimal(5,2)", Decimal("1234.5"), "does not fit decimal(5,2)"),
        ("decimal(15,2)", Decimal("1.005"), "more than 2 decimal places"),
        ("integer", "4.5", "is not an integer"),
        ("integer", Decimal("4.5"), "is not a whole number"),
        ("datetime", "05.03.2024", "is not a 1C date"),
        ("string(3)", "abcd", "column allows 3"),
        ("text", "bad\x02value", "control character"),
        ("boolean", "yes", "is not a boolean"),
    ],
)
def test_bad_values_are_rejected_with_reason(column_type: str, wire: object, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        converter_for(column_type)(wire)


def test_row_mapper_rejects_one_row_not_the_page() -> None:
    entity = Entity.model_validate(
        {
            "source": {"odata": "Catalog_Номенклатура"},
            "fields": {
                "id": "Ref_Key",
                "name": "Description",
                "price": {"from": "ЦенаПродажи", "type": "decimal(15,2)"},
            },
        }
    )
    good = {"Ref_Key": GUID, "Description": "Хлеб", "ЦенаПродажи": Decimal("45.9")}
    bad = {
        "Ref_Key": GUID.replace("5f", "6f"),
        "Description": "Соль\x02",
        "ЦенаПродажи": Decimal(1),
    }
    page = RowMapper(entity).map_rows([good, bad])
    assert page.rows == [{"id": GUID, "name": "Хлеб", "price": Decimal("45.90")}]
    assert len(page.rejected) == 1
    assert page.rejected[0].key == bad["Ref_Key"]
    assert page.rejected[0].reason.startswith("column name (1C Description): control character")
