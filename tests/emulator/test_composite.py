"""Composite-type attributes: value + ``_Type`` strings, ``$metadata``, ``cast``/``isof``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from xml.etree import ElementTree

import httpx2
import pytest

from onec_bridge.emulator import EmulatorBase, generate_demo_base
from onec_bridge.emulator.demo_config import CARDS_SET, LOYALTY_OPERATIONS_SET, SALES_SET
from tests.emulator.emulator_helpers import odata_client

OPS = LOYALTY_OPERATIONS_SET
EDMX = "{http://schemas.microsoft.com/ado/2009/11/edm}"


@pytest.fixture(scope="module")
def base() -> EmulatorBase:
    fresh = EmulatorBase.open(None)
    generate_demo_base(fresh, items=3000, seed=1)
    return fresh


@pytest.fixture
async def http(base: EmulatorBase) -> AsyncIterator[httpx2.AsyncClient]:
    async with odata_client(base) as client:
        yield client


async def _rows(http: httpx2.AsyncClient, query: str = "") -> list[dict[str, object]]:
    response = await http.get(f"{OPS}?$format=json&$orderby=Number{query}")
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()["value"]
    return rows


async def test_values_and_types_are_strings_of_every_kind(http: httpx2.AsyncClient) -> None:
    rows = await _rows(http)
    by_type = {row["Основание_Type"]: row for row in rows}
    assert set(by_type) == {
        "StandardODATA.Undefined",
        f"StandardODATA.{SALES_SET}",
        f"StandardODATA.{CARDS_SET}",
        "Edm.Double",
    }
    assert by_type["StandardODATA.Undefined"]["Основание"] == ""
    assert by_type["Edm.Double"]["Основание"] == "5"
    sale = by_type[f"StandardODATA.{SALES_SET}"]
    assert sale["Основание"] == sale["ДокументПродажи_Key"]
    assert "Основание@navigationLinkUrl" not in sale


async def test_metadata_declares_value_and_type_as_strings(http: httpx2.AsyncClient) -> None:
    root = ElementTree.fromstring((await http.get("$metadata")).content)
    entity = next(e for e in root.iter(f"{EDMX}EntityType") if e.get("Name") == OPS)
    types = {p.get("Name"): p.get("Type") for p in entity.iter(f"{EDMX}Property")}
    assert types["Основание"] == "Edm.String"
    assert types["Основание_Type"] == "Edm.String"


async def test_cast_matches_value_and_type_and_bare_guid_matches_nothing(
    http: httpx2.AsyncClient,
) -> None:
    rows = await _rows(http)
    sale = next(r for r in rows if r["Основание_Type"] == f"StandardODATA.{SALES_SET}")
    ref = sale["Основание"]
    cast = await _rows(http, f"&$filter=Основание eq cast(guid'{ref}','{SALES_SET}')")
    assert [r["Ref_Key"] for r in cast] == [sale["Ref_Key"]]
    wrong_type = await _rows(http, f"&$filter=Основание eq cast(guid'{ref}','{CARDS_SET}')")
    assert wrong_type == []
    others = await _rows(http, f"&$filter=Основание ne cast(guid'{ref}','{SALES_SET}')")
    assert len(others) == len(rows) - 1
    for op in ("eq", "ne"):
        assert await _rows(http, f"&$filter=Основание {op} guid'{ref}'") == []


async def test_isof_tests_the_type(http: httpx2.AsyncClient) -> None:
    rows = await _rows(http)
    cards = await _rows(http, f"&$filter=isof(Основание,'{CARDS_SET}')")
    expected = [r["Ref_Key"] for r in rows if r["Основание_Type"] == f"StandardODATA.{CARDS_SET}"]
    assert [r["Ref_Key"] for r in cards] == expected
    assert expected
    assert len(await _rows(http, f"&$filter=isof('{OPS}')")) == len(rows)
    assert await _rows(http, f"&$filter=isof('{SALES_SET}')") == []
    unknown = await http.get(f"{OPS}?$format=json&$filter=isof(Основание,'Catalog_Нет')")
    assert (unknown.status_code, unknown.json()["odata.error"]["code"]) == (400, "14")


async def test_composite_is_written_and_validated(http: httpx2.AsyncClient) -> None:
    created = await http.post(f"{OPS}?$format=json", json={"Сумма": 10})
    assert created.status_code == 201
    body = created.json()
    assert (body["Основание"], body["Основание_Type"]) == ("", "StandardODATA.Undefined")
    url = f"{OPS}(guid'{body['Ref_Key']}')?$format=json"
    patched = await http.patch(url, json={"Основание": "4", "Основание_Type": "Edm.Double"})
    assert (patched.json()["Основание"], patched.json()["Основание_Type"]) == ("4", "Edm.Double")
    bad = await http.patch(url, json={"Основание_Type": "StandardODATA.Catalog_Нет"})
    assert (bad.status_code, bad.json()["odata.error"]["code"]) == (400, "4")
