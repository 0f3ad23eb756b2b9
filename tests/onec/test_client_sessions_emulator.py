"""IBSession reuse and licence exhaustion against the emulator's session middleware."""

from __future__ import annotations

import pytest

from onec_bridge.emulator.sessions import LICENCE_ERROR_MESSAGE, SessionSettings
from onec_bridge.onec import OneCClient, OneCServerError
from tests.onec.emulator_support import (
    ITEMS,
    demo_app,
    demo_base,
    in_process_client,
    served,
    socket_settings,
)


async def test_one_session_is_started_reused_and_finished_on_close() -> None:
    app = demo_app(demo_base(), sessions=SessionSettings())
    client, recorder = in_process_client(app, session_reuse=True)
    async with client:
        for _ in range(3):
            await client.odata.count(ITEMS)
        live_while_open = app.sessions.stats()["live"]
    first, *reused = (exchange.request for exchange in recorder.exchanges[:-1])
    finish = recorder.exchanges[-1].request
    cookie = recorder.exchanges[0].response.cookies["ibsession"]
    assert first.headers["IBSession"] == "start"
    assert "cookie" not in first.headers
    assert len(reused) == 2
    assert all(request.headers["cookie"] == f"ibsession={cookie}" for request in reused)
    assert all("IBSession" not in request.headers for request in reused)
    assert finish.headers["IBSession"] == "finish"
    assert live_while_open == 1
    stats = app.sessions.stats()
    assert (stats["started"], stats["finished"], stats["live"], stats["one_off"]) == (1, 1, 0, 0)


async def test_session_reuse_over_a_real_socket() -> None:
    app = demo_app(demo_base(), sessions=SessionSettings())
    with served(app) as url:
        async with OneCClient(socket_settings(url, session_reuse=True)) as client:
            counts = [await client.odata.count(ITEMS) for _ in range(5)]
            await client.hs("loyalty").get("products", params={"limit": 1})
        stats = app.sessions.stats()
    assert len(set(counts)) == 1
    assert (stats["started"], stats["finished"], stats["one_off"], stats["stale_cookies"]) == (
        1,
        1,
        0,
        0,
    )


async def test_without_reuse_every_request_is_a_one_off_session() -> None:
    app = demo_app(demo_base(), sessions=SessionSettings())
    client, recorder = in_process_client(app)
    async with client:
        await client.odata.count(ITEMS)
        await client.odata.count(ITEMS)
    assert all("IBSession" not in exchange.request.headers for exchange in recorder.exchanges)
    assert app.sessions.stats()["one_off"] == 2


async def test_licence_exhaustion_is_a_clear_error_and_passes_when_a_licence_frees() -> None:
    app = demo_app(demo_base(), sessions=SessionSettings(licence_limit=1))
    holder, _ = in_process_client(app, session_reuse=True)
    other, recorder = in_process_client(app, resilience={"retry_attempts": 2})
    async with other:
        await holder.odata.count(ITEMS)  # holds the only licence in its session
        with pytest.raises(OneCServerError) as refused:
            await other.odata.count(ITEMS)
        attempts = len(recorder.exchanges)
        await holder.aclose()  # IBSession: finish frees the licence
        assert await other.odata.count(ITEMS) > 0
    error = refused.value
    assert error.status == 500
    assert error.message == LICENCE_ERROR_MESSAGE
    assert "licence" in error.hint and "session_reuse" in error.hint
    assert attempts == 2  # a GET is retried: a licence may free meanwhile
    assert app.sessions.stats()["licence_refusals"] == 2
