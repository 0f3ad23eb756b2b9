"""The demo as `onec-bridge emulator` serves it: loyalty HTTP service over a real socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from onec_bridge.cli.emulator_command import DEMO_PASSWORD, DEMO_USER, start_demo_emulator
from onec_bridge.emulator import EmulatorBase, ServerHandle
from onec_bridge.emulator.demo_config import COUNTERPARTIES_SET, LOYALTY_OPERATIONS_SET
from tests.emulator.emulator_helpers import basic_auth

AUTH = {"Authorization": basic_auth(DEMO_USER, DEMO_PASSWORD)}
UNKNOWN = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[EmulatorBase, ServerHandle]]:
    base, handle = start_demo_emulator(items=100, port=0)
    try:
        yield base, handle
    finally:
        handle.stop()


def test_loyalty_service_works_out_of_the_box_with_auth(
    server: tuple[EmulatorBase, ServerHandle],
) -> None:
    base, handle = server
    root = f"{handle.url}/hs/loyalty"
    customer = str(base.scalar(f'SELECT "Ref_Key" FROM "{COUNTERPARTIES_SET}" ORDER BY rowid'))
    payload = {"id": "socket-1", "customer": customer, "amount": 990.0, "points": 49.5}
    with httpx2.Client(headers=AUTH, timeout=10) as http:
        products = http.get(f"{root}/products", params={"limit": 3})
        created = http.post(f"{root}/transactions", json=payload)
        repeated = http.post(f"{root}/transactions", json=payload)
        unknown = http.post(
            f"{root}/transactions", json={**payload, "id": "s2", "customer": UNKNOWN}
        )
        invalid = http.post(f"{root}/transactions", json={"id": "s3", "customer": customer})
    with httpx2.Client(timeout=10) as anonymous:
        assert anonymous.get(f"{root}/products").status_code == 401
    assert products.status_code == 200 and len(products.json()["items"]) == 3
    assert created.status_code == 201
    ref_key = created.json()["Ref_Key"]
    document = base.get(LOYALTY_OPERATIONS_SET, ref_key)
    assert document is not None and document["Posted"] is True
    assert document["ИдентификаторТранзакции"] == "socket-1" and document["Баллы"] == 49.5
    assert (repeated.status_code, repeated.json()["Ref_Key"]) == (409, ref_key)
    assert unknown.status_code == 404
    assert invalid.status_code == 400 and "'amount'" in invalid.json()["error"]


def test_generated_operation_ids_are_known_to_the_service(
    server: tuple[EmulatorBase, ServerHandle],
) -> None:
    base, handle = server
    existing = base.query(
        f'SELECT "Ref_Key", "Контрагент_Key" FROM "{LOYALTY_OPERATIONS_SET}" '
        "WHERE \"ИдентификаторТранзакции\" = 'demo-000001'"
    )
    assert len(existing) == 1
    ref_key, customer = existing[0]
    payload = {"id": "demo-000001", "customer": customer, "amount": 1}
    with httpx2.Client(headers=AUTH, timeout=10) as http:
        response = http.post(f"{handle.url}/hs/loyalty/transactions", json=payload)
    assert (response.status_code, response.json()["Ref_Key"]) == (409, ref_key)
