"""The client against the emulator: in-process (ASGITransport) and over a socket with faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from onec_bridge.emulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    ITEMS_SET,
    EmulatorBase,
    EmulatorSettings,
    create_app,
    generate_demo_base,
    run_in_thread,
)
from onec_bridge.emulator.fault_plan import FaultPlan
from onec_bridge.onec import F, OneCAuthError, OneCClient, OneCNotFound, QueryOptions
from tests.onec.fake_onec import fast_settings

ITEMS = 1_200


@pytest.fixture(scope="module")
def base() -> Iterator[EmulatorBase]:
    emulator_base = EmulatorBase.open(None)
    generate_demo_base(emulator_base, items=ITEMS, seed=1)
    yield emulator_base
    emulator_base.close()


def in_process(base: EmulatorBase, **settings: Any) -> OneCClient:
    app = create_app(base, EmulatorSettings(base_name="demo"))
    return OneCClient(
        fast_settings(
            url="http://emulator/demo", user=DEFAULT_USER, password=DEFAULT_PASSWORD, **settings
        ),
        transport=httpx2.ASGITransport(app=app),
    )


async def read_codes(client: OneCClient, **options: Any) -> list[str]:
    return [
        row["Code"]
        async for page in client.odata.iter_pages(ITEMS_SET, select=["Ref_Key", "Code"], **options)
        for row in page
    ]


@pytest.mark.parametrize(
    "options",
    [{}, {"max_in_flight": 4}, {"keyset": None}, {"keyset": None, "max_in_flight": 4}],
    ids=["keyset", "keyset-ranges", "skip", "skip-in-flight"],
)
async def test_full_read_returns_every_item_once_in_order(
    base: EmulatorBase, options: dict[str, Any]
) -> None:
    async with in_process(base, resilience={"max_concurrency": 4}) as client:
        count = await client.odata.count(ITEMS_SET)
        codes = await read_codes(client, page_size=100, **options)
    assert count >= ITEMS  # items plus their groups
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes) == count


@pytest.mark.parametrize("in_flight", [1, 4], ids=["keyset", "keyset-ranges"])
async def test_wire_rows_hold_what_dict_rows_hold(base: EmulatorBase, in_flight: int) -> None:
    select = ["Ref_Key", "DataVersion", "Description", "ЦенаПродажи", "Вес", "СрокГодности"]

    async def read(wire_rows: bool) -> list[dict[str, Any]]:
        pages = client.odata.iter_pages(
            ITEMS_SET, select=select, page_size=250, max_in_flight=in_flight, wire_rows=wire_rows
        )
        return [
            {name: (row[name], type(row[name])) for name in [*select, "Code"]}
            async for page in pages
            for row in page
        ]

    async with in_process(base, resilience={"max_concurrency": 4}) as client:
        slots, dicts = await read(True), await read(False)
    assert len(slots) == len(dicts) >= ITEMS
    assert slots == dicts


async def test_get_many_get_and_filtered_count(base: EmulatorBase) -> None:
    async with in_process(base, url_max_length=1024) as client:
        first = await client.odata.query(ITEMS_SET, QueryOptions(top=60))
        keys = [row["Ref_Key"] for row in first]
        found = await client.odata.get_many(ITEMS_SET, keys, select=["Ref_Key", "Code"])
        one = await client.odata.get(ITEMS_SET, keys[0])
        filtered = await client.odata.count(ITEMS_SET, filter=F("Code") <= first[9]["Code"])
        with pytest.raises(OneCNotFound):
            await client.odata.get(ITEMS_SET, "00000000-0000-0000-0000-000000000001")
    assert sorted(row["Ref_Key"] for row in found) == sorted(keys)
    assert one["Ref_Key"] == keys[0]
    assert filtered >= 10


async def test_wrong_password_is_an_auth_error(base: EmulatorBase) -> None:
    app = create_app(base, EmulatorSettings(base_name="demo"))
    settings = fast_settings(url="http://emulator/demo", user=DEFAULT_USER, password="wrong")
    async with OneCClient(settings, transport=httpx2.ASGITransport(app=app)) as client:
        with pytest.raises(OneCAuthError):
            await client.odata.count(ITEMS_SET)


async def test_full_read_survives_injected_faults_over_a_real_socket(base: EmulatorBase) -> None:
    plan = FaultPlan.parse(
        "seed=3,error_rate=10%,gateway_error_rate=5%,drop_rate=5%,truncate_rate=5%"
    )
    handle = run_in_thread(create_app(base, EmulatorSettings(base_name="demo", faults=plan)))
    try:
        settings = fast_settings(
            url=handle.url,
            user=DEFAULT_USER,
            password=DEFAULT_PASSWORD,
            resilience={"retry_attempts": 8, "max_concurrency": 4},
        )
        async with OneCClient(settings) as client:
            codes = await read_codes(client, page_size=100, max_in_flight=4)
    finally:
        handle.stop()
    assert len(codes) >= ITEMS
    assert codes == sorted(set(codes))


@pytest.mark.bench
async def test_rows_per_second_in_flight_vs_one_at_a_time(base: EmulatorBase) -> None:
    plan = FaultPlan.parse("latency=30ms")
    handle = run_in_thread(create_app(base, EmulatorSettings(base_name="demo", faults=plan)))
    rates = {}
    try:
        settings = fast_settings(
            url=handle.url,
            user=DEFAULT_USER,
            password=DEFAULT_PASSWORD,
            resilience={"max_concurrency": 8},
        )
        async with OneCClient(settings) as client:
            for in_flight in (1, 8):
                started = time.perf_counter()
                codes = await read_codes(client, page_size=50, max_in_flight=in_flight)
                rates[in_flight] = len(codes) / (time.perf_counter() - started)
    finally:
        handle.stop()
    print(
        f"rows/s at 30 ms latency: 1 in flight {rates[1]:.0f}, 8 in flight {rates[8]:.0f}, "
        f"ratio {rates[8] / rates[1]:.1f}x"
    )
