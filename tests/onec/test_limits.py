"""Flow limits: the concurrency cap is never exceeded; the rate limit holds requests back."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from onec_bridge.onec import OneCClient
from onec_bridge.onec.limits import FlowLimits
from tests.onec.fake_onec import fast_settings, json_response


async def test_concurrency_cap_is_never_exceeded_under_a_burst() -> None:
    in_flight = peak = 0

    async def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return json_response({"ok": True})

    settings = fast_settings(resilience={"max_concurrency": 3})
    async with OneCClient(settings, transport=httpx2.MockTransport(handler)) as client:
        await asyncio.gather(*(client.hs("svc").get("x") for _ in range(30)))
        assert client.limits.peak_in_flight == 3
    assert peak == 3


async def test_rate_limit_allows_a_burst_then_makes_requests_wait() -> None:
    limits = FlowLimits(rate_per_second=2, max_concurrency=10)
    for _ in range(2):
        async with limits:
            pass
    assert not limits.has_rate_capacity()  # a third request now would have to wait
    third = asyncio.ensure_future(limits.__aenter__())
    await asyncio.sleep(0)
    assert not third.done()
    await third  # and it does get through once the bucket leaks
    await limits.__aexit__(None, None, None)


def test_bad_limits_are_refused_with_a_fix() -> None:
    with pytest.raises(ValueError, match="resilience settings"):
        FlowLimits(rate_per_second=0, max_concurrency=1)
