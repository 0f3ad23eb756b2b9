"""JSON answers of the standard OData interface: shapes, headers, paging, selection, keys."""

from __future__ import annotations

import httpx2
import pytest

from onec_bridge.emulator import ITEMS_SET, EmulatorBase, EmulatorSettings
from onec_bridge.mapping.onec_values import EMPTY_GUID
from tests.emulator.emulator_helpers import ODATA_ROOT, odata_client

ITEMS = ITEMS_SET


def _first_item_ref(base: EmulatorBase, where: str = '"IsFolder" = 0') -> str:
    return str(base.scalar(f'SELECT "Ref_Key" FROM "{ITEMS}" WHERE {where} ORDER BY rowid'))


async def test_collection_shape_and_headers(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}?$format=json&$top=3")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    assert response.headers["dataserviceversion"] == "3.0"
    body = response.json()
    assert body["odata.metadata"] == f"{ODATA_ROOT}$metadata#{ITEMS}"
    assert list(body) == ["odata.metadata", "value"]  # never odata.nextLink
    assert len(body["value"]) == 3


async def test_whole_collection_without_top(client: httpx2.AsyncClient) -> None:
    body = (await client.get(f"{ITEMS}?$format=json")).json()
    assert len(body["value"]) == 510


async def test_value_encodings(client: httpx2.AsyncClient, demo_base: EmulatorBase) -> None:
    ref = _first_item_ref(demo_base, '"IsFolder" = 0 AND "ЕдиницаИзмерения_Key" <> \'\'')
    row = (await client.get(f"{ITEMS}(guid'{ref}')?$format=json")).json()
    assert isinstance(row["СрокГодности"], str)
    assert row["СрокГодности"].isdigit()
    assert isinstance(row["ЦенаПродажи"], int | float)
    assert isinstance(row["DeletionMark"], bool)
    assert len(row["ШтрихКод"]) == 20
    assert len(row["Code"]) == 11
    assert row["Ref_Key"] == ref
    if row["ЕдиницаИзмерения_Key"] != EMPTY_GUID:
        link = row["ЕдиницаИзмерения@navigationLinkUrl"]
        assert link == f"{ITEMS}(guid'{ref}')/ЕдиницаИзмерения"
    if row["Parent_Key"] == EMPTY_GUID:
        assert "Parent@navigationLinkUrl" not in row


async def test_single_entity_shape(client: httpx2.AsyncClient, demo_base: EmulatorBase) -> None:
    ref = _first_item_ref(demo_base)
    response = await client.get(f"{ITEMS}(guid'{ref}')?$format=json")
    body = response.json()
    assert body["odata.metadata"] == f"{ODATA_ROOT}$metadata#{ITEMS}/@Element"
    assert body["Ref_Key"] == ref
    assert "value" not in body
    expected = demo_base.get(ITEMS, ref)
    assert {k: v for k, v in body.items() if k != "odata.metadata"} == expected


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("$format=json", {}),
        ("$format=application/json", {}),
        ("$format=application/json;odata=minimalmetadata", {}),
        ("", {"Accept": "application/json"}),
        ("", {"Accept": "application/json;odata=minimalmetadata"}),
    ],
)
async def test_json_negotiation(
    client: httpx2.AsyncClient, query: str, headers: dict[str, str]
) -> None:
    response = await client.get(f"{ITEMS}?$top=1&{query}", headers=headers)
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    assert "odata.metadata" in response.json()


async def test_nometadata_drops_odata_metadata(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}?$top=1&$format=application/json;odata=nometadata")
    assert list(response.json()) == ["value"]


async def test_unknown_format_is_refused(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}?$format=csv")
    assert response.status_code == 415


async def test_top_skip_and_multi_key_orderby(client: httpx2.AsyncClient) -> None:
    everything = await client.get(f"{ITEMS}?$format=json&$orderby=IsFolder desc, Code asc")
    rows = everything.json()["value"]
    assert [r["IsFolder"] for r in rows[:10]] == [True] * 10
    assert [r["Code"] for r in rows[10:]] == sorted(r["Code"] for r in rows[10:])
    page = await client.get(f"{ITEMS}?$format=json&$orderby=IsFolder desc,Code&$skip=15&$top=5")
    assert page.json()["value"] == rows[15:20]
    # $skip applies before $top whatever their order in the URL
    swapped = await client.get(f"{ITEMS}?$format=json&$top=5&$orderby=IsFolder desc,Code&$skip=15")
    assert swapped.json()["value"] == rows[15:20]


async def test_orderby_desc(client: httpx2.AsyncClient) -> None:
    rows = (await client.get(f"{ITEMS}?$format=json&$orderby=Code desc&$top=3")).json()["value"]
    assert [r["Code"] for r in rows] == ["00-00000510", "00-00000509", "00-00000508"]


async def test_select_is_trimmed_and_exact(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}?$format=json&$top=2&$select=Code, Description,  Артикул")
    for row in response.json()["value"]:
        assert list(row) == ["Code", "Description", "Артикул"]


async def test_select_unknown_property_is_an_error(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}?$format=json&$select=Нет")
    assert response.status_code == 400
    assert response.json()["odata.error"]["code"] == "10"


async def test_percent_encoded_option_names(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}?%24format=json&%24top=2&%24select=Code%2C%20Description")
    rows = response.json()["value"]
    assert len(rows) == 2
    assert list(rows[0]) == ["Code", "Description"]


async def test_inlinecount_is_a_string_and_top_zero_counts(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}?$format=json&$top=0&$inlinecount=allpages")
    body = response.json()
    assert body["odata.count"] == "510"
    assert body["value"] == []
    filtered = await client.get(
        f"{ITEMS}?$format=json&$top=1&$inlinecount=allpages&$filter=IsFolder"
    )
    assert filtered.json()["odata.count"] == "10"


async def test_inlinecount_can_ignore_paging_as_documented(demo_base: EmulatorBase) -> None:
    settings = EmulatorSettings(inline_count_ignores_paging=True)
    async with odata_client(demo_base, settings) as http:
        body = (await http.get(f"{ITEMS}?$format=json&$top=2&$inlinecount=allpages")).json()
    assert body["odata.count"] == "510"
    assert len(body["value"]) == 510


async def test_dollar_count_is_a_bare_number(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}/$count", headers={"Accept": "text/plain"})
    assert response.text == "510"
    folders = await client.get(f"{ITEMS}/$count?$filter=IsFolder eq true")
    assert folders.text == "10"


async def test_missing_key_is_404_code_9(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}(guid'{EMPTY_GUID}')?$format=json")
    assert response.status_code == 404
    error = response.json()["odata.error"]
    assert error["code"] == "9"
    assert error["message"]["lang"] == "ru"


async def test_unknown_set_and_bad_key(client: httpx2.AsyncClient) -> None:
    unknown = await client.get("Catalog_Нет?$format=json")
    assert (unknown.status_code, unknown.json()["odata.error"]["code"]) == (400, "8")
    bad_key = await client.get(f"{ITEMS}(guid'nope')?$format=json")
    assert (bad_key.status_code, bad_key.json()["odata.error"]["code"]) == (400, "6")


async def test_bad_top_is_400_code_14(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}?$format=json&$top=-1")
    assert (response.status_code, response.json()["odata.error"]["code"]) == (400, "14")


async def test_writing_method_on_count_is_refused(client: httpx2.AsyncClient) -> None:
    response = await client.delete(f"{ITEMS}/$count?$format=json")
    assert (response.status_code, response.json()["odata.error"]["code"]) == (405, "19")


async def test_service_root_json_lists_sets(client: httpx2.AsyncClient) -> None:
    for path in ("", "/"):
        response = await client.get(ODATA_ROOT.rstrip("/") + path + "?$format=json")
        names = [entry["name"] for entry in response.json()["value"]]
        assert ITEMS in names
