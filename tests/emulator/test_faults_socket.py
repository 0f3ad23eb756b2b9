"""Faults that only show over a real socket: dropped connections, hangs, slow bodies."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import httpx2
import pytest
import uvicorn

from onec_bridge.emulator.fault_plan import FaultPlan
from onec_bridge.emulator.faults import FaultMiddleware
from tests.emulator.test_faults import ROOT, ROWS, make_app


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, FaultMiddleware]]:
    middleware = FaultMiddleware(make_app())
    config = uvicorn.Config(
        middleware, host="127.0.0.1", port=0, log_level="critical", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", middleware
    server.should_exit = True
    thread.join(timeout=10)


async def test_drop_is_a_protocol_error_for_the_client(served: tuple[str, FaultMiddleware]) -> None:
    url, middleware = served
    middleware.set_plan(FaultPlan.parse("drop_rate=1"))
    async with httpx2.AsyncClient(base_url=url) as client:
        with pytest.raises((httpx2.RemoteProtocolError, httpx2.ReadError)):
            await client.get(f"{ROOT}/Catalog_X?$format=json")
    assert middleware.injected["drop"] == 1
    middleware.clear()
    async with httpx2.AsyncClient(base_url=url) as client:
        response = await client.get(f"{ROOT}/Catalog_X?$format=json")
    assert response.json()["value"] == ROWS


async def test_timeout_hangs_until_the_client_gives_up(served: tuple[str, FaultMiddleware]) -> None:
    url, middleware = served
    middleware.set_plan(FaultPlan.parse("timeout_rate=1,hang=30s"))
    async with httpx2.AsyncClient(base_url=url, timeout=0.3) as client:
        with pytest.raises(httpx2.ReadTimeout):
            await client.get(f"{ROOT}/Catalog_X")
    middleware.clear()


async def test_timeout_ends_in_a_proxy_504_after_hang(served: tuple[str, FaultMiddleware]) -> None:
    url, middleware = served
    middleware.set_plan(FaultPlan.parse("timeout_rate=1,hang=50ms"))
    async with httpx2.AsyncClient(base_url=url, timeout=10) as client:
        response = await client.get(f"{ROOT}/Catalog_X")
    assert response.status_code == 504
    assert response.headers["content-type"].startswith("text/html")
    middleware.clear()


async def test_bandwidth_streams_metadata_in_pieces(served: tuple[str, FaultMiddleware]) -> None:
    url, middleware = served
    middleware.set_plan(FaultPlan.parse("path=*/$metadata,metadata_size=300KB,bandwidth=4MB/s"))
    chunks = 0
    async with (
        httpx2.AsyncClient(base_url=url) as client,
        client.stream("GET", f"{ROOT}/$metadata") as response,
    ):
        async for _ in response.aiter_raw():
            chunks += 1
        size = int(response.headers["content-length"])
    assert size >= 300 * 1024
    assert chunks > 1
    middleware.clear()


async def test_server_keeps_serving_after_a_client_gave_up_on_a_hang(
    served: tuple[str, FaultMiddleware],
) -> None:
    url, middleware = served
    middleware.set_plan(FaultPlan.parse("path=*/Catalog_X,timeout_rate=1,hang=30s"))
    async with httpx2.AsyncClient(base_url=url, timeout=0.2) as client:
        with pytest.raises(httpx2.ReadTimeout):
            await client.get(f"{ROOT}/Catalog_X")
    await asyncio.sleep(0)
    middleware.clear()
    async with httpx2.AsyncClient(base_url=url, timeout=5) as client:
        assert (await client.get(f"{ROOT}/Catalog_X")).status_code == 200
