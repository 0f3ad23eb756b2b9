"""Connection and resilience settings for one 1C base (the contract's ``onec:`` section).

Every knob has a named default; the contract overrides them per base.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_TOTAL_TIMEOUT = 300.0
DEFAULT_MAX_CONNECTIONS = 8
DEFAULT_MAX_CONCURRENCY = 4
DEFAULT_RATE_LIMIT_PER_SECOND = 50.0
DEFAULT_RETRY_ATTEMPTS = 5
DEFAULT_RETRY_MIN_BACKOFF = 0.2
DEFAULT_RETRY_MAX_BACKOFF = 30.0
DEFAULT_RETRY_AFTER_FLOOR = 0.5
DEFAULT_RETRY_AFTER_CAP = 120.0
DEFAULT_BREAKER_THRESHOLD = 5
DEFAULT_BREAKER_COOLDOWN = 30.0
DEFAULT_URL_MAX_LENGTH = 2048
DEFAULT_PAGE_SIZE = 1000

__all__ = ["OneCSettings", "ResilienceSettings"]


class ResilienceSettings(BaseModel):
    """Retries, circuit breaker and flow limits toward one 1C base."""

    model_config = ConfigDict(extra="forbid")

    retry_attempts: int = Field(DEFAULT_RETRY_ATTEMPTS, ge=1, le=50)
    retry_min_backoff: float = Field(DEFAULT_RETRY_MIN_BACKOFF, ge=0)
    retry_max_backoff: float = Field(DEFAULT_RETRY_MAX_BACKOFF, ge=0)
    retry_after_floor: float = Field(DEFAULT_RETRY_AFTER_FLOOR, ge=0)
    retry_after_cap: float = Field(DEFAULT_RETRY_AFTER_CAP, ge=0)
    breaker_threshold: int = Field(DEFAULT_BREAKER_THRESHOLD, ge=1)
    breaker_cooldown: float = Field(DEFAULT_BREAKER_COOLDOWN, ge=0)
    rate_limit_per_second: float = Field(DEFAULT_RATE_LIMIT_PER_SECOND, gt=0)
    max_concurrency: int = Field(DEFAULT_MAX_CONCURRENCY, ge=1, le=64)


class OneCSettings(BaseModel):
    """Where a 1C base is and how to talk to it.

    ``url`` is the publication root, e.g. ``http://host/trade`` — the OData
    root is ``{url}/odata/standard.odata`` and HTTP services live under
    ``{url}/hs``.
    """

    model_config = ConfigDict(extra="forbid")

    url: str
    user: str
    password: SecretStr = SecretStr("")
    timezone: str = "Europe/Moscow"
    connect_timeout: float = Field(DEFAULT_CONNECT_TIMEOUT, gt=0)
    read_timeout: float = Field(DEFAULT_READ_TIMEOUT, gt=0)
    total_timeout: float = Field(DEFAULT_TOTAL_TIMEOUT, gt=0)
    max_connections: int = Field(DEFAULT_MAX_CONNECTIONS, ge=1)
    session_reuse: bool = False
    url_max_length: int = Field(DEFAULT_URL_MAX_LENGTH, ge=256)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=100_000)
    resilience: ResilienceSettings = Field(default_factory=ResilienceSettings)

    @field_validator("url")
    @classmethod
    def _strip_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                f"must start with http:// or https:// (got {value!r}); "
                "give the 1C publication root, e.g. http://host/trade"
            )
        return value

    @property
    def odata_root(self) -> str:
        return f"{self.url}/odata/standard.odata"

    @property
    def hs_root(self) -> str:
        return f"{self.url}/hs"
