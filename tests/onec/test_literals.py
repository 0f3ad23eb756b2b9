"""Literals: encoded by type, exact, and readable back."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onec_bridge.onec.literals import Guid, encode_literal, parse_literal
from onec_bridge.onec.query import F, QueryOptions

GUID = "8ce32335-8726-11e3-8054-0015e9b8c48d"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-42, "-42"),
        (10**20, "100000000000000000000"),
        (Decimal("12345678901234567.891"), "12345678901234567.891"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1E-7"), "0.0000001"),
        (0.1, "0.1"),
        (1e20, "100000000000000000000"),
        ("O'Brien", "'O''Brien'"),
        ("", "''"),
        ("Мёд & #1 +%", "'Мёд & #1 +%'"),
        (Guid(GUID.upper()), f"guid'{GUID}'"),
        (uuid.UUID(GUID), f"guid'{GUID}'"),
        (datetime(2008, 2, 5, 13, 4, 5), "datetime'2008-02-05T13:04:05'"),
        (datetime(1, 1, 1), "datetime'0001-01-01T00:00:00'"),
        (date(2016, 12, 22), "datetime'2016-12-22T00:00:00'"),
    ],
)
def test_encode_literal(value: object, expected: str) -> None:
    assert encode_literal(value) == expected  # type: ignore[arg-type]


def test_guid_in_plain_str_stays_a_string() -> None:
    assert encode_literal(GUID) == f"'{GUID}'"


@pytest.mark.parametrize("bad", ["", "not-a-guid", GUID[:-1], GUID + "0", "{" + GUID + "}"])
def test_guid_is_validated(bad: str) -> None:
    with pytest.raises(ValueError, match="Guid needs 36 characters"):
        Guid(bad)


def test_guid_from_uuid_and_repr() -> None:
    guid = Guid(uuid.UUID(GUID))
    assert guid == GUID
    assert guid.uuid == uuid.UUID(GUID)
    assert repr(guid) == f"Guid('{GUID}')"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (datetime(2020, 1, 1, tzinfo=UTC), "naive server-local"),
        (datetime(2020, 1, 1, 0, 0, 0, 5), "whole seconds"),
        (Decimal("NaN"), "finite"),
        (Decimal("Infinity"), "finite"),
        (float("inf"), "finite"),
        (float("nan"), "finite"),
    ],
)
def test_values_1c_cannot_take_are_rejected(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode_literal(value)  # type: ignore[arg-type]


def test_unknown_type_is_rejected() -> None:
    with pytest.raises(TypeError, match="cannot send a bytes"):
        encode_literal(b"x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad", ["", "'unterminated", "'a'b'", "guid'zz'", "datetime'2020-13'", "1e5", "nul"]
)
def test_parse_literal_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several distinct messages
        parse_literal(bad)


texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
) | st.sampled_from(["'", "''", "&", "#", "%", "+", " ", "%27", "a+b=c&d#e", "Мёд 'Липовый' 100%"])
guids = st.uuids().map(Guid) | st.uuids()
datetimes = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda value: value.replace(microsecond=0)
)
numbers = st.integers(min_value=-(10**30), max_value=10**30) | st.integers(0, 10).flatmap(
    lambda places: st.decimals(
        min_value=Decimal(-(10**20)), max_value=Decimal(10**20), places=places
    )
)
values = texts | guids | datetimes | numbers | st.booleans() | st.none()


def _filter_value_after_eq(query_string: str) -> str:
    params = dict(parse_qsl(query_string, keep_blank_values=True))
    # parse_qsl would turn '+' into space; prove no '+' survives unencoded instead
    assert "+" not in query_string
    filter_text = params["$filter"]
    prefix = "x eq "
    assert filter_text.startswith(prefix)
    return filter_text[len(prefix) :]


@given(values)
def test_any_value_survives_filter_and_url_encoding(value: object) -> None:
    query = QueryOptions(filter=F("x") == value, format=None).to_query_string()  # type: ignore[arg-type]
    assert query.count("&") == 0  # no value can start a new option
    assert "#" not in query
    decoded = parse_literal(_filter_value_after_eq(query))
    if isinstance(value, uuid.UUID):
        assert decoded == Guid(value)
        return
    assert decoded == value
    if isinstance(value, Decimal):
        # a Decimal with no fractional digits reads back as an int of the same value
        assert isinstance(decoded, Decimal | int)
    else:
        assert type(decoded) is type(value)
