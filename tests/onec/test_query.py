"""Query builder: filters, options, entity paths, URL-length-safe `in` chunks."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onec_bridge.onec import filter_functions, filters, query
from onec_bridge.onec.literals import Guid, parse_literal
from onec_bridge.onec.query import (
    F,
    QueryOptions,
    cast,
    chunk_in_filters,
    encode_query_value,
    entity_path,
    function_path,
    isof,
    like,
    substringof,
    year,
)

GUID = "8ce32335-8726-11e3-8054-0015e9b8c48d"
GUID2 = "51ed67a3-7220-11df-b336-0011955cba6b"


def test_comparisons_render_each_operator() -> None:
    rendered = [
        (F("Code") == "1").to_odata(),
        (F("Code") != "1").to_odata(),
        (F("Цена") > 10).to_odata(),
        (F("Цена") >= Decimal("10.50")).to_odata(),
        (F("Цена") < 10).to_odata(),
        (F("Цена") <= 10).to_odata(),
    ]
    assert rendered == [
        "Code eq '1'",
        "Code ne '1'",
        "Цена gt 10",
        "Цена ge 10.50",
        "Цена lt 10",
        "Цена le 10",
    ]


def test_boolean_composition_keeps_precedence() -> None:
    expr = (F("a") == 1) & ((F("b") == 2) | (F("c") == 3)) & ~(F("d") == 4)
    assert expr.to_odata() == "a eq 1 and (b eq 2 or c eq 3) and not (d eq 4)"
    assert ((F("a") == 1) | (F("b") == 2) & (F("c") == 3)).to_odata() == (
        "a eq 1 or b eq 2 and c eq 3"
    )


def test_guid_null_and_navigation() -> None:
    expr = (F("Ref_Key") == Guid(GUID)) & (F("Контрагент/ИНН") == None)  # noqa: E711
    assert expr.to_odata() == f"Ref_Key eq guid'{GUID}' and Контрагент/ИНН eq null"


def test_in_expands_to_or_chain_and_dedupes() -> None:
    expr = F("Code").in_(["1", "2", "1"])
    assert expr.to_odata() == "Code eq '1' or Code eq '2'"
    assert F("Code").in_(["only"]).to_odata() == "Code eq 'only'"
    # a Guid and the same text as a plain string are different literals
    assert F("x").in_([Guid(GUID), GUID]).to_odata() == f"x eq guid'{GUID}' or x eq '{GUID}'"


def test_in_with_no_values_is_an_error() -> None:
    with pytest.raises(ValueError, match="got no values"):
        F("Code").in_([])


def test_between_is_inclusive() -> None:
    low, high = datetime(2024, 1, 1), datetime(2024, 2, 1)
    assert F("Date").between(low, high).to_odata() == (
        "Date ge datetime'2024-01-01T00:00:00' and Date le datetime'2024-02-01T00:00:00'"
    )


def test_functions_and_arithmetic() -> None:
    assert substringof("мёд", F("Description")).to_odata() == "substringof('мёд',Description)"
    assert like(F("Code"), "А%").to_odata() == "like(Code,'А%')"
    assert (year(F("Date")) == 2024).to_odata() == "year(Date) eq 2024"
    assert (F("ДокументПрихода") == cast(Guid(GUID), "Document_ПриходнаяНакладная")).to_odata() == (
        f"ДокументПрихода eq cast(guid'{GUID}','Document_ПриходнаяНакладная')"
    )
    assert isof(F("Поле"), "Document_X").to_odata() == "isof(Поле,'Document_X')"
    assert (F("Цена") * F("Количество") > 100).to_odata() == "(Цена mul Количество) gt 100"
    assert F("Товары").any("d", F("d/Цена") > 10000).to_odata() == "Товары/any(d: d/Цена gt 10000)"


@pytest.mark.parametrize(
    "name",
    [
        "tolower",
        "toupper",
        "length",
        "indexof",
        "replace",
        "trim",
        "floor",
        "ceiling",
        "years",
        "days",
    ],
)
def test_functions_1c_lacks_do_not_exist(name: str) -> None:
    assert not hasattr(filters, name)
    assert not hasattr(filter_functions, name)
    assert not hasattr(query, name)


@pytest.mark.parametrize("op", ["__gt__", "__ge__", "__lt__", "__le__"])
def test_ordering_on_guid_is_refused(op: str) -> None:
    with pytest.raises(ValueError, match="cannot order references"):
        getattr(F("Ref_Key"), op)(Guid(GUID))
    with pytest.raises(ValueError, match="cannot order references"):
        getattr(F("Ref_Key"), op)(uuid.UUID(GUID))


@pytest.mark.parametrize(
    "bad", ["", "a b", "x eq 1 or 1", "Code)", "1abc", "a//b", "x'", "a/", "Цена;drop"]
)
def test_field_names_are_validated(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid field name"):
        F(bad)


def test_type_names_are_validated() -> None:
    with pytest.raises(ValueError, match="invalid type name"):
        cast(Guid(GUID), "X') or (1")


def test_filters_refuse_python_boolean_operators() -> None:
    with pytest.raises(TypeError, match="combine filters with &"):
        bool(F("a") == 1)
    with pytest.raises(TypeError, match="combine filters with &"):
        1 < F("a") < 5  # noqa: B015 - the chained comparison itself must fail


def test_query_options_encoding() -> None:
    options = QueryOptions(
        select=["Ref_Key", "Description", "Товары/Цена"],
        filter=F("Description") == "a+b&c#d%e f'g",
        orderby=["Code", "Date  desc"],
        top=100,
        skip=200,
        expand=["Контрагент"],
        inlinecount=True,
        allowed_only=True,
    )
    assert options.to_query_string() == (
        "$select=Ref_Key,Description,%D0%A2%D0%BE%D0%B2%D0%B0%D1%80%D1%8B/%D0%A6%D0%B5%D0%BD%D0%B0"
        "&$filter=Description%20eq%20'a%2Bb%26c%23d%25e%20f''g'"
        "&$orderby=Code,Date%20desc&$top=100&$skip=200"
        "&$expand=%D0%9A%D0%BE%D0%BD%D1%82%D1%80%D0%B0%D0%B3%D0%B5%D0%BD%D1%82"
        "&$inlinecount=allpages&allowedOnly=true&$format=json"
    )


def test_query_options_params_for_virtual_tables() -> None:
    options = QueryOptions(
        params={
            "Period": datetime(2016, 12, 22),
            "Condition": F("Тип") == "Адрес",
            "Dimensions": ["Номенклатура", "Склад"],
        },
        format=None,
    )
    decoded = [unquote(part) for part in options.to_query_string().split("&")]
    assert decoded == [
        "Period=datetime'2016-12-22T00:00:00'",
        "Condition='Тип eq ''Адрес'''",
        "Dimensions='Номенклатура,Склад'",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"top": -1}, "non-negative"),
        ({"skip": 1.5}, "non-negative"),
        ({"select": ["a,b"]}, "invalid \\$select item"),
        ({"orderby": ["Code sideways"]}, "invalid \\$orderby item"),
        ({"expand": ["a b"]}, "invalid \\$expand item"),
        ({"params": {"a&b": 1}}, "invalid parameter"),
    ],
)
def test_query_options_validate(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QueryOptions(**kwargs)  # type: ignore[arg-type]


def test_select_as_single_string_is_rejected() -> None:
    with pytest.raises((TypeError, ValueError)):
        QueryOptions(select="Ref_Key,Code")


def test_entity_path_key_forms() -> None:
    assert entity_path("Catalog_Товары", encoded=False) == "Catalog_Товары"
    assert (
        entity_path("Catalog_Товары", Guid(GUID), encoded=False) == f"Catalog_Товары(guid'{GUID}')"
    )
    assert entity_path("Catalog_X", uuid.UUID(GUID)) == f"Catalog_X(guid'{GUID}')"
    assert entity_path(
        "InformationRegister_КурсыВалют",
        {"Period": datetime(2008, 2, 5), "Валюта_Key": Guid(GUID)},
        encoded=False,
    ) == (
        f"InformationRegister_КурсыВалют(Period=datetime'2008-02-05T00:00:00',Валюта_Key=guid'{GUID}')"
    )
    record = {"Recorder": GUID, "Recorder_Type": "StandardODATA.Document_Y", "LineNumber": 1}
    assert entity_path("AccumulationRegister_X_RecordType", record, encoded=False) == (
        f"AccumulationRegister_X_RecordType(Recorder='{GUID}',"
        "Recorder_Type='StandardODATA.Document_Y',LineNumber=1)"
    )


def test_entity_path_encodes_cyrillic_and_unsafe_key_text() -> None:
    path = entity_path("Catalog_Товары", {"Code": "a/b?c#d"})
    assert path == "Catalog_%D0%A2%D0%BE%D0%B2%D0%B0%D1%80%D1%8B(Code='a%2Fb%3Fc%23d')"
    assert unquote(path) == "Catalog_Товары(Code='a/b?c#d')"


@pytest.mark.parametrize(
    ("key", "error"),
    [(GUID, TypeError), ({}, ValueError), ({"a b": 1}, ValueError), (42, TypeError)],
)
def test_entity_path_bad_keys(key: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        entity_path("Catalog_X", key)  # type: ignore[arg-type]


def test_function_path() -> None:
    assert function_path("Document_X", "Post", Guid(GUID), encoded=False) == (
        f"Document_X(guid'{GUID}')/Post"
    )
    assert function_path("AccumulationRegister_X", "Balance") == "AccumulationRegister_X/Balance"
    with pytest.raises(ValueError, match="invalid function"):
        function_path("Catalog_X", "Post?x=1")


def test_chunk_in_filters_small_list_is_one_chunk() -> None:
    chunks = chunk_in_filters("Ref_Key", [Guid(GUID), Guid(GUID2)], base_url_length=100)
    assert [chunk.to_odata() for chunk in chunks] == [
        f"Ref_Key eq guid'{GUID}' or Ref_Key eq guid'{GUID2}'"
    ]
    assert chunk_in_filters("Ref_Key", [], base_url_length=100) == []


def test_chunk_in_filters_single_value_too_long() -> None:
    with pytest.raises(ValueError, match="one 'Code' condition alone"):
        chunk_in_filters("Code", ["я" * 500], base_url_length=100, max_url_length=300)


guid_lists = st.lists(st.uuids().map(Guid), min_size=1, max_size=120)
cyrillic_codes = st.lists(
    st.text(st.sampled_from("АБВгдё 'Ж&#%+1"), min_size=1, max_size=25), min_size=1, max_size=80
)


@settings(max_examples=60, deadline=None)
@given(
    values=guid_lists | cyrillic_codes,
    base=st.integers(40, 700),
    limit=st.sampled_from([1024, 2048]),
    with_extra=st.booleans(),
)
def test_chunks_cover_every_value_once_and_fit_the_url(
    values: list[Guid] | list[str], base: int, limit: int, with_extra: bool
) -> None:
    extra = (F("DeletionMark") == False) | (F("Код") == "Ж'1") if with_extra else None  # noqa: E712
    chunks = chunk_in_filters(
        "Поле", values, base_url_length=base, max_url_length=limit, extra_filter=extra
    )
    seen: list[object] = []
    terms_per_chunk: list[list[str]] = []
    for chunk in chunks:
        url_length = base + len("&$filter=") + len(encode_query_value(chunk.to_odata()))
        assert url_length <= limit
        text = chunk.to_odata()
        if extra is not None:
            prefix = f"({extra.to_odata()}) and ("
            assert text.startswith(prefix)
            assert text.endswith(")")
            text = text[len(prefix) : -1]
        terms = ["Поле eq " + term.removeprefix("Поле eq ") for term in text.split(" or Поле eq ")]
        terms_per_chunk.append(terms)
        seen.extend(parse_literal(term.removeprefix("Поле eq ")) for term in terms)
    assert seen == list(dict.fromkeys(values))
    # greedy: the next chunk's first term would not have fitted into the previous chunk
    for chunk, following in zip(chunks, terms_per_chunk[1:], strict=False):
        grown = encode_query_value(chunk.to_odata() + " or " + following[0])
        assert base + len("&$filter=") + len(grown) > limit
