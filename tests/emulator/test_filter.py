"""``$filter`` over HTTP: operators, literals, quotes, Cyrillic, keyset paging, 1C's refusals."""

from __future__ import annotations

from urllib.parse import quote

import httpx2
from hypothesis import given
from hypothesis import strategies as st

from onec_bridge.emulator import ITEMS_SET, EmulatorBase, generate_demo_base
from onec_bridge.emulator.filter_ast import Literal
from onec_bridge.emulator.filter_parser import parse_filter
from onec_bridge.emulator.model import EdmType
from tests.emulator.emulator_helpers import odata_client

ITEMS = ITEMS_SET


async def _codes(client: httpx2.AsyncClient, filter_text: str, extra: str = "") -> list[str]:
    response = await client.get(
        f"{ITEMS}?$format=json&$select=Code&$orderby=Code&$filter={filter_text}{extra}"
    )
    assert response.status_code == 200, response.text
    return [row["Code"] for row in response.json()["value"]]


async def test_comparison_operators(client: httpx2.AsyncClient) -> None:
    assert await _codes(client, "Code eq '00-00000020'") == ["00-00000020"]
    assert len(await _codes(client, "Code ne '00-00000020'")) == 509
    assert await _codes(client, "Code gt '00-00000508'") == ["00-00000509", "00-00000510"]
    assert await _codes(client, "Code ge '00-00000509'") == ["00-00000509", "00-00000510"]
    assert await _codes(client, "Code lt '00-00000002'") == ["00-00000001"]
    assert await _codes(client, "Code le '00-00000002'") == ["00-00000001", "00-00000002"]


async def test_boolean_logic_and_parentheses(client: httpx2.AsyncClient) -> None:
    either = await _codes(client, "Code eq '00-00000001' or Code eq '00-00000003'")
    assert either == ["00-00000001", "00-00000003"]
    grouped = "(Code eq '00-00000001' or Code eq '00-00000003') and not (Code eq '00-00000003')"
    assert await _codes(client, grouped) == ["00-00000001"]
    assert await _codes(client, "not Code ge '00-00000002'") == ["00-00000001"]


async def test_number_boolean_and_datetime_literals(
    client: httpx2.AsyncClient, demo_base: EmulatorBase
) -> None:
    expected = demo_base.scalar(
        f'SELECT count(*) FROM "{ITEMS}" WHERE "ЦенаПродажи" > 5000.5 AND "DeletionMark" = 0'
    )
    codes = await _codes(client, "ЦенаПродажи gt 5000.5 and DeletionMark eq false")
    assert len(codes) == expected > 0
    dated = demo_base.scalar(
        f'SELECT count(*) FROM "{ITEMS}" WHERE "ДатаСоздания" >= \'2020-01-01T00:00:00\''
    )
    assert len(await _codes(client, "ДатаСоздания ge datetime'2020-01-01T00:00:00'")) == dated
    assert len(await _codes(client, "СрокГодности eq 365")) > 0
    assert await _codes(client, "Description eq null") == []


async def test_guid_literal(client: httpx2.AsyncClient, demo_base: EmulatorBase) -> None:
    ref, code = demo_base.query(f'SELECT "Ref_Key", "Code" FROM "{ITEMS}" LIMIT 1')[0]
    assert await _codes(client, f"Ref_Key eq guid'{str(ref).upper()}'") == [code]


async def test_quote_inside_value_and_cyrillic(
    client: httpx2.AsyncClient, demo_base: EmulatorBase
) -> None:
    description, code = demo_base.query(
        f'SELECT "Description", "Code" FROM "{ITEMS}" WHERE "Description" LIKE \'%\'\'%\' LIMIT 1'
    )[0]
    assert "'" in description
    literal = "'" + description.replace("'", "''") + "'"
    assert await _codes(client, f"Description eq {literal}") == [code]
    assert code in await _codes(client, quote(f"Description eq {literal}"))
    cyrillic = await _codes(client, "ВидНоменклатуры eq 'Услуга'")
    assert cyrillic
    assert len(cyrillic) < 100


async def test_plus_is_a_literal_plus() -> None:
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=10, seed=1)
    base.insert_objects(ITEMS, [{"Code": "00-00000100", "Description": "Чай 1+1"}])
    async with odata_client(base) as http:
        assert await _codes(http, "Description eq 'Чай 1+1'") == ["00-00000100"]
        assert await _codes(http, "Description eq 'Чай 1%2B1'") == ["00-00000100"]


async def test_keyset_paging_by_code_visits_every_row_once(client: httpx2.AsyncClient) -> None:
    seen: list[str] = []
    last = ""
    while True:
        response = await client.get(
            f"{ITEMS}?$format=json&$select=Code&$orderby=Code&$top=97&$filter=Code gt '{last}'"
        )
        page = [row["Code"] for row in response.json()["value"]]
        if not page:
            break
        seen += page
        last = page[-1]
    assert len(seen) == 510
    assert seen == sorted(set(seen))


async def test_reference_keyset_fails_as_in_1c(client: httpx2.AsyncClient) -> None:
    response = await client.get(
        f"{ITEMS}?$format=json&$filter=Ref_Key gt guid'00000000-0000-0000-0000-000000000000'"
    )
    assert response.status_code == 500
    error = response.json()["odata.error"]
    assert error["code"] == "-1"
    assert "Нельзя сравнивать" in error["message"]["value"]


async def test_unsupported_function_and_syntax_error(client: httpx2.AsyncClient) -> None:
    for text in (
        "tolower(Description) eq 'x'",
        "length(Code) eq 11",
        "Code eq",
        "Code mod 2 eq 0",
        "Нет eq 1",
    ):
        response = await client.get(f"{ITEMS}?$format=json&$filter={text}")
        assert response.status_code == 400, text
        assert response.json()["odata.error"]["code"] == "14"


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30))
def test_string_literals_round_trip(value: str) -> None:
    literal = "'" + value.replace("'", "''") + "'"
    assert parse_filter(f"Description eq {literal}").right == Literal(value, EdmType.STRING)  # type: ignore[union-attr]
