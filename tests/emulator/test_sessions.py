"""SessionMiddleware: IBSession reuse, expiry, licence exhaustion, web-server quirks."""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from onec_bridge.emulator.sessions import (
    LICENCE_ERROR_MESSAGE,
    SessionMiddleware,
    SessionSettings,
)

URL = "/base/odata/standard.odata/Catalog_X"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_app(gate: asyncio.Event | None = None, entered: asyncio.Event | None = None) -> Starlette:
    async def endpoint(request: Request) -> Response:
        if gate is not None and request.query_params.get("wait"):
            if entered is not None:
                entered.set()
            await gate.wait()
        return PlainTextResponse("ok")

    return Starlette(routes=[Route(URL, endpoint)])


def client_for(app: SessionMiddleware) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://1c")


async def test_start_sets_cookie_which_is_reused_and_finish_closes() -> None:
    middleware = SessionMiddleware(make_app())
    async with client_for(middleware) as client:
        started = await client.get(URL, headers={"IBSession": "start"})
        session_id = started.cookies["ibsession"]
        assert middleware.live_sessions() == 1
        reused = await client.get(URL)  # the client sends the cookie back
        assert reused.status_code == 200
        assert middleware.stats()["one_off"] == 0
        finished = await client.get(URL, headers={"IBSession": "finish"})
    assert finished.status_code == 200
    assert "max-age=0" in finished.headers["set-cookie"].lower()
    assert session_id
    assert middleware.live_sessions() == 0
    assert middleware.stats()["finished"] == 1


async def test_sessions_expire_after_max_age_and_stale_cookie_runs_one_off() -> None:
    clock = FakeClock()
    middleware = SessionMiddleware(make_app(), SessionSettings(max_age_s=20), clock=clock)
    async with client_for(middleware) as client:
        await client.get(URL, headers={"IBSession": "start"})
        clock.now += 19
        await client.get(URL)
        clock.now += 19
        assert middleware.live_sessions() == 1  # used 19 s ago: still alive
        clock.now += 2
        assert middleware.live_sessions() == 0
        response = await client.get(URL)
    assert response.status_code == 200
    stats = middleware.stats()
    assert (stats["expired"], stats["stale_cookies"], stats["one_off"]) == (1, 1, 1)


async def test_licence_limit_refuses_new_sessions_with_1c_message() -> None:
    middleware = SessionMiddleware(make_app(), SessionSettings(licence_limit=2))
    first = client_for(middleware)
    second = client_for(middleware)
    third = client_for(middleware)
    async with first, second, third:
        await first.get(URL, headers={"IBSession": "start"})
        await second.get(URL, headers={"IBSession": "start"})
        refused = await third.get(URL, headers={"IBSession": "start"})
        refused_one_off = await third.get(URL)
        still_served = await first.get(URL)  # a live session keeps its licence
        await first.get(URL, headers={"IBSession": "finish"})
        after_release = await third.get(URL)
    assert refused.status_code == 500
    assert refused.text == LICENCE_ERROR_MESSAGE
    assert refused_one_off.status_code == 500
    assert still_served.status_code == 200
    assert after_release.status_code == 200
    assert middleware.stats()["licence_refusals"] == 2
    assert middleware.stats()["peak_licences"] == 2


async def test_one_off_sessions_in_flight_hold_licences() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    middleware = SessionMiddleware(make_app(gate, entered), SessionSettings(licence_limit=1))
    async with client_for(middleware) as client:
        waiting = asyncio.create_task(client.get(URL, params={"wait": "1"}))
        await entered.wait()
        assert middleware.stats()["one_off_in_flight"] == 1
        refused = await client.get(URL)
        gate.set()
        assert (await waiting).status_code == 200
        served = await client.get(URL)
    assert refused.status_code == 500
    assert served.status_code == 200


async def test_finish_all_drops_every_session() -> None:
    middleware = SessionMiddleware(make_app())
    async with client_for(middleware) as client:
        await client.get(URL, headers={"IBSession": "start"})
        middleware.finish_all()
        await client.get(URL)
    assert middleware.stats()["stale_cookies"] == 1


async def test_misconfigured_web_server_answers_html_200() -> None:
    middleware = SessionMiddleware(make_app(), SessionSettings(misconfigured_web_server=True))
    async with client_for(middleware) as client:
        response = await client.get(URL, params={"$format": "json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


async def test_query_longer_than_limit_gets_iis_html_404() -> None:
    middleware = SessionMiddleware(make_app(), SessionSettings(max_query_bytes=2048))
    chain = " or ".join(f"Code eq '{i:09d}'" for i in range(120))
    async with client_for(middleware) as client:
        too_long = await client.get(URL, params={"$filter": chain})
        short = await client.get(URL, params={"$filter": "Code eq '1'"})
    assert too_long.status_code == 404
    assert "404.15" in too_long.text
    assert short.status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [{"max_age_s": 0}, {"licence_limit": 0}, {"max_query_bytes": 0}],
)
def test_bad_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        SessionSettings(**kwargs)  # type: ignore[arg-type]
