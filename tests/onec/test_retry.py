"""Retry rules: what is retried, what never is, and Retry-After within [floor, cap]."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
import stamina

from onec_bridge.onec import (
    OneCClient,
    OneCNotFound,
    OneCServerError,
    OneCTimeout,
    OneCUnavailable,
    OneCValidationError,
)
from onec_bridge.onec.errors import OneCCircuitOpen, OneCError
from onec_bridge.onec.retry import RetryPolicy, parse_retry_after
from tests.onec.fake_onec import fast_settings, json_response, odata_error


def test_retry_after_in_seconds_and_as_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = (now + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after(later, now=now) == 90.0
    assert parse_retry_after("Mon, 01 Jan 2024 00:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


def _error(cls: type[OneCError], status: int | None = None, sent: bool = True) -> OneCError:
    error = cls("x", status=status)
    error.request_sent = sent
    return error


@pytest.mark.parametrize(
    ("error", "idempotent", "retried"),
    [
        (_error(OneCUnavailable, sent=False), False, True),  # connect error: POST too
        (_error(OneCTimeout), True, True),
        (_error(OneCTimeout), False, False),  # POST read timeout: maybe created already
        (_error(OneCUnavailable), False, False),  # dropped mid-POST
        (_error(OneCUnavailable, 429), False, True),
        (_error(OneCUnavailable, 503), False, True),
        (_error(OneCServerError, 500), True, True),
        (_error(OneCServerError, 500), False, False),
        (_error(OneCUnavailable, 502), True, True),
        (_error(OneCServerError, 501), True, False),
        (_error(OneCValidationError, 400), True, False),
        (_error(OneCNotFound, 404), True, False),
        (_error(OneCCircuitOpen), True, False),
    ],
)
def test_what_is_retried(error: OneCError, idempotent: bool, retried: bool) -> None:
    assert (RetryPolicy().reason_to_retry(error, idempotent=idempotent) is not None) is retried


def test_retry_after_is_clamped_between_floor_and_cap() -> None:
    policy = RetryPolicy(retry_after_floor=0.5, retry_after_cap=120)
    waits = []
    for seconds in (0.0, 3.0, 86_400.0):
        error = _error(OneCUnavailable, 429)
        error.retry_after = seconds
        waits.append(policy.wait_for(error))
    assert waits == [0.5, 3.0, 120]
    assert policy.wait_for(_error(OneCUnavailable, 429)) is None  # exponential backoff then


class Script:
    """Answers each request with the next response of a script, then 200."""

    def __init__(self, *responses: httpx2.Response) -> None:
        self.responses = list(responses)
        self.calls = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.calls += 1
        if self.responses:
            return self.responses.pop(0)
        return json_response({"ok": True})


def client_for(script: Script, **resilience: Any) -> OneCClient:
    return OneCClient(fast_settings(resilience=resilience), transport=httpx2.MockTransport(script))


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
async def test_transient_statuses_are_retried_then_succeed(status: int) -> None:
    script = Script(httpx2.Response(status), httpx2.Response(status))
    async with client_for(script) as client:
        answer = await client.hs("svc").get("x")
    assert answer.json() == {"ok": True}
    assert script.calls == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412])
async def test_other_4xx_are_never_retried(status: int) -> None:
    script = Script(odata_error(status, "14", "bad"))
    async with client_for(script) as client:
        with pytest.raises(OneCError):
            await client.hs("svc").get("x")
    assert script.calls == 1


async def test_post_is_not_resent_after_a_500() -> None:
    script = Script(odata_error(500, "-1", "Ошибка проведения"))
    async with client_for(script) as client:
        with pytest.raises(OneCServerError, match="Ошибка проведения"):
            await client.hs("svc").post("x", json={})
    assert script.calls == 1


async def test_attempts_are_bounded() -> None:
    script = Script(*[httpx2.Response(503) for _ in range(10)])
    async with client_for(script, retry_attempts=4) as client:
        with pytest.raises(OneCUnavailable):
            await client.hs("svc").get("x")
    assert script.calls == 4


async def test_stamina_waits_what_retry_after_says_within_bounds() -> None:
    waits: list[float] = []

    def record(details: stamina.instrumentation.RetryDetails) -> None:
        waits.append(details.wait_for)

    script = Script(
        httpx2.Response(429, headers={"Retry-After": "0"}),  # must not storm: floor
        httpx2.Response(503, headers={"Retry-After": "3600"}),  # must not stall: cap
        httpx2.Response(503, headers={"Retry-After": "0.02"}),  # within bounds: as asked
    )
    old_hooks = stamina.instrumentation.get_on_retry_hooks()
    stamina.instrumentation.set_on_retry_hooks([record])
    try:
        async with client_for(
            script, retry_attempts=5, retry_after_floor=0.01, retry_after_cap=0.03
        ) as client:
            await client.hs("svc").get("x")
    finally:
        stamina.instrumentation.set_on_retry_hooks(old_hooks)
    assert waits == pytest.approx([0.01, 0.03, 0.02])


async def test_stamina_testing_mode_is_respected() -> None:
    script = Script(*[httpx2.Response(503) for _ in range(10)])
    with stamina.set_testing(True, attempts=2):
        async with client_for(script, retry_attempts=5, retry_min_backoff=10) as client:
            with pytest.raises(OneCUnavailable):
                await client.hs("svc").get("x")
    assert script.calls == 2
