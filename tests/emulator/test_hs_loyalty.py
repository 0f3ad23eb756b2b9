"""The demo loyalty service over a real in-memory EmulatorBase."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from onec_bridge.emulator.base import EmulatorBase
from onec_bridge.emulator.builders import attr, catalog, document, ref
from onec_bridge.emulator.demo_config import demo_configuration
from onec_bridge.emulator.hs import HttpServicesRouter
from onec_bridge.emulator.loyalty import LoyaltySets, loyalty_service
from onec_bridge.emulator.model import Configuration, EdmType

ROOT = "/base/hs/loyalty"
UNKNOWN = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def loyalty_configuration() -> Configuration:
    """The demo configuration plus the sets the service needs, if the demo lacks them."""
    demo = demo_configuration()
    sets = LoyaltySets()
    extra = []
    if demo.entity_set(sets.customers) is None:
        extra.append(catalog("Контрагенты", attr("ИНН"), attr("КПП")))
    if demo.entity_set(sets.transactions) is None:
        extra.append(
            document(
                "ОперацияЛояльности",
                ref("Контрагент", sets.customers),
                attr("Сумма", EdmType.DOUBLE),
                attr("Баллы", EdmType.DOUBLE),
                attr("ИдентификаторТранзакции"),
            )
        )
    return Configuration(name=demo.name, entity_sets=(*demo.entity_sets, *extra), enums=demo.enums)


@pytest.fixture
def base() -> EmulatorBase:
    base = EmulatorBase.open(None, loyalty_configuration())
    base.insert_objects("Catalog_Номенклатура", [{"Description": "Стол"}, {"Description": "Стул"}])
    base.insert_objects("Catalog_Контрагенты", [{"Description": "ООО Ромашка", "ИНН": "7701"}])
    return base


@pytest.fixture
async def client(base: EmulatorBase) -> AsyncIterator[httpx2.AsyncClient]:
    router = HttpServicesRouter([loyalty_service(base)])
    transport = httpx2.ASGITransport(app=router)
    async with httpx2.AsyncClient(transport=transport, base_url="http://1c") as client:
        yield client


def customer_key(base: EmulatorBase) -> str:
    return str(base.scalar('SELECT "Ref_Key" FROM "Catalog_Контрагенты"'))


async def test_get_lists_rows_in_wire_form(client: httpx2.AsyncClient) -> None:
    products = (await client.get(f"{ROOT}/products")).json()["items"]
    customers = (await client.get(f"{ROOT}/customers", params={"limit": 1})).json()["items"]
    assert sorted(p["Description"] for p in products) == ["Стол", "Стул"]
    assert [c["ИНН"] for c in customers] == ["7701"]
    second = (await client.get(f"{ROOT}/products", params={"offset": 1})).json()["items"]
    assert len(second) == 1


async def test_post_creates_a_posted_document_once(
    client: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    payload = {"id": "tx-1", "customer": customer_key(base), "amount": 150.5, "points": 15}
    first = await client.post(f"{ROOT}/transactions", json=payload)
    again = await client.post(f"{ROOT}/transactions", json=payload)
    assert first.status_code == 201
    ref_key = first.json()["Ref_Key"]
    stored = base.get("Document_ОперацияЛояльности", ref_key)
    assert stored is not None
    assert stored["Posted"] is True
    assert stored["Сумма"] == 150.5
    assert stored["Контрагент_Key"] == customer_key(base)
    assert again.status_code == 409
    assert again.json()["Ref_Key"] == ref_key
    assert base.count("Document_ОперацияЛояльности") == 1


async def test_unknown_customer_is_404(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        f"{ROOT}/transactions", json={"id": "tx-2", "customer": UNKNOWN, "amount": 1}
    )
    assert response.status_code == 404
    assert UNKNOWN in response.json()["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "JSON object"),
        (b"[1]", "JSON object"),
        (b'{"customer": "x", "amount": 1}', "'id'"),
        (b'{"id": "t", "customer": "short", "amount": 1}', "'customer'"),
        (b'{"id": "t", "customer": "' + UNKNOWN.encode() + b'", "amount": "1"}', "'amount'"),
    ],
)
async def test_invalid_payload_is_400_naming_the_field(
    client: httpx2.AsyncClient, body: bytes, field: str
) -> None:
    response = await client.post(f"{ROOT}/transactions", content=body)
    assert response.status_code == 400
    assert field in response.json()["error"]


async def test_wrong_method_and_unknown_template(client: httpx2.AsyncClient) -> None:
    assert (await client.get(f"{ROOT}/transactions")).status_code == 405
    assert (await client.get(f"{ROOT}/bonuses")).status_code == 404
