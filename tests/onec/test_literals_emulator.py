"""End to end: any value sent through the builder reaches the emulator's filter parser intact.

The query string goes through the emulator's own query-string splitter and
``$filter`` parser, exactly as a request would.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onec_bridge.mapping.onec_values import format_onec_datetime
from onec_bridge.onec.literals import Guid
from onec_bridge.onec.query import F, QueryOptions, chunk_in_filters

filter_parser = pytest.importorskip("onec_bridge.emulator.filter_parser")
query_options = pytest.importorskip("onec_bridge.emulator.query_options")

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40) | (
    st.sampled_from(["'", "''", "&", "#", "%", "+", " ", "%27", "a+b=c&d#e", "Мёд 'Л' 100%"])
)
datetimes = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda value: value.replace(microsecond=0)
)


def received_literal(value: object, field: str = "Поле") -> object:
    """What the emulator's parser sees on the right of ``field eq value``."""
    query = QueryOptions(filter=F(field) == value, top=5).to_query_string()  # type: ignore[arg-type]
    params = query_options.parse_query_string(query.encode("ascii"))
    assert params["$top"] == "5"  # nothing in the value leaked into another option
    tree = filter_parser.parse_filter(params["$filter"])
    assert tree.op == "eq"
    assert tree.left.segments == (field,)
    return tree.right.value


@given(texts)
def test_strings_arrive_unchanged(value: str) -> None:
    assert received_literal(value) == value


@given(st.uuids())
def test_guids_arrive_unchanged(value: uuid.UUID) -> None:
    assert received_literal(Guid(value)) == str(value)
    assert received_literal(value) == str(value)


@given(datetimes)
def test_datetimes_arrive_unchanged(value: datetime) -> None:
    assert received_literal(value) == format_onec_datetime(value)


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.booleans() | st.none())
def test_ints_bools_and_null_arrive_unchanged(value: int | bool | None) -> None:
    received = received_literal(value)
    assert received == value
    assert type(received) is type(value)


def test_decimal_arrives_exactly() -> None:
    value = Decimal("12345678901234567.891")
    assert received_literal(value) == value


@given(st.lists(st.uuids().map(Guid), min_size=1, max_size=200, unique=True))
def test_chunked_in_filters_reach_the_parser_whole(values: list[Guid]) -> None:
    chunks = chunk_in_filters("Ref_Key", values, base_url_length=120)
    seen: list[object] = []
    for chunk in chunks:
        query = QueryOptions(filter=chunk).to_query_string()
        tree = filter_parser.parse_filter(query_options.parse_query_string(query)["$filter"])
        stack = [tree]
        while stack:
            node = stack.pop()
            if node.op == "or":
                stack.extend([node.right, node.left])
            else:
                seen.append(node.right.value)
    assert seen == [str(value) for value in values]
