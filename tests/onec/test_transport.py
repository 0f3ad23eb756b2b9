"""Transport: headers, UTF-8 Basic auth on a real server, sessions, failures over a real socket,
and credentials that never leak."""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
import ssl

import httpx2
import pytest
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from onec_bridge.onec import (
    OneCAuthError,
    OneCClient,
    OneCNotFound,
    OneCTimeout,
    OneCUnavailable,
    QueryOptions,
)
from onec_bridge.onec.auth import Credentials, basic_auth_header, redact_url
from onec_bridge.onec.transport import USER_AGENT, OneCRequest, tls_context
from tests.onec.fake_onec import fast_settings, free_port, json_response, odata_error, serve

USER, PASSWORD = "Администратор", "пароль:с:двоеточием"


def test_basic_auth_is_utf8_base64() -> None:
    header = basic_auth_header(USER, PASSWORD)
    assert base64.b64decode(header.removeprefix("Basic ")).decode("utf-8") == f"{USER}:{PASSWORD}"


def test_user_with_colon_is_refused_with_a_fix() -> None:
    with pytest.raises(ValueError, match="ONEC_USER"):
        basic_auth_header("a:b", "x")


def test_secrets_never_in_repr_or_str() -> None:
    credentials = Credentials(USER, PASSWORD)
    client = OneCClient(fast_settings(password=PASSWORD))
    for text in (
        repr(credentials),
        str(credentials),
        repr(client),
        repr(client.transport),
        repr(client.settings),
    ):
        assert PASSWORD not in text
    assert redact_url("http://u:p4ss@host:8080/base?x=1") == "http://host:8080/base?x=1"


def _auth_app() -> Starlette:
    async def whoami(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        user, _, password = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
        if (user, password) != (USER, PASSWORD):
            return Response(status_code=401, headers={"WWW-Authenticate": "Basic"})
        return JSONResponse(
            {
                "user": user,
                "cid": request.headers.get("x-correlation-id"),
                "ua": request.headers.get("user-agent"),
            }
        )

    return Starlette(routes=[Route("/demo/hs/me/who", whoami)])


async def test_cyrillic_basic_auth_accepted_by_a_real_server() -> None:
    with serve(_auth_app()) as url:
        settings = fast_settings(url=f"{url}/demo", user=USER, password=PASSWORD)
        async with OneCClient(settings, correlation_id="run-42") as client:
            answer = (await client.hs("me").get("who")).json()
        wrong = fast_settings(url=f"{url}/demo", user=USER, password="nope")
        async with OneCClient(wrong) as client:
            with pytest.raises(OneCAuthError) as caught:
                await client.hs("me").get("who")
    assert answer == {"user": USER, "cid": "run-42", "ua": USER_AGENT}
    assert "nope" not in str(caught.value)


async def test_every_request_carries_correlation_id_and_user_agent() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return json_response({"value": []})

    async with OneCClient(fast_settings(), transport=httpx2.MockTransport(handler)) as client:
        await client.odata.query("Catalog_X", QueryOptions())
        await client.hs("svc").get("a")
    assert {r.headers["X-Correlation-ID"] for r in seen} == {client.correlation_id}
    assert all(r.headers["User-Agent"].startswith("onec-bridge/") for r in seen)


async def test_session_reuse_starts_keeps_and_finishes_the_ibsession() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        headers = {}
        if request.headers.get("IBSession") == "start":
            headers["Set-Cookie"] = "ibsession=abc123; Path=/"
        return json_response({"value": []}, **headers)

    settings = fast_settings(session_reuse=True)
    async with OneCClient(settings, transport=httpx2.MockTransport(handler)) as client:
        for _ in range(3):
            await client.hs("svc").get("x")
    assert seen[0].headers["IBSession"] == "start"
    assert all("IBSession" not in r.headers for r in seen[1:3])
    assert all(r.headers["Cookie"] == "ibsession=abc123" for r in seen[1:])
    assert seen[-1].headers["IBSession"] == "finish"
    assert len(seen) == 4


async def test_non_2xx_is_mapped_with_url_but_without_credentials() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return odata_error(404, "9", "Экземпляр сущности не найден")

    settings = fast_settings(url="http://admin:topsecret@1c.test/demo")
    async with OneCClient(settings, transport=httpx2.MockTransport(handler)) as client:
        with pytest.raises(OneCNotFound) as caught:
            await client.hs("svc").get("x")
    error = caught.value
    assert (error.status, error.code) == (404, "9")
    assert error.url == "http://1c.test/demo/hs/svc/x"
    assert "topsecret" not in str(error)
    assert "topsecret" not in repr(error)


async def test_connection_refused_is_unavailable_and_retried() -> None:
    port = free_port()  # nothing listens here
    settings = fast_settings(url=f"http://127.0.0.1:{port}/demo", resilience={"retry_attempts": 2})
    async with OneCClient(settings) as client:
        with pytest.raises(OneCUnavailable) as caught:
            await client.hs("svc").post("x", json={"a": 1})  # even a POST: it never left
    assert caught.value.request_sent is False
    assert client.breaker._failures == 2  # both attempts reached the transport


def _dropping_server() -> tuple[socket.socket, int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    return listener, listener.getsockname()[1]


async def test_dropped_connection_over_a_real_socket_is_retried_then_succeeds() -> None:
    calls = 0

    async def flaky(request: Request) -> Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionResetError("simulated drop")  # uvicorn closes without a response
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/demo/hs/svc/x", flaky)])
    with serve(app) as url:
        async with OneCClient(fast_settings(url=f"{url}/demo")) as client:
            answer = await client.hs("svc").get("x")
    assert answer.json() == {"ok": True}
    assert calls == 2


async def test_socket_closed_mid_request_is_unavailable() -> None:
    listener, port = _dropping_server()
    loop = asyncio.get_running_loop()

    def accept_and_drop() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            conn.recv(65536)
            conn.close()

    dropper = loop.run_in_executor(None, accept_and_drop)
    settings = fast_settings(url=f"http://127.0.0.1:{port}/demo", resilience={"retry_attempts": 2})
    try:
        async with OneCClient(settings) as client:
            with pytest.raises(OneCUnavailable, match="broke"):
                await client.hs("svc").get("x")
    finally:
        await dropper
        listener.close()


async def test_read_timeout_over_a_real_socket_is_a_timeout_and_post_is_not_resent() -> None:
    calls = 0

    async def slow(request: Request) -> Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.6)
        return Response("late")

    app = Starlette(routes=[Route("/demo/hs/svc/x", slow, methods=["GET", "POST"])])
    with serve(app) as url:
        settings = fast_settings(url=f"{url}/demo", read_timeout=0.1)
        async with OneCClient(settings) as client:
            with pytest.raises(OneCTimeout):
                await client.hs("svc").post("x", json={"sum": 1})
            assert calls == 1  # a POST that may have reached 1C is never sent twice
            with pytest.raises(OneCTimeout):
                await client.hs("svc").get("x")
            assert calls == 1 + 3  # an idempotent GET is retried up to retry_attempts


async def test_log_lines_never_carry_credentials(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(503, headers={"Retry-After": "0"})

    settings = fast_settings(url="http://admin:topsecret@1c.test/demo", password="topsecret2")
    with structlog.testing.capture_logs() as logs, caplog.at_level(logging.DEBUG):
        async with OneCClient(settings, transport=httpx2.MockTransport(handler)) as client:
            with pytest.raises(OneCUnavailable):
                await client.send(OneCRequest("GET", "http://admin:topsecret@1c.test/demo/x"))
    text = repr(logs) + caplog.text
    assert logs  # retries were logged
    assert "topsecret" not in text


def test_https_base_verifies_against_the_system_certificates() -> None:
    context = tls_context("https://erp.example/trade")
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0
    assert tls_context("HTTPS://other.example/base") is context  # built once per process


def test_http_base_skips_loading_certificates_but_would_still_refuse_unverified_tls() -> None:
    context = tls_context("http://127.0.0.1:8080/trade")
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
