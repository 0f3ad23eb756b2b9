"""Documents as 1C serves them: create, Post/Unpost with movements, tabular sections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import httpx2
import pytest

from onec_bridge.emulator import EmulatorBase, EmulatorSettings, generate_demo_base
from onec_bridge.emulator.demo_config import ITEMS_SET, SALES_SET, STOCK_SET, WAREHOUSES_SET
from tests.emulator.emulator_helpers import odata_client

ROWS_SET = f"{SALES_SET}_Товары"
FAILURE = "Error running processor — 'ОбработкаПроведения': недостаточно товара на складе"


@pytest.fixture
def base() -> EmulatorBase:
    fresh = EmulatorBase.open(None)
    generate_demo_base(fresh, items=60, seed=1)
    return fresh


@pytest.fixture
async def http(base: EmulatorBase) -> AsyncIterator[httpx2.AsyncClient]:
    async with odata_client(base) as client:
        yield client


def _first(base: EmulatorBase, set_name: str, where: str = "1 = 1") -> str:
    return str(base.scalar(f'SELECT "Ref_Key" FROM "{set_name}" WHERE {where} ORDER BY rowid'))


def _sale_payload(base: EmulatorBase) -> dict[str, Any]:
    item = _first(base, ITEMS_SET, '"IsFolder" = 0')
    return {
        "Date": "2024-12-30T10:00:00",
        "Склад_Key": _first(base, WAREHOUSES_SET),
        "Товары@odata.type": f"Collection(StandardODATA.{ROWS_SET}_RowType)",
        "Товары": [
            {"LineNumber": "1", "Номенклатура_Key": item, "Количество": 2, "Цена": 5, "Сумма": 10},
            {"LineNumber": "2", "Номенклатура_Key": item, "Количество": 3.5, "Цена": 2},
        ],
    }


def _records(base: EmulatorBase, recorder: str) -> list[tuple[Any, ...]]:
    return base.query(
        f'SELECT "Recorder_Type", "LineNumber", "RecordType", "Количество", "Period" '
        f'FROM "{STOCK_SET}" WHERE "Recorder" = ? ORDER BY "LineNumber"',
        (recorder,),
    )


async def test_create_gives_number_unposted_and_encoded_location(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    last = base.scalar(f'SELECT max("Number") FROM "{SALES_SET}"')
    response = await http.post(f"{SALES_SET}?$format=json", json=_sale_payload(base))
    assert response.status_code == 201
    body = response.json()
    assert body["Posted"] is False
    assert body["Number"] == f"РТ-{int(last.removeprefix('РТ-')) + 1:08d}"
    location = response.headers["location"]
    assert location.isascii()
    assert unquote(location).endswith(f"{SALES_SET}(guid'{body['Ref_Key']}')")
    assert [row["LineNumber"] for row in body["Товары"]] == ["1", "2"]
    assert body["Товары"][1]["Сумма"] == 0  # not sent: the type's empty value
    assert _records(base, body["Ref_Key"]) == []


async def test_post_writes_expense_movements_and_unpost_removes_them(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    ref = (await http.post(f"{SALES_SET}?$format=json", json=_sale_payload(base))).json()["Ref_Key"]
    version = base.get(SALES_SET, ref)["DataVersion"]  # type: ignore[index]
    posted = await http.post(
        f"{SALES_SET}(guid'{ref}')/Post?$format=json&PostingModeOperational=false"
    )
    assert posted.status_code == 200
    after = base.get(SALES_SET, ref)
    assert after is not None and after["Posted"] is True and after["DataVersion"] != version
    assert _records(base, ref) == [
        (f"StandardODATA.{SALES_SET}", 1, "Expense", 2.0, "2024-12-30T10:00:00"),
        (f"StandardODATA.{SALES_SET}", 2, "Expense", 3.5, "2024-12-30T10:00:00"),
    ]
    again = await http.post(f"{SALES_SET}(guid'{ref}')/Post?PostingModeOperational=true")
    assert again.status_code == 200 and len(_records(base, ref)) == 2  # rewritten, not doubled
    unposted = await http.post(f"{SALES_SET}(guid'{ref}')/Unpost")
    assert unposted.status_code == 200
    assert base.get(SALES_SET, ref)["Posted"] is False  # type: ignore[index]
    assert _records(base, ref) == []


async def test_record_of_a_posted_sale_is_addressable_by_register_key(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    ref = (await http.post(f"{SALES_SET}?$format=json", json=_sale_payload(base))).json()["Ref_Key"]
    await http.post(f"{SALES_SET}(guid'{ref}')/Post")
    key = f"Recorder='{ref}', Recorder_Type='StandardODATA.{SALES_SET}', LineNumber=2"
    record = (await http.get(f"{STOCK_SET}({key})?$format=json")).json()
    assert (record["RecordType"], record["Количество"], record["LineNumber"]) == (
        "Expense",
        3.5,
        "2",
    )


async def test_configured_posting_failure_is_500_minus_one_and_changes_nothing(
    base: EmulatorBase,
) -> None:
    settings = EmulatorSettings(posting_failures={SALES_SET: FAILURE})
    async with odata_client(base, settings) as http:
        ref = _first(base, SALES_SET, '"Posted" = 0 AND "DeletionMark" = 0')
        response = await http.post(f"{SALES_SET}(guid'{ref}')/Post?$format=json")
    assert response.status_code == 500
    assert response.json() == {
        "odata.error": {"code": "-1", "message": {"lang": "ru", "value": FAILURE}}
    }
    assert base.get(SALES_SET, ref)["Posted"] is False  # type: ignore[index]
    assert _records(base, ref) == []


async def test_post_of_a_missing_document_is_404_code_9(http: httpx2.AsyncClient) -> None:
    missing = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    response = await http.post(f"{SALES_SET}(guid'{missing}')/Post?$format=json")
    assert response.status_code == 404
    assert response.json()["odata.error"]["code"] == "9"


async def test_row_without_line_number_is_500_and_nothing_is_written(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    payload = _sale_payload(base)
    del payload["Товары"][1]["LineNumber"]
    before = base.count(SALES_SET)
    response = await http.post(f"{SALES_SET}?$format=json", json=payload)
    assert response.status_code == 500
    assert response.json()["odata.error"]["code"] == "-1"
    assert base.count(SALES_SET) == before


async def test_post_to_the_tabular_set_is_code_13(http: httpx2.AsyncClient) -> None:
    response = await http.post(f"{ROWS_SET}?$format=json", json={"LineNumber": "1"})
    assert response.status_code == 400
    assert response.json()["odata.error"]["code"] == "13"


async def test_tabular_set_lists_rows_with_owner_key_and_string_line_number(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    owner = _first(base, SALES_SET)
    query = f"$format=json&$filter=Ref_Key eq guid'{owner}'&$orderby=LineNumber desc"
    rows = (await http.get(f"{ROWS_SET}?{query}")).json()["value"]
    stored = base.query(f'SELECT count(*) FROM "{ROWS_SET}" WHERE "Ref_Key" = ?', (owner,))[0][0]
    assert len(rows) == stored >= 1
    assert {row["Ref_Key"] for row in rows} == {owner}
    assert [row["LineNumber"] for row in rows] == [str(n) for n in range(stored, 0, -1)]
    one = (await http.get(f"{ROWS_SET}(Ref_Key=guid'{owner}', LineNumber=1)?$format=json")).json()
    assert one["LineNumber"] == "1" and one["Ref_Key"] == owner
    assert (await http.get(f"{ROWS_SET}/$count")).text == str(
        base.scalar(f'SELECT count(*) FROM "{ROWS_SET}"')
    )


async def test_rows_inline_unless_select_double_star(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    owner = _first(base, SALES_SET)
    url = f"{SALES_SET}(guid'{owner}')?$format=json"
    full = (await http.get(url)).json()
    star = (await http.get(url + "&$select=*")).json()
    double_star = (await http.get(url + "&$select=**")).json()
    named = (await http.get(url + "&$select=Number,Товары")).json()
    assert full["Товары"] and full["Товары"] == star["Товары"] == named["Товары"]
    assert "Товары" not in double_star and double_star["Number"] == full["Number"]
    assert set(named) == {"odata.metadata", "Number", "Товары"}


async def test_patch_replaces_the_whole_tabular_section(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    owner = _first(base, SALES_SET)
    version = base.get(SALES_SET, owner)["DataVersion"]  # type: ignore[index]
    item = _first(base, ITEMS_SET, '"IsFolder" = 0')
    rows = [{"LineNumber": "1", "Номенклатура_Key": item, "Количество": 7}]
    response = await http.patch(f"{SALES_SET}(guid'{owner}')?$format=json", json={"Товары": rows})
    assert response.status_code == 200
    assert [(r["LineNumber"], r["Количество"]) for r in response.json()["Товары"]] == [("1", 7)]
    assert base.get(SALES_SET, owner)["DataVersion"] != version  # type: ignore[index]
