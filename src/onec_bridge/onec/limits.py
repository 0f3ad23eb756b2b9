"""Flow limits per 1C base: a rate limit (aiolimiter) and a concurrency cap (semaphore).

1C runs each request in a licensed session on a small worker pool; these two
limits keep onec-bridge from flooding it however many pages a caller asks for.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from aiolimiter import AsyncLimiter

from onec_bridge.onec.metrics import IN_FLIGHT
from onec_bridge.onec.settings import DEFAULT_MAX_CONCURRENCY, DEFAULT_RATE_LIMIT_PER_SECOND

__all__ = ["FlowLimits"]


class FlowLimits:
    """``async with limits:`` waits for a rate token and a free slot, then holds the slot."""

    def __init__(
        self,
        *,
        rate_per_second: float = DEFAULT_RATE_LIMIT_PER_SECOND,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        base: str = "",
    ) -> None:
        if rate_per_second <= 0 or max_concurrency < 1:
            raise ValueError(
                f"rate_per_second must be > 0 and max_concurrency >= 1 "
                f"(got {rate_per_second}, {max_concurrency}); fix resilience settings"
            )
        self.rate_per_second = rate_per_second
        self.max_concurrency = max_concurrency
        # A burst of at most one second's worth of requests, then a steady rate.
        burst = max(1.0, rate_per_second)
        self._rate = AsyncLimiter(burst, time_period=burst / rate_per_second)
        self._slots = asyncio.Semaphore(max_concurrency)
        self._gauge = IN_FLIGHT.labels(base=base)
        self.in_flight = 0
        self.peak_in_flight = 0

    def has_rate_capacity(self) -> bool:
        """True if a request could start now without waiting for the rate limit."""
        return bool(self._rate.has_capacity())

    async def __aenter__(self) -> None:
        await self._rate.acquire()
        await self._slots.acquire()
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        self._gauge.inc()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.in_flight -= 1
        self._gauge.dec()
        self._slots.release()
