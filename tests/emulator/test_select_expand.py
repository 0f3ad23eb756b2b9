"""``$select`` presentations and section fields, ``$expand``, ``allowedOnly``, nav links."""

from __future__ import annotations

from xml.etree import ElementTree

import httpx2

from onec_bridge.emulator import ITEMS_SET, UNITS_SET, EmulatorBase
from onec_bridge.emulator.demo_config import SALES_SET, WAREHOUSES_SET
from onec_bridge.mapping.onec_values import EMPTY_GUID

ATOM = "{http://www.w3.org/2005/Atom}"
META = "{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}"
DATA = "{http://schemas.microsoft.com/ado/2007/08/dataservices}"


def _descriptions(base: EmulatorBase, set_name: str) -> dict[str, str]:
    rows = base.query(f'SELECT "Ref_Key", "Description" FROM "{set_name}"')
    return {str(ref): str(text) for ref, text in rows}


async def _json(client: httpx2.AsyncClient, url: str) -> list[dict[str, object]]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()["value"]
    return rows


async def test_reference_presentation_only_when_selected(
    client: httpx2.AsyncClient, demo_base: EmulatorBase
) -> None:
    units = _descriptions(demo_base, UNITS_SET)
    folders = _descriptions(demo_base, ITEMS_SET)
    fields = "*,ЕдиницаИзмерения____Presentation,Parent____Presentation"
    url = f"{ITEMS_SET}?$format=json&$select={fields}"
    rows = await _json(client, url)
    assert rows
    for row in rows:
        assert row["ЕдиницаИзмерения____Presentation"] == units.get(
            str(row["ЕдиницаИзмерения_Key"]), ""
        )
        assert row["Parent____Presentation"] == folders.get(str(row["Parent_Key"]), "")
        assert "Ref_Key" in row
    plain = await _json(client, f"{ITEMS_SET}?$format=json&$top=1")
    assert not [name for name in plain[0] if name.endswith("Presentation")]


async def test_own_presentation_of_catalog_and_document(client: httpx2.AsyncClient) -> None:
    items = await _json(client, f"{ITEMS_SET}?$format=json&$top=3&$select=Description,Presentation")
    for row in items:
        assert list(row) == ["Description", "Presentation"]
        assert row["Presentation"] == row["Description"]
    url = f"{SALES_SET}?$format=json&$top=1&$select=Number,Date,Presentation,Склад____Presentation"
    (sale,) = await _json(client, url)
    date = str(sale["Date"])
    shown = f"{date[8:10]}.{date[5:7]}.{date[:4]} {date[11:]}"
    assert sale["Presentation"] == f"РеализацияТоваровУслуг {sale['Number']} от {shown}"
    assert sale["Склад____Presentation"]


async def test_unknown_presentation_is_code_10(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS_SET}?$format=json&$select=Code____Presentation")
    assert (response.status_code, response.json()["odata.error"]["code"]) == (400, "10")


async def test_select_section_fields(client: httpx2.AsyncClient) -> None:
    url = f"{SALES_SET}?$format=json&$top=2&$select=Number,Товары/Количество, Товары/LineNumber"
    for row in await _json(client, url):
        assert list(row) == ["Number", "Товары"]
        rows = row["Товары"]
        assert isinstance(rows, list) and rows
        assert all(list(line) == ["LineNumber", "Количество"] for line in rows)
    bad = await client.get(f"{SALES_SET}?$format=json&$select=Товары/Нет")
    assert (bad.status_code, bad.json()["odata.error"]["code"]) == (400, "10")


async def test_expand_inlines_referenced_objects(
    client: httpx2.AsyncClient, demo_base: EmulatorBase
) -> None:
    rows = await _json(client, f"{ITEMS_SET}?$format=json&$expand=ЕдиницаИзмерения,Parent")
    for row in rows:
        unit, parent = row["ЕдиницаИзмерения"], row["Parent"]
        if row["ЕдиницаИзмерения_Key"] == EMPTY_GUID:
            assert unit is None
        else:
            assert unit == demo_base.get(UNITS_SET, str(row["ЕдиницаИзмерения_Key"]))
        if row["Parent_Key"] == EMPTY_GUID:
            assert parent is None
        else:
            assert isinstance(parent, dict) and parent["Ref_Key"] == row["Parent_Key"]
    assert any(row["Parent"] is None for row in rows)
    assert any(row["Parent"] is not None for row in rows)


async def test_expand_star_and_nested(client: httpx2.AsyncClient, demo_base: EmulatorBase) -> None:
    (sale,) = await _json(client, f"{SALES_SET}?$format=json&$top=1&$expand=*")
    warehouse = sale["Склад"]
    assert isinstance(warehouse, dict)
    assert warehouse == demo_base.get(WAREHOUSES_SET, str(sale["Склад_Key"]))
    assert isinstance(sale["Контрагент"], dict) and isinstance(sale["ВидЦены"], dict)
    (nested,) = await _json(client, f"{SALES_SET}?$format=json&$top=1&$expand=ВидЦены/ВалютаЦены")
    kind = nested["ВидЦены"]
    assert isinstance(kind, dict)
    assert isinstance(kind["ВалютаЦены"], dict)
    assert kind["ВалютаЦены"]["Ref_Key"] == kind["ВалютаЦены_Key"]


async def test_expand_in_atom_is_an_inline_entry(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{SALES_SET}?$top=1&$expand=Склад")
    entry = ElementTree.fromstring(response.content).find(f"{ATOM}entry")
    assert entry is not None
    link = next(link for link in entry.iter(f"{ATOM}link") if link.get("title") == "Склад")
    inline = link.find(f"{META}inline/{ATOM}entry")
    assert inline is not None
    description = inline.find(f"{ATOM}content/{META}properties/{DATA}Description")
    assert description is not None and description.text


async def test_expand_refusals(client: httpx2.AsyncClient, demo_base: EmulatorBase) -> None:
    ref = demo_base.scalar(f'SELECT "Ref_Key" FROM "{SALES_SET}" LIMIT 1')
    single = await client.get(f"{SALES_SET}(guid'{ref}')?$format=json&$expand=Склад")
    assert (single.status_code, single.json()["odata.error"]["code"]) == (400, "14")
    section = await client.get(f"{SALES_SET}?$format=json&$expand=Товары/Номенклатура")
    assert (section.status_code, section.json()["odata.error"]["code"]) == (400, "14")
    unknown = await client.get(f"{SALES_SET}?$format=json&$expand=Нет")
    assert (unknown.status_code, unknown.json()["odata.error"]["code"]) == (400, "10")


async def test_allowed_only_is_accepted_on_set_gets(client: httpx2.AsyncClient) -> None:
    expected = await _json(client, f"{ITEMS_SET}?$format=json&$top=5")
    for name in ("allowedOnly", "$allowedOnly"):
        assert await _json(client, f"{ITEMS_SET}?$format=json&$top=5&{name}=true") == expected


async def test_navigation_link_only_for_filled_references(client: httpx2.AsyncClient) -> None:
    rows = await _json(client, f"{ITEMS_SET}?$format=json")
    empty = [row for row in rows if row["Parent_Key"] == EMPTY_GUID]
    filled = [row for row in rows if row["Parent_Key"] != EMPTY_GUID]
    assert empty and filled
    assert all("Parent@navigationLinkUrl" not in row for row in empty)
    for row in filled:
        link = row["Parent@navigationLinkUrl"]
        assert link == f"{ITEMS_SET}(guid'{row['Ref_Key']}')/Parent"


async def test_orderby_reference_sorts_by_presentation(
    client: httpx2.AsyncClient, demo_base: EmulatorBase
) -> None:
    units = _descriptions(demo_base, UNITS_SET)
    url = f"{ITEMS_SET}?$format=json&$filter=IsFolder eq false&$orderby=ЕдиницаИзмерения_Key desc"
    shown = [units.get(str(row["ЕдиницаИзмерения_Key"])) for row in await _json(client, url)]
    filled = [text for text in shown if text is not None]
    assert filled == sorted(filled, reverse=True)
    assert len(set(filled)) > 2
