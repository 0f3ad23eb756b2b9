"""Writes as 1C answers them: 201 + Location, PATCH 200 + entity, PUT, DELETE, If-Match 412."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import unquote

import httpx2
import pytest

from onec_bridge.emulator import ITEMS_SET, UNITS_SET, EmulatorBase, generate_demo_base
from onec_bridge.mapping.onec_values import EMPTY_GUID
from tests.emulator.emulator_helpers import odata_client


@pytest.fixture
def base() -> EmulatorBase:
    fresh = EmulatorBase.open(None)
    generate_demo_base(fresh, items=30, seed=1)
    return fresh


@pytest.fixture
async def http(base: EmulatorBase) -> AsyncIterator[httpx2.AsyncClient]:
    async with odata_client(base) as client:
        yield client


def _unit(base: EmulatorBase) -> str:
    return str(base.scalar(f'SELECT "Ref_Key" FROM "{UNITS_SET}" WHERE "Description" = \'кг\''))


async def test_create_answers_201_with_location_and_generated_code(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    payload = {
        "Description": "Новый товар",
        "ЦенаПродажи": 12.5,
        "ЕдиницаИзмерения@odata.bind": f"{UNITS_SET}(guid'{_unit(base)}')",
        "НеизвестноеПоле": 1,
    }
    response = await http.post(f"{ITEMS_SET}?$format=json", json=payload)
    assert response.status_code == 201
    body = response.json()
    assert body["Code"] == "00-00000032"  # 30 items + 1 folder exist
    assert body["ЕдиницаИзмерения_Key"] == _unit(base)
    assert "НеизвестноеПоле" not in body
    location = response.headers["location"]
    assert location.isascii()  # headers are latin-1: Cyrillic is percent-encoded
    assert unquote(location).endswith(f"{ITEMS_SET}(guid'{body['Ref_Key']}')")
    assert base.get(ITEMS_SET, body["Ref_Key"]) == {
        k: v for k, v in body.items() if k != "odata.metadata"
    }


async def test_patch_answers_200_with_the_full_entity(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    ref = base.modify_items(1, seed=1)[0]
    before = base.get(ITEMS_SET, ref)
    assert before is not None
    response = await http.patch(
        f"{ITEMS_SET}(guid'{ref}')?$format=json", json={"Description": "Изменено"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["Description"] == "Изменено"
    assert body["Code"] == before["Code"]
    assert body["DataVersion"] != before["DataVersion"]


async def test_patch_with_select_answers_exactly_those_fields(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    ref = base.modify_items(1, seed=1)[0]
    response = await http.patch(
        f"{ITEMS_SET}(guid'{ref}')?$format=json&$select=Ref_Key, Description",
        json={"Description": "X"},
    )
    assert list(response.json()) == ["odata.metadata", "Ref_Key", "Description"]


async def test_if_match_guards_updates_and_deletes(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    ref = base.modify_items(1, seed=2)[0]
    version = base.get(ITEMS_SET, ref)["DataVersion"]  # type: ignore[index]
    url = f"{ITEMS_SET}(guid'{ref}')?$format=json"
    fresh = await http.patch(url, json={"Вес": 1}, headers={"If-Match": version})
    assert fresh.status_code == 200
    stale = await http.patch(url, json={"Вес": 2}, headers={"If-Match": version})
    assert stale.status_code == 412
    assert base.get(ITEMS_SET, ref)["Вес"] == 1  # type: ignore[index]
    refused = await http.delete(url, headers={"If-Match": version})
    assert refused.status_code == 412
    deleted = await http.delete(url, headers={"If-Match": fresh.json()["DataVersion"]})
    assert deleted.status_code == 204
    assert base.get(ITEMS_SET, ref) is None
    gone = await http.get(url)
    assert gone.json()["odata.error"]["code"] == "9"


async def test_put_resets_missing_properties(http: httpx2.AsyncClient, base: EmulatorBase) -> None:
    ref = base.modify_items(1, seed=3)[0]
    response = await http.put(
        f"{ITEMS_SET}(guid'{ref}')?$format=json",
        json={"Description": "Только имя"},
        headers={"1C_OData-DataLoadMode": "true"},
    )
    body = response.json()
    assert response.status_code == 200
    assert body["Description"] == "Только имя"
    assert body["ЦенаПродажи"] == 0
    assert body["Parent_Key"] == EMPTY_GUID


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"ЦенаПродажи": "дорого"}, "4"),
        ({"DeletionMark": "yes"}, "4"),
        ({"ВидНоменклатуры": "Космос"}, "4"),
        ({"Parent_Key": "not-a-guid"}, "4"),
        ({"ЕдиницаИзмерения@odata.bind": "Catalog_Номенклатура(guid'x')"}, "4"),
    ],
)
async def test_bad_values_are_400(
    http: httpx2.AsyncClient, payload: dict[str, object], code: str
) -> None:
    response = await http.post(f"{ITEMS_SET}?$format=json", json=payload)
    assert response.status_code == 400
    assert response.json()["odata.error"]["code"] == code


async def test_malformed_body_is_400_code_2(http: httpx2.AsyncClient) -> None:
    response = await http.post(f"{ITEMS_SET}?$format=json", content=b"{nope")
    assert (response.status_code, response.json()["odata.error"]["code"]) == (400, "2")
