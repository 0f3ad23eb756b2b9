"""1C HTTP services: ``<publication>/hs/<RootURL>/<template>`` routed as 1C routes them.

A service has a root URL and URL templates (``/products``, ``/products/{id}``,
``/*``); each template has handlers per HTTP method. As in 1C: an unknown root or
a path no template matches → 404; a matched template without the method → 405
(with ``Allow``); the handler's status code and body go out unchanged; an
exception in a handler → 500 with its text (the module's ВызватьИсключение).

``HttpServicesRouter`` is a plain ASGI app. It reads the part of the path after
the first ``/hs/``, so it works mounted under the publication or called directly.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

from onec_bridge.emulator.raw_responses import Receive, Scope, Send, send_response

__all__ = [
    "HS_MARKER",
    "HsHandler",
    "HsRequest",
    "HsResponse",
    "HttpService",
    "HttpServicesRouter",
]

HS_MARKER = "/hs/"
_TEXT = "text/plain; charset=utf-8"
_JSON = "application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class HsRequest:
    """What a handler sees (1C's HTTPСервисЗапрос): method, URL parameters, query, body."""

    method: str
    relative_url: str
    url_params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON; ``ValueError`` when it is not JSON."""
        return orjson.loads(self.body)


@dataclass(frozen=True, slots=True)
class HsResponse:
    """What a handler answers (1C's HTTPСервисОтвет)."""

    status: int
    body: bytes = b""
    content_type: str = _TEXT
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, payload: Any) -> HsResponse:
        return cls(status, orjson.dumps(payload), _JSON)

    @classmethod
    def text(cls, status: int, message: str) -> HsResponse:
        return cls(status, message.encode(), _TEXT)


HsHandler = Callable[[HsRequest], Awaitable[HsResponse]]


@dataclass(frozen=True, slots=True)
class _Template:
    template: str
    pattern: re.Pattern[str]
    handlers: dict[str, HsHandler]


def _compile(template: str) -> re.Pattern[str]:
    if not template.startswith("/"):
        raise ValueError(f"URL template {template!r} must start with '/', e.g. '/products'")
    parts = re.split(r"(\{[^/{}]+\}|\*)", template)
    regex = []
    for part in parts:
        if part == "*":
            regex.append(".*")
        elif part.startswith("{") and part.endswith("}"):
            regex.append(f"(?P<{part[1:-1]}>[^/]+)")
        else:
            regex.append(re.escape(part))
    return re.compile("".join(regex))


@dataclass
class HttpService:
    """One HTTP service: a root URL and its templates with handlers per method."""

    root: str
    _templates: list[_Template] = field(default_factory=list)

    def add(self, template: str, method: str, handler: HsHandler) -> None:
        """Bind ``handler`` to ``method`` on ``template`` (templates match in order added)."""
        method = method.upper()
        for existing in self._templates:
            if existing.template == template:
                existing.handlers[method] = handler
                return
        self._templates.append(_Template(template, _compile(template), {method: handler}))

    def match(self, relative_url: str) -> tuple[_Template, dict[str, str]] | None:
        for template in self._templates:
            found = template.pattern.fullmatch(relative_url)
            if found:
                return template, found.groupdict()
        return None


class HttpServicesRouter:
    """ASGI app serving ``…/hs/<root>/<template>`` for the given services."""

    def __init__(self, services: Iterable[HttpService]) -> None:
        self._services = {service.root: service for service in services}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        response = await self._route(scope, receive)
        headers = list(response.headers)
        await send_response(send, response.status, response.body, response.content_type, headers)

    async def _route(self, scope: Scope, receive: Receive) -> HsResponse:
        path: str = scope.get("path", "")
        marker = path.find(HS_MARKER)
        tail = path[marker + len(HS_MARKER) :] if marker >= 0 else path.lstrip("/")
        root, _, rest = tail.partition("/")
        service = self._services.get(root)
        if service is None:
            return HsResponse.text(404, f"HTTP-сервис с корневым URL '{root}' не найден")
        relative_url = "/" + rest
        matched = service.match(relative_url)
        if matched is None:
            return HsResponse.text(404, f"Шаблон URL для '{relative_url}' не найден")
        template, url_params = matched
        method = str(scope.get("method", "GET")).upper()
        handler = template.handlers.get(method)
        if handler is None:
            allowed = ", ".join(sorted(template.handlers))
            return HsResponse(405, b"", _TEXT, (("Allow", allowed),))
        request = HsRequest(
            method=method,
            relative_url=relative_url,
            url_params=url_params,
            query=dict(parse_qsl(bytes(scope.get("query_string", b"")).decode("utf-8"))),
            headers={
                bytes(k).decode("latin-1").lower(): bytes(v).decode("latin-1")
                for k, v in scope.get("headers", ())
            },
            body=await _read_body(receive),
        )
        try:
            return await handler(request)
        except Exception as exc:  # a module exception becomes 500 with its text, as in 1C
            return HsResponse.text(500, f"{type(exc).__name__}: {exc}")


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(body)
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return bytes(body)
