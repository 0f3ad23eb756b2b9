"""HTTP services: URL shape, params encoding, JSON with Decimal, 404/405 mapping."""

from __future__ import annotations

from decimal import Decimal

import httpx2
import pytest

from onec_bridge.onec import OneCClient, OneCNotFound, OneCNotSupported
from tests.onec.fake_onec import fast_settings, json_response, odata_error


async def test_get_and_post_reach_the_template_with_params_and_exact_json() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return json_response({"balance": Decimal("1234567890123.45")})

    async with OneCClient(fast_settings(), transport=httpx2.MockTransport(handler)) as client:
        loyalty = client.hs("loyalty")
        got = await loyalty.get("cards/A 1", params={"q": "мёд & +1", "active": True})
        await loyalty.post("transactions", json={"amount": Decimal("9.90")})
    assert seen[0].url.raw_path.decode() == (
        "/demo/hs/loyalty/cards/A%201?q=%D0%BC%D1%91%D0%B4%20%26%20%2B1&active=true"
    )
    assert got.json() == {"balance": Decimal("1234567890123.45")}
    assert seen[1].content == b'{"amount":9.90}'
    assert seen[1].headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("status", "error"), [(404, OneCNotFound), (405, OneCNotSupported)])
async def test_router_errors_are_mapped(status: int, error: type[Exception]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, text="no such template")

    async with OneCClient(fast_settings(), transport=httpx2.MockTransport(handler)) as client:
        with pytest.raises(error, match="no such template"):
            await client.hs("loyalty").delete("x")


async def test_json_and_content_together_is_refused() -> None:
    client = OneCClient(
        fast_settings(), transport=httpx2.MockTransport(lambda r: odata_error(500, "-1", "x"))
    )
    with pytest.raises(ValueError, match="either json= or content="):
        await client.hs("svc").post("x", json={}, content=b"{}")
    await client.aclose()
