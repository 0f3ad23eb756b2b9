"""Fault injection around any ASGI app: latency, 5xx, 429, hangs, drops, damaged bodies.

``FaultMiddleware(app, plan)`` applies a ``FaultPlan`` (see ``fault_plan``) to
every HTTP request; ``set_plan`` swaps it while the server runs (the admin
endpoint does that) and starts a new run: the per-URL draw counters and the
injected-fault counters restart, so the same plan and seed replay the same faults.

Every fault imitates what a client meets in front of a real 1C:

* ``error``: 500 with 1C's ``-1`` body (JSON or XML as negotiated);
* ``gateway_error``: 502 or 503 HTML from the web server, not from 1C;
* ``throttle``: 429 with ``Retry-After`` in seconds (a proxy's rate limit);
* ``timeout``: no answer; the request hangs until the client gives up, or 504
  HTML after ``hang_s`` as a proxy would send;
* ``drop``: the status line, the full Content-Length and part of the body, then
  the connection closes (over a socket the client sees a protocol/read error);
* ``truncate``: a valid status and a body cut short (Content-Length matches the cut);
* ``control_char``: ``\\x02`` inside one string value of a JSON or atom body;
* ``metadata_size`` pads ``$metadata`` with realistic EntityTypes up to that size,
  and ``bandwidth`` streams any body at that many bytes per second.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from onec_bridge.emulator.fault_plan import FaultDecision, FaultKind, FaultPlan, decide
from onec_bridge.emulator.raw_responses import (
    HTML_CONTENT_TYPE,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    onec_error_response,
    send_response,
    web_server_page,
)

__all__ = ["CONTROL_CHAR", "INTERNAL_ERROR_MESSAGE", "FaultMiddleware"]

CONTROL_CHAR = b"\x02"
INTERNAL_ERROR_MESSAGE = (
    "Произошла внутренняя ошибка OData сервиса. "
    "Дополнительные сведения можно найти в технологическом журнале."
)
_STREAM_CHUNK = 64 * 1024
_JSON_STRING_VALUE = re.compile(rb'":\s*"')
_XML_TEXT_ELEMENT = re.compile(rb"<d:[^\s>/]+>(?=[^<])")
_BUFFERING_KINDS = {FaultKind.DROP, FaultKind.TRUNCATE, FaultKind.CONTROL_CHAR}


@dataclass
class _BufferedResponse:
    status: int = 200
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)


class FaultMiddleware:
    """Apply a fault plan to every HTTP request of ``app``; non-HTTP scopes pass through."""

    def __init__(self, app: ASGIApp, plan: FaultPlan | None = None) -> None:
        self.app = app
        self._plan = plan or FaultPlan()
        self._occurrences: Counter[tuple[str, str]] = Counter()
        self.injected: Counter[str] = Counter()

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def set_plan(self, plan: FaultPlan) -> None:
        """Switch to ``plan`` and start a new run (draws and counters restart)."""
        self._plan = plan
        self._occurrences.clear()
        self.injected.clear()

    def clear(self) -> None:
        self.set_plan(FaultPlan())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._plan.is_empty():
            await self.app(scope, receive, send)
            return
        decision = self._decide(scope)
        if decision.delay_s:
            self.injected["latency"] += 1
            await asyncio.sleep(decision.delay_s)
        if decision.kind is not None:
            self.injected[decision.kind.value] += 1
        await self._answer(decision, scope, receive, send)

    def _decide(self, scope: Scope) -> FaultDecision:
        path: str = scope.get("path", "")
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        url = f"{path}?{query}" if query else path
        method: str = scope.get("method", "GET")
        occurrence = self._occurrences[(method, url)]
        self._occurrences[(method, url)] += 1
        return decide(self._plan, method, url, path, occurrence)

    async def _answer(
        self, decision: FaultDecision, scope: Scope, receive: Receive, send: Send
    ) -> None:
        kind = decision.kind
        if kind is FaultKind.TIMEOUT:
            await _hang(receive, send, decision.rule.hang_s)
        elif kind is FaultKind.ERROR:
            content_type, body = onec_error_response(scope, "-1", INTERNAL_ERROR_MESSAGE)
            await send_response(send, 500, body, content_type, [("DataServiceVersion", "3.0")])
        elif kind is FaultKind.GATEWAY_ERROR:
            await _send_gateway_error(send, decision)
        elif kind is FaultKind.THROTTLE:
            await _send_throttled(send, decision.rule.retry_after_s)
        elif kind in _BUFFERING_KINDS or _needs_buffer(decision, scope):
            response = await _run_buffered(self.app, scope, receive)
            await _send_damaged(send, response, decision, scope)
        else:
            await self.app(scope, receive, send)


def _needs_buffer(decision: FaultDecision, scope: Scope) -> bool:
    rule = decision.rule
    return bool(rule.bandwidth_bytes_per_s) or (
        bool(rule.metadata_size_bytes) and _is_metadata(scope)
    )


def _is_metadata(scope: Scope) -> bool:
    return str(scope.get("path", "")).rstrip("/").endswith("/$metadata")


async def _hang(receive: Receive, send: Send, hang_s: float) -> None:
    """Answer nothing until the client disconnects; after ``hang_s``, a proxy's 504."""
    try:
        async with asyncio.timeout(hang_s):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        body = web_server_page(504, "Gateway Timeout", "The 1C server did not answer in time.")
        await send_response(send, 504, body, HTML_CONTENT_TYPE)


async def _send_gateway_error(send: Send, decision: FaultDecision) -> None:
    if decision.rng.random() < 0.5:
        status, title = 502, "Web server received an invalid response"
        detail = "The 1C server process (rphost) returned an invalid response."
    else:
        status, title = 503, "Service Unavailable"
        detail = "The 1C web server extension is not available."
    await send_response(send, status, web_server_page(status, title, detail), HTML_CONTENT_TYPE)


async def _send_throttled(send: Send, retry_after_s: int) -> None:
    body = web_server_page(429, "Too Many Requests", "Request rate limit exceeded.")
    await send_response(send, 429, body, HTML_CONTENT_TYPE, [("Retry-After", str(retry_after_s))])


async def _run_buffered(app: ASGIApp, scope: Scope, receive: Receive) -> _BufferedResponse:
    response = _BufferedResponse()

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            response.status = message["status"]
            response.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
        elif message["type"] == "http.response.body":
            response.body += message.get("body", b"")

    await app(scope, receive, capture)
    return response


async def _send_damaged(
    send: Send, response: _BufferedResponse, decision: FaultDecision, scope: Scope
) -> None:
    body = bytes(response.body)
    rule = decision.rule
    if rule.metadata_size_bytes and _is_metadata(scope) and response.status == 200:
        body = _pad_metadata(body, rule.metadata_size_bytes)
    if decision.kind is FaultKind.CONTROL_CHAR:
        body = _insert_control_char(body, decision)
    declared_length = len(body)
    if decision.kind is FaultKind.TRUNCATE:
        body = body[: _cut_point(body, decision)]
        declared_length = len(body)
    elif decision.kind is FaultKind.DROP:
        body = body[: _cut_point(body, decision)]
    headers = [(k, v) for k, v in response.headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(declared_length).encode("latin-1")))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    complete = decision.kind is not FaultKind.DROP
    await _stream_body(send, body, rule.bandwidth_bytes_per_s, complete=complete)
    # A dropped answer returns without its final body message: the server closes the socket.


def _cut_point(body: bytes, decision: FaultDecision) -> int:
    if len(body) < 2:
        return 0
    return max(1, int(len(body) * decision.rng.uniform(0.3, 0.9)))


async def _stream_body(send: Send, body: bytes, bytes_per_s: float, *, complete: bool) -> None:
    chunk_size = _STREAM_CHUNK
    if bytes_per_s:
        chunk_size = max(1, min(_STREAM_CHUNK, int(bytes_per_s / 10)))
    for start in range(0, len(body), chunk_size):
        chunk = body[start : start + chunk_size]
        if bytes_per_s:
            await asyncio.sleep(len(chunk) / bytes_per_s)
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    if complete:
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _insert_control_char(body: bytes, decision: FaultDecision) -> bytes:
    pattern = _XML_TEXT_ELEMENT if body.lstrip().startswith(b"<") else _JSON_STRING_VALUE
    positions = [match.end() for match in pattern.finditer(body)]
    if not positions:
        return body
    at = decision.rng.choice(positions)
    return body[:at] + CONTROL_CHAR + body[at:]


def _pad_metadata(body: bytes, size: int) -> bytes:
    close_schema = body.rfind(b"</Schema>")
    missing = size - len(body)
    if close_schema < 0 or missing <= 0:
        return body
    return body[:close_schema] + _metadata_padding(missing) + body[close_schema:]


@lru_cache(maxsize=4)
def _metadata_padding(size: int) -> bytes:
    """EntityTypes shaped like a big configuration's (valid CSDL, not in the container)."""
    parts: list[bytes] = []
    written = 0
    number = 0
    while written < size:
        number += 1
        entity = _padding_entity(number)
        parts.append(entity)
        written += len(entity)
    return b"".join(parts)


def _padding_entity(number: int) -> bytes:
    name = f"Catalog_Справочник{number:05d}"
    properties = "".join(
        f'<Property Name="Реквизит{index:02d}" Type="Edm.String" Nullable="true"/>'
        for index in range(1, 9)
    )
    return (
        f'<EntityType Name="{name}" OpenType="true"><Key><PropertyRef Name="Ref_Key"/></Key>'
        '<Property Name="Ref_Key" Type="Edm.Guid" Nullable="false"/>'
        '<Property Name="DataVersion" Type="Edm.String" Nullable="true"/>'
        '<Property Name="DeletionMark" Type="Edm.Boolean" Nullable="true"/>'
        '<Property Name="Code" Type="Edm.String" Nullable="true"/>'
        '<Property Name="Description" Type="Edm.String" Nullable="true"/>'
        f"{properties}</EntityType>"
    ).encode()
