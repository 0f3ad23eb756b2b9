"""Canned answers sent straight on the ASGI channel by the emulator's middleware.

Two voices answer in front of a real 1C: 1C itself (OData error bodies, JSON or
XML as the request negotiated) and the web server that publishes it (IIS or
Apache HTML pages for 404.15, 502, 503, 504 and friends). Clients must tell them
apart, so the emulator imitates both.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import unquote

import orjson

__all__ = [
    "ASGIApp",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "header_value",
    "onec_error_response",
    "send_response",
    "wants_json",
    "web_server_page",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_METADATA_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
JSON_CONTENT_TYPE = "application/json;charset=utf-8"
XML_CONTENT_TYPE = "application/xml;charset=utf-8"
HTML_CONTENT_TYPE = "text/html; charset=utf-8"


def header_value(scope: Scope, name: str) -> str | None:
    """The first request header ``name`` (case-insensitive), decoded as latin-1."""
    wanted = name.lower().encode("latin-1")
    for key, value in scope.get("headers", ()):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None


def wants_json(scope: Scope) -> bool:
    """1C's negotiation: ``$format=json``/``application/json`` or ``Accept: application/json``."""
    query = unquote(bytes(scope.get("query_string", b"")).decode("latin-1")).lower()
    if "$format=json" in query or "$format=application/json" in query:
        return True
    accept = (header_value(scope, "accept") or "").lower()
    return "application/json" in accept


def onec_error_response(scope: Scope, code: str, message: str) -> tuple[str, bytes]:
    """1C's OData error body in the negotiated format: (content type, body)."""
    if wants_json(scope):
        body = {"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}
        return JSON_CONTENT_TYPE, orjson.dumps(body)
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\r\n'
        f'<m:error xmlns:m="{_METADATA_NS}"><m:code>{html.escape(code)}</m:code>'
        f"<m:message>{html.escape(message)}</m:message></m:error>"
    )
    return XML_CONTENT_TYPE, xml.encode("utf-8")


def web_server_page(status: int, title: str, detail: str) -> bytes:
    """An IIS-style HTML error page, as the web server (not 1C) would send it."""
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n'
        f"<html><head><title>{html.escape(title)}</title></head>"
        f'<body><div id="header"><h1>Server Error</h1></div>'
        f"<h2>{status} - {html.escape(title)}</h2><h3>{html.escape(detail)}</h3>"
        "</body></html>"
    ).encode()


async def send_response(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """Send a complete response with a correct Content-Length."""
    raw_headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode("latin-1")),
        *((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
