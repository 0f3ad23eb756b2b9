"""Prometheus metrics of the 1C client, labelled by base (its URL without credentials)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "BREAKER_STATE",
    "BREAKER_STATE_VALUES",
    "IN_FLIGHT",
    "REQUESTS",
    "REQUEST_SECONDS",
    "RETRIES",
]

BREAKER_STATE_VALUES = {"closed": 0, "open": 1, "half_open": 2}

REQUESTS = Counter(
    "onec_bridge_onec_requests_total",
    "HTTP requests sent to 1C, by outcome (status code or error type).",
    ["base", "method", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "onec_bridge_onec_request_seconds",
    "Wall time of one HTTP request to 1C (one attempt).",
    ["base", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
RETRIES = Counter(
    "onec_bridge_onec_retries_total",
    "Requests to 1C retried, by reason.",
    ["base", "reason"],
)
BREAKER_STATE = Gauge(
    "onec_bridge_onec_breaker_state",
    "Circuit breaker state per 1C base: 0 closed, 1 open, 2 half-open.",
    ["base"],
)
IN_FLIGHT = Gauge(
    "onec_bridge_onec_in_flight",
    "Requests to 1C currently in flight.",
    ["base"],
)
