"""A circuit breaker per 1C base: stop hammering a base that keeps failing.

closed    -> every request goes through; ``threshold`` consecutive failures open it.
open      -> requests fail fast with ``OneCCircuitOpen`` until ``cooldown`` passes.
half_open -> one probe request goes through; success closes, failure re-opens.

Failures are what says "1C is unwell": connect errors, timeouts, dropped
connections, 5xx and unreadable bodies. A 4xx — or a posting handler's refusal
(``OneCBusinessError``) — is a healthy server refusing a request, so it counts as
a success. The state is a prometheus gauge.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Literal

import structlog

from onec_bridge.onec.errors import (
    OneCBusinessError,
    OneCCircuitOpen,
    OneCError,
    OneCProtocolError,
    OneCUnavailable,
)
from onec_bridge.onec.metrics import BREAKER_STATE, BREAKER_STATE_VALUES
from onec_bridge.onec.settings import DEFAULT_BREAKER_COOLDOWN, DEFAULT_BREAKER_THRESHOLD

__all__ = ["BreakerState", "CircuitBreaker", "counts_as_failure"]

BreakerState = Literal["closed", "open", "half_open"]

_log = structlog.get_logger("onec_bridge.onec.breaker")


def counts_as_failure(error: BaseException) -> bool:
    """True if ``error`` says the 1C base itself is unhealthy."""
    if isinstance(error, OneCCircuitOpen | OneCBusinessError):
        return False  # a business refusal is a healthy 1C saying no
    if isinstance(error, OneCUnavailable | OneCProtocolError):
        return True
    return isinstance(error, OneCError) and error.status is not None and error.status >= 500


class CircuitBreaker:
    """Consecutive-failure breaker with a cool-down and a single half-open probe."""

    def __init__(
        self,
        *,
        threshold: int = DEFAULT_BREAKER_THRESHOLD,
        cooldown: float = DEFAULT_BREAKER_COOLDOWN,
        base: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._base = base
        self._clock = clock
        self._state: BreakerState = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False
        BREAKER_STATE.labels(base=base).set(BREAKER_STATE_VALUES["closed"])

    @property
    def state(self) -> BreakerState:
        if self._state == "open" and self._cooldown_over():
            return "half_open"
        return self._state

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Let one request through (or raise ``OneCCircuitOpen``) and record its outcome."""
        probe = self._admit()
        try:
            yield
        except BaseException as error:
            if counts_as_failure(error):
                self._record_failure(error)
            elif isinstance(error, OneCError):
                self._record_success()  # 1C answered: it is alive
            elif probe:
                self._probe_in_flight = False  # cancelled or our own bug: no verdict
            raise
        else:
            self._record_success()

    def _admit(self) -> bool:
        if self._state == "closed":
            return False
        if self._state == "open" and self._cooldown_over():
            self._transition("half_open")
        if self._state == "half_open" and not self._probe_in_flight:
            self._probe_in_flight = True
            return True
        remaining = max(0.0, self._opened_at + self.cooldown - self._clock())
        raise OneCCircuitOpen(
            f"Circuit breaker for {self._base or 'the 1C base'} is {self._state} after "
            f"{self._failures} consecutive failures; next probe in {remaining:.1f} s.",
        )

    def _cooldown_over(self) -> bool:
        return self._clock() - self._opened_at >= self.cooldown

    def _record_success(self) -> None:
        self._failures = 0
        self._probe_in_flight = False
        if self._state != "closed":
            self._transition("closed")

    def _record_failure(self, error: BaseException) -> None:
        self._failures += 1
        self._probe_in_flight = False
        if self._state == "half_open" or (
            self._state == "closed" and self._failures >= self.threshold
        ):
            self._opened_at = self._clock()
            self._transition("open", error=type(error).__name__)

    def _transition(self, new_state: BreakerState, *, error: str | None = None) -> None:
        old_state, self._state = self._state, new_state
        BREAKER_STATE.labels(base=self._base).set(BREAKER_STATE_VALUES[new_state])
        _log.warning(
            "onec.breaker",
            base=self._base,
            old_state=old_state,
            new_state=new_state,
            consecutive_failures=self._failures,
            error=error,
        )
