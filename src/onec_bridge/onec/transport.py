"""The cut-off toward 1C: one request in, one successful response out, or a ``OneCError``.

``OneCTransport`` owns the single ``httpx2.AsyncClient`` of a base (pool
limits, timeouts), adds the headers every request carries (UTF-8 Basic auth,
``X-Correlation-ID``, ``User-Agent``, optional ``IBSession``), and turns every
failure into the error hierarchy: connect errors -> ``OneCUnavailable``,
timeouts -> ``OneCTimeout``, any non-2xx -> ``error_from_response``. It never
retries; the resilience layers above it do.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import httpx2
import msgspec

from onec_bridge import __version__
from onec_bridge.onec.auth import Credentials, redact_url
from onec_bridge.onec.error_mapping import error_from_response
from onec_bridge.onec.errors import OneCError, OneCTimeout, OneCUnavailable
from onec_bridge.onec.metrics import REQUEST_SECONDS, REQUESTS
from onec_bridge.onec.retry import parse_retry_after
from onec_bridge.onec.settings import OneCSettings

__all__ = [
    "IDEMPOTENT_METHODS",
    "USER_AGENT",
    "OneCRequest",
    "OneCTransport",
    "RequestRunner",
    "decode_json",
    "encode_json",
    "tls_context",
]

T = TypeVar("T")

USER_AGENT = f"onec-bridge/{__version__}"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
SESSION_COOKIE = "ibsession"

_DECODER = msgspec.json.Decoder(float_hook=Decimal)
_ENCODER = msgspec.json.Encoder(decimal_format="number")
_GC_PAUSE_BYTES = 64 * 1024


def decode_json(body: bytes) -> Any:
    """JSON with every fractional number as an exact ``Decimal`` (never float).

    A page of rows is thousands of fresh dicts, none of them garbage yet: the cyclic
    collector is held off while they are made (it would walk them again and again).

    Raises ``msgspec.DecodeError`` on a malformed or truncated body."""
    if len(body) < _GC_PAUSE_BYTES or not gc.isenabled():
        return _DECODER.decode(body)
    gc.disable()
    try:
        return _DECODER.decode(body)
    finally:
        gc.enable()


def encode_json(value: Any) -> bytes:
    """JSON with ``Decimal`` written as a JSON number, as 1C expects for Edm.Double."""
    return _ENCODER.encode(value)


@dataclass(frozen=True, slots=True)
class OneCRequest:
    """One HTTP request to 1C. ``url`` is absolute with an already-encoded query."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None
    idempotent: bool | None = None

    @property
    def is_idempotent(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in IDEMPOTENT_METHODS

    def describe(self) -> str:
        return f"{self.method} {redact_url(self.url)}"


class OneCTransport:
    """Sends requests to one 1C base over one pooled ``httpx2.AsyncClient``."""

    def __init__(
        self,
        settings: OneCSettings,
        *,
        correlation_id: str | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.base = redact_url(settings.url)
        self.correlation_id = correlation_id or uuid.uuid4().hex
        self._credentials = Credentials(settings.user, settings.password)
        self._http = httpx2.AsyncClient(
            transport=transport,
            limits=httpx2.Limits(
                max_connections=settings.max_connections,
                max_keepalive_connections=settings.max_connections,
            ),
            timeout=httpx2.Timeout(
                settings.read_timeout,
                connect=settings.connect_timeout,
                pool=settings.total_timeout,
            ),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
            trust_env=False,
            verify=tls_context(settings.url) if transport is None else True,
        )
        self._session_lock = asyncio.Lock()
        self._session_state: str = "none" if settings.session_reuse else "off"

    def __repr__(self) -> str:
        return f"OneCTransport(base={self.base!r}, user={self.settings.user!r})"

    async def send(self, request: OneCRequest) -> httpx2.Response:
        """Send ``request`` once; return the 2xx response (body read) or raise ``OneCError``."""
        if self._session_state == "none":
            async with self._session_lock:
                if self._session_state == "none":
                    response = await self._send_once(request, {"IBSession": "start"})
                    has_cookie = SESSION_COOKIE in self._http.cookies
                    self._session_state = "active" if has_cookie else "unsupported"
                    return response
        return await self._send_once(request, {})

    async def aclose(self) -> None:
        """Finish the 1C session (if one was started) and close the connection pool."""
        try:
            if self._session_state == "active":
                finish = OneCRequest("GET", f"{self.settings.odata_root}/")
                with contextlib.suppress(OneCError):  # 1C drops idle sessions on its own
                    await self._send_once(finish, {"IBSession": "finish"})
                self._session_state = "none"
        finally:
            await self._http.aclose()

    async def _send_once(
        self, request: OneCRequest, extra_headers: Mapping[str, str]
    ) -> httpx2.Response:
        headers = {
            "Authorization": self._credentials.authorization(),
            "X-Correlation-ID": self.correlation_id,
            **extra_headers,
            **request.headers,
        }
        # Userinfo in a URL would reach httpx2's own logs and latin-1 auth: drop it.
        http_request = self._http.build_request(
            request.method, redact_url(request.url), headers=headers, content=request.content
        )
        started = time.perf_counter()
        outcome = "error"
        try:
            async with asyncio.timeout(self.settings.total_timeout):
                response = await self._http.send(http_request)
            outcome = str(response.status_code)
        except (httpx2.TransportError, TimeoutError) as error:
            outcome = type(error).__name__
            raise self._map_transport_error(error, request) from None
        finally:
            REQUESTS.labels(base=self.base, method=request.method, outcome=outcome).inc()
            REQUEST_SECONDS.labels(base=self.base, method=request.method).observe(
                time.perf_counter() - started
            )
        if 200 <= response.status_code < 300:
            return response
        raise self._map_status_error(response, request)

    def _map_status_error(self, response: httpx2.Response, request: OneCRequest) -> OneCError:
        error = error_from_response(
            response.status_code, response.headers, response.content, redact_url(request.url)
        )
        error.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return error

    def _map_transport_error(self, error: BaseException, request: OneCRequest) -> OneCError:
        where = redact_url(request.url)
        detail = str(error) or type(error).__name__
        mapped: OneCError
        if isinstance(error, httpx2.ConnectTimeout | httpx2.PoolTimeout):
            mapped = OneCTimeout(f"Could not connect to 1C in time: {detail}", url=where)
            mapped.request_sent = False
        elif isinstance(error, httpx2.TimeoutException | TimeoutError):
            mapped = OneCTimeout(f"1C did not answer {request.method} in time: {detail}", url=where)
        elif isinstance(error, httpx2.ConnectError):
            mapped = OneCUnavailable(f"Could not connect to 1C: {detail}", url=where)
            mapped.request_sent = False
        else:
            mapped = OneCUnavailable(
                f"The connection to 1C broke during {request.method}: {detail}", url=where
            )
        return mapped


def tls_context(url: str) -> ssl.SSLContext:
    """The TLS context of a base at ``url``, built once per process.

    An ``https`` base gets the default verifying context (system CA certificates,
    hostname check). Loading those certificates costs tens of milliseconds, so a plain
    ``http`` base, which never does a TLS handshake, gets a context without any: it
    still requires a certificate and checks the host name, so a request that did reach
    an ``https`` URL would fail verification rather than go unchecked."""
    if url.lower().startswith("http://"):
        return _context_without_trust_anchors()
    return _verifying_context()


@functools.cache
def _verifying_context() -> ssl.SSLContext:
    return httpx2.create_ssl_context(verify=True, trust_env=False)


@functools.cache
def _context_without_trust_anchors() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname on


class RequestRunner(Protocol):
    """What the OData and HTTP-service facades need: run one request through all layers."""

    async def execute(self, request: OneCRequest, parse: Callable[[httpx2.Response], T]) -> T: ...
