"""HTTP Basic authentication as a 1C publication does it: ``user:password`` in UTF-8.

A missing or wrong ``Authorization`` gets 401 with ``WWW-Authenticate: Basic
realm="1C"`` and 1C's rights error (code 20) in the negotiated format.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import Any

from onec_bridge.emulator.error_bodies import error_body
from onec_bridge.emulator.negotiation import ResponseFormat, choose_format
from onec_bridge.emulator.query_options import parse_query_string
from onec_bridge.emulator.settings import ASGIApp

__all__ = ["AUTH_FAILED_MESSAGE", "BasicAuthMiddleware", "decode_basic_credentials"]

AUTH_FAILED_MESSAGE = (
    "Ошибка аутентификации пользователя: неправильное имя пользователя или пароль."
)


def decode_basic_credentials(header: bytes | None) -> tuple[str, str] | None:
    """``(user, password)`` from an ``Authorization: Basic …`` value, or None if unusable."""
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(b" ")
    if scheme.lower() != b"basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def _header(scope: Mapping[str, Any], name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


def _response_format(scope: Mapping[str, Any]) -> ResponseFormat:
    try:
        params = parse_query_string(scope.get("query_string", b""))
        accept = _header(scope, b"accept")
        return choose_format(params.get("$format"), accept.decode("latin-1") if accept else None)
    except Exception:  # a malformed request still gets its 401, in atom
        return ResponseFormat.ATOM


class BasicAuthMiddleware:
    """Let through HTTP requests whose Basic credentials match ``users``; 401 otherwise."""

    def __init__(self, app: ASGIApp, users: Mapping[str, str]) -> None:
        self.app = app
        self._users = {user: password.encode() for user, password in users.items()}

    def __repr__(self) -> str:
        return f"BasicAuthMiddleware(users={sorted(self._users)})"

    def authenticated(self, header: bytes | None) -> bool:
        credentials = decode_basic_credentials(header)
        if credentials is None:
            return False
        expected = self._users.get(credentials[0])
        given = credentials[1].encode()
        return expected is not None and hmac.compare_digest(expected, given)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.authenticated(_header(scope, b"authorization")):
            await self.app(scope, receive, send)
            return
        fmt = _response_format(scope)
        content_type, body = error_body(fmt, "20", AUTH_FAILED_MESSAGE)
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Basic realm="1C"'),
            (b"dataserviceversion", b"3.0"),
        ]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})
