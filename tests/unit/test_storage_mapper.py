"""Whole-column fast paths give exactly what the converter + bind processor give, or nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect

from onec_bridge.contract.model import Entity
from onec_bridge.mapping.columns import fast_column
from onec_bridge.mapping.converters import converter_for
from onec_bridge.mapping.row_mapper import RowMapper
from onec_bridge.mapping.storage import StorageMapper, stored_processor
from onec_bridge.store.column_types import sql_type

GUID = "5f6a1d1c-2f55-11ef-8b5a-0242ac120002"
EMPTY = "00000000-0000-0000-0000-000000000000"
DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": sa.create_engine("postgresql+psycopg://").dialect,
}

COLUMNS: dict[str, list[Any]] = {
    "uuid": [GUID, EMPTY, None, GUID.upper(), ""],
    "string(5)": ["ab  ", "abc", None, "a\nb ", "", 7],
    "text": ["Молоко «Домик»  ", "x", None, "tab\there"],
    "integer": ["42", "-7", "0180", 5, None, "", Decimal("7")],
    "bigint": [1, 2, 3],
    "boolean": [True, False, None, "true", "false", "true"],
    "datetime": ["2024-03-05T14:07:09", "0001-01-01T00:00:00", None, ""],
    "decimal(15,2)": [Decimal("1234.5"), 100, Decimal("-0.07"), Decimal("0"), None, "12.5"],
    # atom sends untyped text
    "decimal(15,3)": ["9391.98", "0", "-0", "-0.5", "12.345", None, "1e3", "7"],
    "decimal(20,3)": [Decimal("12345678901234567.891"), Decimal("1E+2"), 0.5],
    "date": ["2024-03-05T00:00:00", None],
}
BAD: dict[str, list[Any]] = {
    "uuid": ["not-a-guid", f"{GUID}\n{GUID}"],  # one value with a line break: not two
    "string(3)": ["abcd", "bad\x02"],
    "integer": ["4.5", True, "1\n2"],
    "datetime": ["2024-02-30T00:00:00", "05.03.2024", "2024-03-05T14:07:09\n2024-03-05T14:07:09"],
    "decimal(5,2)": [Decimal("1234.5"), Decimal("1.005"), Decimal("1.50E+5")],
    "boolean": ["yes", "True", "1", "", " true", 1],
    "decimal(15,2)": ["1.005", " 1", "1e2", "0012", "", "1.", ".5", "+1", "١", "1\n2"],
}


def reference(column_type: str, dialect: Dialect, values: list[Any]) -> list[Any]:
    convert = converter_for(column_type)
    process = stored_processor(column_type, sql_type(column_type), dialect)
    out = []
    for value in values:
        converted = convert(value)
        if converted is not None and process is not None:
            converted = process(converted)
        out.append(converted)
    return out


def check_column(column_type: str, dialect_name: str, values: list[Any]) -> None:
    dialect = DIALECTS[dialect_name]
    fast = fast_column(column_type, dialect_name)
    try:
        expected: list[Any] | None = reference(column_type, dialect, values)
    except ValueError:
        expected = None
    got = fast(list(values)) if fast is not None else None
    if expected is None:
        assert got is None, (column_type, values, got)  # a fast path never passes a bad value
    elif got is not None:
        assert got == expected, (column_type, values)
        assert [type(item) for item in got] == [type(item) for item in expected]


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("column_type", sorted(COLUMNS))
def test_every_subset_matches_the_reference(column_type: str, dialect_name: str) -> None:
    values = COLUMNS[column_type]
    for start in range(len(values)):
        for end in range(start, len(values) + 1):
            check_column(column_type, dialect_name, values[start:end])


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
@pytest.mark.parametrize("column_type", sorted(BAD))
def test_a_bad_value_leaves_the_column_to_the_reference(
    column_type: str, dialect_name: str
) -> None:
    for bad in BAD[column_type]:
        assert fast_column(column_type, dialect_name) is None or (
            fast_column(column_type, dialect_name)([bad]) is None  # type: ignore[misc]
        )


@given(
    st.lists(
        st.one_of(
            st.decimals(allow_nan=False, allow_infinity=False, places=None),
            st.integers(-(10**14), 10**14),
        ),
        max_size=8,
    )
)
def test_decimals_match_the_reference(values: list[Any]) -> None:
    for dialect_name in DIALECTS:
        check_column("decimal(15,2)", dialect_name, values)
        check_column("decimal(6,0)", dialect_name, values)


def test_postgres_decimals_and_datetimes_take_the_fast_path_as_text() -> None:
    fast = fast_column("decimal(15,2)", "postgresql")
    assert fast is not None
    got = fast([Decimal("8209.4"), 100, Decimal("-0.07"), Decimal("-0")])
    assert got == ["8209.40", "100.00", "-0.07", "-0.00"]
    fast = fast_column("datetime", "postgresql")
    assert fast is not None
    got = fast(["2024-03-05T14:07:09", "0001-01-01T00:00:00"])
    assert got == ["2024-03-05 14:07:09.000000", None]


@given(
    st.lists(
        st.one_of(
            st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
            st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
            st.integers(-(10**14), 10**14).map(str),
            st.text(alphabet="-+.0123456789eE \n", max_size=8),
            st.none(),
        ),
        max_size=8,
    )
)
def test_decimal_texts_from_atom_match_the_reference(values: list[Any]) -> None:
    for column_type in ("decimal(15,2)", "decimal(6,0)", "decimal(15,3)"):
        check_column(column_type, "sqlite", values)


@given(st.lists(st.one_of(st.sampled_from(["true", "false", "True", "1", ""]), st.none())))
def test_boolean_texts_from_atom_match_the_reference(values: list[Any]) -> None:
    for dialect_name in DIALECTS:
        check_column("boolean", dialect_name, values)


@given(st.lists(st.text(max_size=6), max_size=6))
def test_strings_match_the_reference(values: list[str]) -> None:
    for dialect_name in DIALECTS:
        check_column("string(4)", dialect_name, values)


def test_storage_mapper_rejects_one_row_with_its_reason() -> None:
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
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("id", sql_type("uuid"), primary_key=True),
        sa.Column("name", sql_type("text")),
        sa.Column("price", sql_type("decimal(15,2)")),
    )
    mapper = StorageMapper(RowMapper(entity), table, DIALECTS["sqlite"])
    good = {"Ref_Key": GUID, "Description": "Хлеб  ", "ЦенаПродажи": Decimal("45.9")}
    assert mapper.map([good]).rows == [(GUID, "Хлеб", "45.90")]
    bad = {**good, "Ref_Key": GUID.replace("5f", "6f"), "Description": "Соль\x02"}
    page = mapper.map([good, bad])
    assert page.rows == [(GUID, "Хлеб", "45.90")]
    assert page.kept == [0]
    assert page.rejected[0].reason.startswith("column name (1C Description): control character")
    assert mapper.keys_as_text(["id"]) and not mapper.keys_as_text(["price"])


@pytest.mark.parametrize(
    ("column_type", "values"),
    [
        ("uuid", [GUID, EMPTY]),
        ("string(20)", ["4676001771127       ", "x"]),
        ("integer", ["180", "0"]),
        ("boolean", [True, False]),
        ("boolean", ["true", "false"]),  # atom
        ("datetime", ["2021-12-09T05:32:14", "0001-01-01T00:00:00"]),
        ("decimal(15,2)", [Decimal("8209.44"), Decimal("8209.4"), 100]),
        ("decimal(15,3)", ["39.906", "0", "9391.98"]),  # atom
    ],
)
def test_what_1c_sends_takes_the_fast_path(column_type: str, values: list[Any]) -> None:
    fast = fast_column(column_type, "sqlite")
    assert fast is not None and fast(list(values)) is not None
