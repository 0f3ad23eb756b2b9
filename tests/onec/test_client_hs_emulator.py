"""HTTP services against the emulator's ``/hs/loyalty``: reads, a posted transaction, and each
refusal mapped to its ``OneCError`` (409 carries the existing Ref_Key)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from onec_bridge.onec import (
    OneCClient,
    OneCConflict,
    OneCNotFound,
    OneCNotSupported,
    OneCValidationError,
    QueryOptions,
)
from tests.onec.emulator_support import (
    CUSTOMERS,
    ITEMS,
    LOYALTY_OPERATIONS,
    demo_app,
    demo_base,
    in_process_client,
    served,
    socket_settings,
)

UNKNOWN_CUSTOMER = "00000000-0000-0000-0000-00000000abcd"


async def a_customer(client: OneCClient) -> str:
    (customer,) = await client.odata.query(CUSTOMERS, QueryOptions(top=1))
    return str(customer["Ref_Key"])


async def test_products_are_listed_in_pages() -> None:
    client, recorder = in_process_client(demo_app(demo_base()))
    async with client:
        loyalty = client.hs("loyalty")
        first = (await loyalty.get("products", params={"limit": 2})).json()["items"]
        sent = recorder.last.request.url
        second = (await loyalty.get("products", params={"limit": 2, "offset": 2})).json()["items"]
        count = await client.odata.count(ITEMS)
        everything = (await loyalty.get("products", params={"limit": count})).json()["items"]
    assert sent.path == "/demo/hs/loyalty/products" and sent.params["limit"] == "2"
    assert len(first) == len(second) == 2
    assert [row["Ref_Key"] for row in everything[:4]] == [
        row["Ref_Key"] for row in [*first, *second]
    ]
    assert len(everything) == count


async def test_a_transaction_is_created_posted_and_a_repeat_is_a_conflict() -> None:
    client, recorder = in_process_client(demo_app(demo_base()))
    async with client:
        customer = await a_customer(client)
        loyalty = client.hs("loyalty")
        body = {"id": "tx-42", "customer": customer, "amount": Decimal("150.50"), "points": 15}
        created = await loyalty.post("transactions", json=body)
        document = await client.odata.get(LOYALTY_OPERATIONS, created.json()["Ref_Key"])
        with pytest.raises(OneCConflict) as repeated:
            await loyalty.post("transactions", json={**body, "amount": 1})
        posts = recorder.requests("POST", "/transactions")
    assert created.status == 201
    assert document["Posted"] is True
    assert document["Сумма"] == Decimal("150.5")
    assert document["ИдентификаторТранзакции"].strip() == "tx-42"
    conflict = repeated.value
    assert conflict.status == 409
    assert conflict.ref_key == created.json()["Ref_Key"]
    assert conflict.message == "transaction already recorded"
    assert conflict.details == {
        "Ref_Key": created.json()["Ref_Key"],
        "error": "transaction already recorded",
    }
    assert len(posts) == 2  # a 409 is never retried


async def test_unknown_customer_invalid_payload_unknown_template_and_method() -> None:
    client, _ = in_process_client(demo_app(demo_base()))
    async with client:
        loyalty = client.hs("loyalty")
        customer = await a_customer(client)
        with pytest.raises(OneCNotFound) as unknown:
            await loyalty.post(
                "transactions", json={"id": "t-1", "customer": UNKNOWN_CUSTOMER, "amount": 1}
            )
        with pytest.raises(OneCValidationError) as invalid:
            await loyalty.post(
                "transactions", json={"id": "t-2", "customer": customer, "amount": "сто"}
            )
        with pytest.raises(OneCNotFound):
            await loyalty.get("no-such-template")
        with pytest.raises(OneCNotSupported) as wrong_method:
            await loyalty.delete("products")
    assert unknown.value.status == 404
    assert UNKNOWN_CUSTOMER in unknown.value.message
    assert invalid.value.status == 400
    assert invalid.value.message == "field 'amount' must be a number"
    assert wrong_method.value.status == 405


async def test_http_service_over_a_real_socket() -> None:
    with served(demo_app(demo_base())) as url:
        async with OneCClient(socket_settings(url)) as client:
            loyalty = client.hs("loyalty")
            customers = (await loyalty.get("customers", params={"limit": 1})).json()["items"]
            inventory = (await loyalty.get("inventory", params={"limit": 3})).json()["items"]
            body = {"id": "socket-1", "customer": customers[0]["Ref_Key"], "amount": 10}
            created = (await loyalty.post("transactions", json=body)).json()
            with pytest.raises(OneCConflict) as repeated:
                await loyalty.post("transactions", json=body)
    assert len(inventory) == 3 and all("Количество" in row for row in inventory)
    assert repeated.value.ref_key == created["Ref_Key"]
