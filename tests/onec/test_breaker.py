"""Circuit breaker: closed -> open after N failures -> half-open after cool-down -> closed."""

from __future__ import annotations

import httpx2
import pytest
from prometheus_client import REGISTRY

from onec_bridge.onec import (
    OneCCircuitOpen,
    OneCClient,
    OneCNotFound,
    OneCServerError,
    OneCUnavailable,
)
from onec_bridge.onec.breaker import CircuitBreaker
from tests.onec.fake_onec import fast_settings, json_response, odata_error


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def fail(breaker: CircuitBreaker, error: Exception) -> None:
    with pytest.raises(type(error)):
        async with breaker.guard():
            raise error


async def succeed(breaker: CircuitBreaker) -> None:
    async with breaker.guard():
        pass


def gauge(base: str) -> float | None:
    return REGISTRY.get_sample_value("onec_bridge_onec_breaker_state", {"base": base})


async def test_full_cycle_with_gauge() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, cooldown=30, base="cycle", clock=clock)
    server_error = OneCServerError("boom", status=500)
    for _ in range(2):
        await fail(breaker, server_error)
    assert breaker.state == "closed"
    await fail(breaker, server_error)
    assert (breaker.state, gauge("cycle")) == ("open", 1)

    with pytest.raises(OneCCircuitOpen, match=r"next probe in 30\.0 s"):
        await succeed(breaker)  # fails fast, never reaches 1C

    clock.now += 30
    assert breaker.state == "half_open"
    await fail(breaker, server_error)  # the probe fails: open again for a new cool-down
    assert (breaker.state, gauge("cycle")) == ("open", 1)

    clock.now += 30
    await succeed(breaker)
    assert (breaker.state, gauge("cycle")) == ("closed", 0)


async def test_half_open_lets_one_probe_at_a_time() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown=5, clock=clock)
    await fail(breaker, OneCServerError("x", status=503))
    clock.now += 5
    async with breaker.guard():
        assert gauge("") == 2
        with pytest.raises(OneCCircuitOpen):
            await succeed(breaker)
    assert breaker.state == "closed"


async def test_4xx_is_a_healthy_answer_and_resets_the_count() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown=5, clock=Clock())
    await fail(breaker, OneCServerError("x", status=500))
    await fail(breaker, OneCNotFound("gone", status=404))
    await fail(breaker, OneCServerError("x", status=500))
    assert breaker.state == "closed"


async def test_client_fails_fast_once_the_breaker_opens() -> None:
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        return odata_error(500, "-1", "Внутренняя ошибка")

    settings = fast_settings(resilience={"breaker_threshold": 3, "retry_attempts": 5})
    async with OneCClient(settings, transport=httpx2.MockTransport(handler)) as client:
        with pytest.raises(OneCCircuitOpen):
            await client.hs("svc").get("x")
        assert calls == 3  # the 4th attempt was refused by the breaker, not sent
        with pytest.raises(OneCCircuitOpen):
            await client.hs("svc").get("x")
        assert calls == 3
        assert client.breaker.state == "open"


async def test_client_recovers_after_cool_down() -> None:
    answers = [odata_error(503, "-1", "busy")] * 2

    def handler(request: httpx2.Request) -> httpx2.Response:
        return answers.pop(0) if answers else json_response({"ok": 1})

    settings = fast_settings(
        resilience={"breaker_threshold": 2, "breaker_cooldown": 0, "retry_attempts": 1}
    )
    async with OneCClient(settings, transport=httpx2.MockTransport(handler)) as client:
        for _ in range(2):
            with pytest.raises(OneCUnavailable):
                await client.hs("svc").get("x")
        assert client.breaker.state == "half_open"  # cool-down 0: probe allowed at once
        assert (await client.hs("svc").get("x")).json() == {"ok": 1}
        assert client.breaker.state == "closed"
