"""1C's session and licence behaviour, and the web server's quirks in front of it.

Header-driven session reuse (8.3.9+): a request with ``IBSession: start`` opens a
session and the answer sets ``Cookie: ibsession=<id>``; later requests sending
that cookie run in the same session (no start cost); ``IBSession: finish`` closes
it after the answer. A session unused for ``max_age_s`` (the publication's
``sessionMaxAge``) expires. A request without a live session cookie runs in a
one-off session that exists only while the request is served.

Every live session and every one-off session in flight holds a client licence.
With ``licence_limit`` set, a request that needs a new session when all licences
are taken gets 500 with the platform's licence message (text/plain; inferred:
the message 1C shows when no licence can be obtained, ``LICENCE_ERROR_MESSAGE``).
An unknown or expired ``ibsession`` cookie is served in a one-off session
(inferred) and counted in ``stats()['stale_cookies']``.

Web-server switches: ``misconfigured_web_server`` answers every request with an
HTML page and status 200 (an IIS/Apache publication that never reaches 1C);
``max_query_bytes`` (IIS ``maxQueryString``, 2048 by default on IIS) answers a
longer query string with IIS's HTML 404.15.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie

from onec_bridge.emulator.raw_responses import (
    HTML_CONTENT_TYPE,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    header_value,
    send_response,
    web_server_page,
)

__all__ = [
    "DEFAULT_SESSION_MAX_AGE_S",
    "IIS_MAX_QUERY_BYTES",
    "LICENCE_ERROR_MESSAGE",
    "SESSION_COOKIE",
    "SessionMiddleware",
    "SessionSettings",
]

SESSION_COOKIE = "ibsession"
DEFAULT_SESSION_MAX_AGE_S = 20.0
IIS_MAX_QUERY_BYTES = 2048
LICENCE_ERROR_MESSAGE = (
    "Не найдена лицензия. Не обнаружен ключ защиты программы или полученная программная лицензия!"
)
_MISCONFIGURED_PAGE = (
    b"<!DOCTYPE html><html><head><title>IIS Windows Server</title></head>"
    b'<body><div id="container"><a href="http://go.microsoft.com/fwlink/?linkid=66138">'
    b'<img src="iisstart.png" alt="IIS"/></a></div></body></html>'
)


@dataclass(frozen=True, slots=True)
class SessionSettings:
    """Session, licence and web-server behaviour; the defaults break nothing."""

    max_age_s: float = DEFAULT_SESSION_MAX_AGE_S
    licence_limit: int | None = None
    session_start_ms: float = 0.0
    misconfigured_web_server: bool = False
    max_query_bytes: int | None = None

    def __post_init__(self) -> None:
        if self.max_age_s <= 0:
            raise ValueError(f"max_age_s must be positive, got {self.max_age_s}")
        if self.licence_limit is not None and self.licence_limit < 1:
            raise ValueError(f"licence_limit must be at least 1 or None, got {self.licence_limit}")
        if self.max_query_bytes is not None and self.max_query_bytes < 1:
            raise ValueError(
                f"max_query_bytes must be positive or None, got {self.max_query_bytes}"
            )


@dataclass
class _Counters:
    started: int = 0
    finished: int = 0
    expired: int = 0
    one_off: int = 0
    stale_cookies: int = 0
    licence_refusals: int = 0
    peak_licences: int = 0


@dataclass
class _SessionTable:
    last_used: dict[str, float] = field(default_factory=dict)
    one_off_in_flight: int = 0

    def licences_in_use(self) -> int:
        return len(self.last_used) + self.one_off_in_flight


class SessionMiddleware:
    """Emulate ``IBSession`` reuse, licence exhaustion and web-server quirks around ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        settings: SessionSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.settings = settings or SessionSettings()
        self._clock = clock
        self._table = _SessionTable()
        self._counters = _Counters()

    def live_sessions(self) -> int:
        self._expire()
        return len(self._table.last_used)

    def finish_all(self) -> None:
        """Close every session (as an administrator terminating them would)."""
        self._counters.finished += len(self._table.last_used)
        self._table.last_used.clear()

    def stats(self) -> dict[str, int]:
        self._expire()
        return {
            "live": len(self._table.last_used),
            "one_off_in_flight": self._table.one_off_in_flight,
            **vars(self._counters),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if await self._answered_by_web_server(scope, send):
            return
        self._expire()
        command = (header_value(scope, "ibsession") or "").strip().lower()
        session_id = _session_cookie(scope)
        if session_id is not None and session_id not in self._table.last_used:
            self._counters.stale_cookies += 1
            session_id = None
        if session_id is not None:
            await self._in_session(session_id, command == "finish", scope, receive, send)
        elif command == "start":
            await self._start_session(scope, receive, send)
        else:
            await self._one_off(scope, receive, send)

    async def _answered_by_web_server(self, scope: Scope, send: Send) -> bool:
        settings = self.settings
        limit = settings.max_query_bytes
        if limit is not None and len(scope.get("query_string", b"")) > limit:
            body = web_server_page(
                404,
                "Not Found",
                "HTTP Error 404.15 - The request filtering module is configured to deny "
                "a request where the query string is too long.",
            )
            await send_response(send, 404, body, HTML_CONTENT_TYPE)
            return True
        if settings.misconfigured_web_server:
            await send_response(send, 200, _MISCONFIGURED_PAGE, HTML_CONTENT_TYPE)
            return True
        return False

    async def _in_session(
        self, session_id: str, finish: bool, scope: Scope, receive: Receive, send: Send
    ) -> None:
        self._table.last_used[session_id] = self._clock()
        if not finish:
            await self.app(scope, receive, send)
            self._table.last_used[session_id] = self._clock()
            return
        # ended before the answer goes out: a client that has the answer sees it counted
        if self._table.last_used.pop(session_id, None) is not None:
            self._counters.finished += 1
        await self.app(scope, receive, _with_cookie(send, f"{SESSION_COOKIE}=; Max-Age=0; Path=/"))

    async def _start_session(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await self._take_licence(send):
            return
        session_id = str(uuid.uuid4())
        self._table.last_used[session_id] = self._clock()
        self._counters.started += 1
        self._note_peak()
        await self._pay_session_start()
        cookie = f"{SESSION_COOKIE}={session_id}; Path=/"
        await self.app(scope, receive, _with_cookie(send, cookie))
        if session_id in self._table.last_used:
            self._table.last_used[session_id] = self._clock()

    async def _one_off(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await self._take_licence(send):
            return
        self._table.one_off_in_flight += 1
        self._counters.one_off += 1
        self._note_peak()
        try:
            await self._pay_session_start()
            await self.app(scope, receive, send)
        finally:
            self._table.one_off_in_flight -= 1

    async def _take_licence(self, send: Send) -> bool:
        limit = self.settings.licence_limit
        if limit is None or self._table.licences_in_use() < limit:
            return True
        self._counters.licence_refusals += 1
        body = LICENCE_ERROR_MESSAGE.encode()
        await send_response(send, 500, body, "text/plain; charset=utf-8")
        return False

    async def _pay_session_start(self) -> None:
        if self.settings.session_start_ms:
            await asyncio.sleep(self.settings.session_start_ms / 1000.0)

    def _note_peak(self) -> None:
        in_use = self._table.licences_in_use()
        self._counters.peak_licences = max(self._counters.peak_licences, in_use)

    def _expire(self) -> None:
        oldest_allowed = self._clock() - self.settings.max_age_s
        stale = [sid for sid, used in self._table.last_used.items() if used < oldest_allowed]
        for session_id in stale:
            del self._table.last_used[session_id]
        self._counters.expired += len(stale)


def _session_cookie(scope: Scope) -> str | None:
    raw = header_value(scope, "cookie")
    if not raw:
        return None
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(raw)
    except CookieError:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def _with_cookie(send: Send, cookie: str) -> Send:
    async def send_with_cookie(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            headers.append((b"set-cookie", cookie.encode("latin-1")))
            message = {**message, "headers": headers}
        await send(message)

    return send_with_cookie
