"""Retries with exponential backoff and jitter (stamina), honouring ``Retry-After``.

What is retried:
- connect failures (the request never reached 1C) — always, even a POST;
- 429 and 503 (1C or its web server refused before doing any work) — always;
- timeouts, dropped connections, other 5xx (except 501) and truncated bodies —
  only for idempotent requests: a POST that timed out may already have created
  a document, so it is not sent twice;
- nothing else: other 4xx are the caller's to fix, a 501 will not change, a
  posting handler's refusal (``OneCBusinessError``) will not either, and an open
  circuit breaker fails fast on purpose.

A ``Retry-After`` (seconds or an HTTP date) replaces the computed backoff,
clamped to ``[retry_after_floor, retry_after_cap]`` so ``Retry-After: 0``
cannot cause a retry storm and a huge value cannot stall a sync for hours.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import stamina
import structlog

from onec_bridge.onec.errors import (
    OneCBusinessError,
    OneCCircuitOpen,
    OneCError,
    OneCProtocolError,
    OneCTimeout,
    OneCUnavailable,
)
from onec_bridge.onec.metrics import RETRIES
from onec_bridge.onec.settings import (
    DEFAULT_RETRY_AFTER_CAP,
    DEFAULT_RETRY_AFTER_FLOOR,
    DEFAULT_RETRY_ATTEMPTS,
    DEFAULT_RETRY_MAX_BACKOFF,
    DEFAULT_RETRY_MIN_BACKOFF,
    ResilienceSettings,
)

__all__ = [
    "ALWAYS_RETRYABLE_STATUSES",
    "IDEMPOTENT_RETRYABLE_STATUSES",
    "Retrier",
    "RetryPolicy",
    "parse_retry_after",
]

T = TypeVar("T")

ALWAYS_RETRYABLE_STATUSES = frozenset({429, 503})
IDEMPOTENT_RETRYABLE_STATUSES = frozenset({500, 502, 504, 507, 508})

_log = structlog.get_logger("onec_bridge.onec.retry")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent
    or unreadable. A date in the past gives 0."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until_http_date(text, now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def _seconds_until_http_date(text: str, now: datetime | None) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before trying a request to 1C again."""

    attempts: int = DEFAULT_RETRY_ATTEMPTS
    min_backoff: float = DEFAULT_RETRY_MIN_BACKOFF
    max_backoff: float = DEFAULT_RETRY_MAX_BACKOFF
    retry_after_floor: float = DEFAULT_RETRY_AFTER_FLOOR
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP

    @classmethod
    def from_settings(cls, settings: ResilienceSettings) -> RetryPolicy:
        return cls(
            attempts=settings.retry_attempts,
            min_backoff=settings.retry_min_backoff,
            max_backoff=settings.retry_max_backoff,
            retry_after_floor=settings.retry_after_floor,
            retry_after_cap=max(settings.retry_after_floor, settings.retry_after_cap),
        )

    def reason_to_retry(self, error: BaseException, *, idempotent: bool) -> str | None:
        """A short reason if ``error`` is worth another attempt, else None."""
        if not isinstance(error, OneCError) or isinstance(error, OneCCircuitOpen):
            return None
        if isinstance(error, OneCBusinessError):
            return None  # 1C's application code said no; it will say it again
        if error.status is not None:
            if error.status in ALWAYS_RETRYABLE_STATUSES:
                return f"http_{error.status}"
            if error.status in IDEMPOTENT_RETRYABLE_STATUSES and idempotent:
                return f"http_{error.status}"
            return None
        if isinstance(error, OneCUnavailable):
            if not error.request_sent:
                return "connect"
            if not idempotent:
                return None
            return "timeout" if isinstance(error, OneCTimeout) else "connection_lost"
        if isinstance(error, OneCProtocolError) and idempotent:
            return "protocol"  # a truncated or corrupt body, not an HTML page (that has a status)
        return None

    def wait_for(self, error: OneCError) -> float | None:
        """Seconds to wait as the server asked (clamped), or None to use exponential backoff."""
        if error.retry_after is None:
            return None
        return min(self.retry_after_cap, max(self.retry_after_floor, error.retry_after))


class Retrier:
    """Runs one attempt function again and again under a :class:`RetryPolicy`."""

    def __init__(self, policy: RetryPolicy, *, base: str = "") -> None:
        self.policy = policy
        self._base = base

    async def run(
        self,
        attempt: Callable[[], Awaitable[T]],
        *,
        idempotent: bool,
        what: str = "",
    ) -> T:
        """``await attempt()`` until it succeeds, fails for good, or attempts run out."""
        decide = self._decider(idempotent=idempotent, what=what)
        async for try_ in stamina.retry_context(
            on=decide,
            attempts=self.policy.attempts,
            timeout=None,
            wait_initial=self.policy.min_backoff,
            wait_max=self.policy.max_backoff,
            wait_jitter=self.policy.min_backoff,
        ):
            with try_:
                return await attempt()
        raise AssertionError("unreachable: stamina re-raises the last error")

    def _decider(self, *, idempotent: bool, what: str) -> Callable[[Exception], bool | float]:
        failures = 0

        def decide(error: Exception) -> bool | float:
            nonlocal failures
            failures += 1
            reason = self.policy.reason_to_retry(error, idempotent=idempotent)
            if reason is None or failures >= self.policy.attempts:
                return False
            assert isinstance(error, OneCError)
            wait = self.policy.wait_for(error)
            RETRIES.labels(base=self._base, reason=reason).inc()
            _log.warning(
                "onec.retry",
                base=self._base,
                request=what,
                reason=reason,
                attempt=failures,
                max_attempts=self.policy.attempts,
                retry_after=wait,
                status=error.status,
            )
            return True if wait is None else wait

        return decide
