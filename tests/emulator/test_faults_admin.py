"""The admin endpoint: break and repair the emulator while it serves; counters."""

from __future__ import annotations

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from onec_bridge.emulator.admin import ADMIN_TOKEN_HEADER, wrap_with_middleware
from onec_bridge.emulator.fault_plan import FaultPlan
from onec_bridge.emulator.sessions import SessionSettings

URL = "/base/odata/standard.odata/Catalog_X"


def make_app() -> Starlette:
    async def endpoint(request: Request) -> Response:
        if request.headers.get("authorization") is None:
            return PlainTextResponse("auth needed", status_code=401)
        return PlainTextResponse("ok")

    routes = [Route(URL, endpoint), Route(URL + "(guid'{key}')", endpoint)]
    return Starlette(routes=routes)


def client_for(app: object) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx2.AsyncClient(
        transport=transport, base_url="http://1c", auth=("Администратор", "demo")
    )


async def test_put_plan_breaks_odata_and_delete_repairs_it() -> None:
    stack = wrap_with_middleware(make_app())
    async with client_for(stack) as client:
        assert (await client.get(URL)).status_code == 200
        put = await client.put("/__emulator__/faults", content="error_rate=1,seed=3")
        assert put.status_code == 200
        assert put.json()["plan"]["seed"] == 3
        assert (await client.get(URL)).status_code == 500
        view = await client.get("/__emulator__/faults")
        assert view.json()["injected"] == {"error": 1}
        assert (await client.delete("/__emulator__/faults")).status_code == 200
        assert (await client.get(URL)).status_code == 200


async def test_put_accepts_json_and_rejects_bad_plans_with_the_reason() -> None:
    stack = wrap_with_middleware(make_app())
    async with client_for(stack) as client:
        as_json = await client.put(
            "/base/__emulator__/faults", content=b'{"rules": [{"throttle_rate": 1}]}'
        )
        bad = await client.put("/__emulator__/faults", content="latency=fast")
    assert as_json.status_code == 200
    assert stack.faults is not None
    assert stack.faults.plan == FaultPlan.parse("throttle_rate=1")
    assert bad.status_code == 400
    assert "latency" in bad.json()["error"]
    assert stack.faults.plan == FaultPlan.parse("throttle_rate=1")  # a bad PUT changes nothing


async def test_admin_is_never_faulted_nor_counted_nor_licensed() -> None:
    stack = wrap_with_middleware(
        make_app(),
        faults=FaultPlan.parse("error_rate=1"),
        sessions=SessionSettings(licence_limit=1, misconfigured_web_server=True),
    )
    async with client_for(stack) as client:
        stats = await client.get("/__emulator__/stats")
    assert stats.status_code == 200
    assert stats.json()["total"] == 0
    assert stats.json()["sessions"]["one_off"] == 0


async def test_stats_count_by_path_with_keys_collapsed_and_status() -> None:
    stack = wrap_with_middleware(make_app())
    async with client_for(stack) as client:
        await client.get(URL + "(guid'3f2504e0-4f89-11d3-9a0c-0305e82c3301')")
        await client.get(URL + "(guid'00000000-0000-0000-0000-000000000000')")
        await client.get(URL, auth=None)
        stats = (await client.get("/__emulator__/stats")).json()
        await client.delete("/__emulator__/stats")
        after_reset = (await client.get("/__emulator__/stats")).json()
    assert stats["requests"] == {URL: {"401": 1}, URL + "()": {"200": 2}}
    assert stats["sessions"]["one_off"] == 3
    assert after_reset["total"] == 0


async def test_sessions_can_be_listed_and_terminated() -> None:
    stack = wrap_with_middleware(make_app())
    async with client_for(stack) as client:
        await client.get(URL, headers={"IBSession": "start"})
        assert (await client.get("/__emulator__/sessions")).json()["live"] == 1
        terminated = await client.delete("/__emulator__/sessions")
    assert terminated.json()["live"] == 0


async def test_token_protects_admin_and_errors_are_plain_json() -> None:
    stack = wrap_with_middleware(make_app(), admin_token="s3cret-token")
    async with client_for(stack) as client:
        refused = await client.get("/__emulator__/faults")
        allowed = await client.get(
            "/__emulator__/faults", headers={ADMIN_TOKEN_HEADER: "s3cret-token"}
        )
        unknown = await client.get(
            "/__emulator__/nope", headers={ADMIN_TOKEN_HEADER: "s3cret-token"}
        )
        wrong_method = await client.post(
            "/__emulator__/stats", headers={ADMIN_TOKEN_HEADER: "s3cret-token"}
        )
    assert refused.status_code == 403
    assert "s3cret" not in refused.text
    assert allowed.status_code == 200
    assert unknown.status_code == 404
    assert "/__emulator__/faults" in unknown.json()["error"]
    assert wrong_method.status_code == 405
    assert "s3cret" not in repr(stack)
