"""``$select`` reads only the needed columns, and the bodies stay those of whole rows.

Every request is answered twice, by the column-selecting query and by the old whole-row
path (``_read_shape`` forced to the full shape), in JSON and atom; the bodies must be equal
byte for byte.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from onec_bridge.emulator import ITEMS_SET, EmulatorBase, generate_demo_base, wire_atom
from onec_bridge.emulator import read_handlers as handlers
from onec_bridge.emulator.demo_config import LOYALTY_OPERATIONS_SET, PRICES_SET, SALES_SET
from onec_bridge.emulator.model import EntitySet
from onec_bridge.emulator.request_context import RequestContext
from onec_bridge.emulator.row_shape import RowShape
from tests.emulator.emulator_helpers import odata_client

REQUESTS = [
    f"{ITEMS_SET}?$top=40",
    f"{ITEMS_SET}?$top=40&$select=*",
    f"{ITEMS_SET}?$top=40&$select=**",
    f"{ITEMS_SET}?$top=40&$select=Code,Description,Артикул",
    f"{ITEMS_SET}?$top=40&$select=Description,Ref_Key,Code",
    f"{ITEMS_SET}?$top=40&$select=Parent_Key,IsFolder&$orderby=Code desc",
    f"{ITEMS_SET}?$top=40&$select=Code&$filter=IsFolder eq false&$inlinecount=allpages",
    f"{ITEMS_SET}?$top=40&$select=Code,Presentation",
    f"{ITEMS_SET}?$top=40&$select=*,Parent____Presentation,ЕдиницаИзмерения____Presentation",
    f"{ITEMS_SET}?$top=40&$select=Code&$expand=ЕдиницаИзмерения",
    f"{ITEMS_SET}?$top=40&$select=Code,НетТакого",
    f"{ITEMS_SET}?$top=40&$select=Code,Нет&$filter=НетТакого eq 1",
    f"{SALES_SET}?$top=15&$select=Number,Date",
    f"{SALES_SET}?$top=15&$select=Number,Товары",
    f"{SALES_SET}?$top=15&$select=Number,Товары/Количество,Товары/Номенклатура_Key",
    f"{SALES_SET}?$top=15&$select=Товары/Сумма",
    f"{SALES_SET}?$top=15&$select=**,Number",
    f"{SALES_SET}?$top=15&$select=Number,Склад_Key,Склад____Presentation,Presentation",
    f"{SALES_SET}?$top=15&$select=Number&$orderby=Склад_Key,Number",
    f"{LOYALTY_OPERATIONS_SET}?$top=30&$select=Основание",
    f"{LOYALTY_OPERATIONS_SET}?$top=30&$select=Основание,Основание_Type,Основание____Presentation",
    f"{PRICES_SET}?$top=30&$select=Цена",
    f"{PRICES_SET}?$top=30&$select=Цена,Номенклатура____Presentation",
]


@pytest.fixture(scope="module")
def base() -> EmulatorBase:
    fresh = EmulatorBase.open(None)
    generate_demo_base(fresh, items=500, seed=1)
    return fresh


@pytest.fixture
async def http(
    base: EmulatorBase, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx2.AsyncClient]:
    monkeypatch.setattr(wire_atom, "_now", lambda: "2024-01-01T00:00:00")
    async with odata_client(base) as client:
        yield client


def _whole_rows(ctx: RequestContext, entity_set: EntitySet, expanding: bool) -> RowShape:
    return ctx.base.shape(entity_set.name)


async def _answer(http: httpx2.AsyncClient, url: str) -> tuple[int, bytes]:
    response = await http.get(url)
    return response.status_code, response.content


@pytest.mark.parametrize("fmt", ["json", "atom"])
async def test_bodies_equal_those_of_whole_rows(
    http: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    urls = [url + ("&$format=json" if fmt == "json" else "") for url in REQUESTS]
    selective = [await _answer(http, url) for url in urls]
    monkeypatch.setattr(handlers, "_read_shape", _whole_rows)
    whole = [await _answer(http, url) for url in urls]
    for url, new, old in zip(urls, selective, whole, strict=True):
        assert new == old, url
    statuses = [status for status, _ in selective]
    assert statuses.count(400) == 2 and statuses.count(200) == len(urls) - 2
    assert all(len(body) > 200 for status, body in selective if status == 200)


async def test_query_reads_only_selected_columns_and_the_key(
    http: httpx2.AsyncClient, base: EmulatorBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    query = base.query

    def spy(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        seen.append(sql)
        return query(sql, params)

    monkeypatch.setattr(base, "query", spy)
    response = await http.get(f"{ITEMS_SET}?$format=json&$top=2&$select=Description,Code")
    assert [list(row) for row in response.json()["value"]] == [["Code", "Description"]] * 2
    assert seen[-1].startswith('SELECT t."Ref_Key", t."Code", t."Description" FROM')
    await http.get(f"{ITEMS_SET}?$top=2&$select=Code")  # atom: also the navigation links
    assert seen[-1].startswith(
        'SELECT t."Ref_Key", t."Parent_Key", t."Code", t."ЕдиницаИзмерения_Key" FROM'
    )
    for select in ("*", "**", "Code,Presentation"):
        await http.get(f"{ITEMS_SET}?$format=json&$top=2&$select={select}")
        assert seen[-1].startswith("SELECT t.* FROM"), select
