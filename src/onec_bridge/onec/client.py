"""``OneCClient``: one 1C base, every request through retry -> breaker -> limits -> transport.

>>> async with OneCClient(settings) as client:              # doctest: +SKIP
...     async for page in client.odata.iter_pages("Catalog_Номенклатура", keyset="Code"):
...         ...
...     await client.hs("loyalty").get("products")
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

import httpx2

from onec_bridge.onec.breaker import CircuitBreaker
from onec_bridge.onec.hs import HttpService
from onec_bridge.onec.limits import FlowLimits
from onec_bridge.onec.metadata import MetadataCache
from onec_bridge.onec.odata import OData
from onec_bridge.onec.retry import Retrier, RetryPolicy
from onec_bridge.onec.settings import OneCSettings
from onec_bridge.onec.transport import OneCRequest, OneCTransport

__all__ = ["OneCClient"]

T = TypeVar("T")


def _keep_response(response: httpx2.Response) -> httpx2.Response:
    return response


class OneCClient:
    """An async client for one 1C base: OData (``.odata``) and HTTP services (``.hs(root)``).

    ``transport`` swaps the network for an in-process one (``httpx2.ASGITransport``
    over the emulator, ``httpx2.MockTransport``) without touching any layer above.
    """

    def __init__(
        self,
        settings: OneCSettings,
        *,
        correlation_id: str | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
        metadata_cache: MetadataCache | None = None,
    ) -> None:
        self.settings = settings
        self.transport = OneCTransport(settings, correlation_id=correlation_id, transport=transport)
        base = self.transport.base
        resilience = settings.resilience
        self.retrier = Retrier(RetryPolicy.from_settings(resilience), base=base)
        self.breaker = CircuitBreaker(
            threshold=resilience.breaker_threshold, cooldown=resilience.breaker_cooldown, base=base
        )
        self.limits = FlowLimits(
            rate_per_second=resilience.rate_limit_per_second,
            max_concurrency=resilience.max_concurrency,
            base=base,
        )
        self.odata = OData(self, settings, metadata_cache=metadata_cache)

    @property
    def correlation_id(self) -> str:
        return self.transport.correlation_id

    def __repr__(self) -> str:
        return f"OneCClient(base={self.transport.base!r}, user={self.settings.user!r})"

    def hs(self, root: str) -> HttpService:
        """The HTTP service published under ``{url}/hs/{root}``."""
        return HttpService(self, self.settings, root)

    async def execute(self, request: OneCRequest, parse: Callable[[httpx2.Response], T]) -> T:
        """Send ``request`` through every layer; ``parse`` runs inside the retry loop so a
        truncated body of an idempotent request is fetched again."""

        async def attempt() -> T:
            async with self.breaker.guard():
                async with self.limits:
                    response = await self.transport.send(request)
                return parse(response)

        return await self.retrier.run(
            attempt, idempotent=request.is_idempotent, what=request.describe()
        )

    async def send(self, request: OneCRequest) -> httpx2.Response:
        """Like :meth:`execute` but hands back the raw successful response."""
        return await self.execute(request, _keep_response)

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> OneCClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
