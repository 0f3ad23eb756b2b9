"""The emulator's control panel: change faults and read counters while it serves.

``AdminMiddleware`` answers ``<any prefix>/__emulator__/<resource>`` itself and
passes every other request on, counting it by path and status. Admin requests
never reach the OData app: they ignore Basic auth and ``IBSession``, take no
licence and are never hit by faults, so a test can always repair what it broke.
With ``token`` set, they need ``X-Emulator-Admin-Token: <token>`` (403 otherwise).
Answers are plain JSON (``{"error": …}`` on failure), never OData-shaped, so no
client mistakes them for 1C.

=======  ======================  ================================================
method   path                    effect
=======  ======================  ================================================
GET      /__emulator__/faults    current plan and injected-fault counters
PUT      /__emulator__/faults    new plan: JSON body, or the compact text form
DELETE   /__emulator__/faults    no faults
GET      /__emulator__/stats     requests by path and status, faults, sessions
DELETE   /__emulator__/stats     reset request counters
GET      /__emulator__/sessions  session and licence counters
DELETE   /__emulator__/sessions  terminate every session
=======  ======================  ================================================
"""

from __future__ import annotations

import hmac
import re
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from onec_bridge.emulator.fault_plan import FaultPlan, FaultSpecError
from onec_bridge.emulator.faults import FaultMiddleware
from onec_bridge.emulator.raw_responses import (
    JSON_CONTENT_TYPE,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    header_value,
    send_response,
)
from onec_bridge.emulator.sessions import SessionMiddleware, SessionSettings

__all__ = [
    "ADMIN_MARKER",
    "ADMIN_TOKEN_HEADER",
    "AdminMiddleware",
    "RequestStats",
    "wrap_with_middleware",
]

ADMIN_MARKER = "/__emulator__/"
ADMIN_TOKEN_HEADER = "X-Emulator-Admin-Token"
_KEY_SEGMENT = re.compile(r"\(.*?\)(?=/|$)")
_MAX_ADMIN_BODY = 1024 * 1024

_Handler = Callable[[bytes], Awaitable[tuple[int, Any]]]


class RequestStats:
    """Requests counted by path (keys collapsed to ``()``) and status."""

    def __init__(self) -> None:
        self._counts: defaultdict[str, Counter[int]] = defaultdict(Counter)

    def record(self, path: str, status: int) -> None:
        self._counts[_KEY_SEGMENT.sub("()", path)][status] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {
            path: {str(status): n for status, n in sorted(counts.items())}
            for path, counts in sorted(self._counts.items())
        }

    def total(self) -> int:
        return sum(sum(counts.values()) for counts in self._counts.values())

    def reset(self) -> None:
        self._counts.clear()


class AdminMiddleware:
    """Serve ``/__emulator__/…`` and count everything else passing to ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: FaultMiddleware | None = None,
        sessions: SessionMiddleware | None = None,
        token: str | None = None,
    ) -> None:
        self.app = app
        self.faults = faults
        self.sessions = sessions
        self.stats = RequestStats()
        self._token = token

    def __repr__(self) -> str:
        protected = "yes" if self._token else "no"
        return f"AdminMiddleware(token protected={protected})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        marker = path.find(ADMIN_MARKER)
        if marker >= 0:
            resource = path[marker + len(ADMIN_MARKER) :].strip("/")
            await self._serve_admin(resource, scope, receive, send)
            return
        await self.app(scope, receive, self._counting(path, send))

    def _counting(self, path: str, send: Send) -> Send:
        async def send_and_count(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.stats.record(path, int(message["status"]))
            await send(message)

        return send_and_count

    async def _serve_admin(self, resource: str, scope: Scope, receive: Receive, send: Send) -> None:
        if self._token is not None:
            offered = header_value(scope, ADMIN_TOKEN_HEADER) or ""
            if not hmac.compare_digest(offered.encode(), self._token.encode()):
                await _reply(send, 403, {"error": f"send the admin token in {ADMIN_TOKEN_HEADER}"})
                return
        routes = self._routes().get(resource)
        if routes is None:
            known = ", ".join(ADMIN_MARKER + name for name in self._routes())
            await _reply(send, 404, {"error": f"no admin resource {resource!r}; known: {known}"})
            return
        method = str(scope.get("method", "GET")).upper()
        handler = routes.get(method)
        if handler is None:
            allowed = ", ".join(routes)
            await _reply(send, 405, {"error": f"{method} not allowed; use {allowed}"})
            return
        body = await _read_body(receive)
        status, payload = await handler(body)
        await _reply(send, status, payload)

    def _routes(self) -> dict[str, dict[str, _Handler]]:
        return {
            "faults": {
                "GET": self._get_faults,
                "PUT": self._put_faults,
                "DELETE": self._clear_faults,
            },
            "stats": {"GET": self._get_stats, "DELETE": self._reset_stats},
            "sessions": {"GET": self._get_sessions, "DELETE": self._finish_sessions},
        }

    async def _get_faults(self, _: bytes) -> tuple[int, Any]:
        if self.faults is None:
            return 404, {"error": "fault injection is not enabled on this emulator"}
        return 200, _faults_view(self.faults)

    async def _put_faults(self, body: bytes) -> tuple[int, Any]:
        if self.faults is None:
            return 404, {"error": "fault injection is not enabled on this emulator"}
        try:
            plan = _plan_from_body(body)
        except FaultSpecError as exc:
            return 400, {"error": str(exc)}
        self.faults.set_plan(plan)
        return 200, _faults_view(self.faults)

    async def _clear_faults(self, _: bytes) -> tuple[int, Any]:
        if self.faults is not None:
            self.faults.clear()
        return 200, {"plan": FaultPlan().model_dump(mode="json"), "injected": {}}

    async def _get_stats(self, _: bytes) -> tuple[int, Any]:
        return 200, {
            "requests": self.stats.snapshot(),
            "total": self.stats.total(),
            "faults": dict(self.faults.injected) if self.faults else {},
            "sessions": self.sessions.stats() if self.sessions else {},
        }

    async def _reset_stats(self, _: bytes) -> tuple[int, Any]:
        self.stats.reset()
        return 200, {"requests": {}, "total": 0}

    async def _get_sessions(self, _: bytes) -> tuple[int, Any]:
        return 200, self.sessions.stats() if self.sessions else {}

    async def _finish_sessions(self, _: bytes) -> tuple[int, Any]:
        if self.sessions is not None:
            self.sessions.finish_all()
        return 200, self.sessions.stats() if self.sessions else {}


def wrap_with_middleware(
    app: ASGIApp,
    *,
    faults: FaultPlan | None = None,
    sessions: SessionSettings | None = None,
    admin_token: str | None = None,
) -> AdminMiddleware:
    """The emulator's stack: admin, then faults, then sessions, around ``app``.

    ``stack.faults.set_plan(...)`` and ``stack.sessions.settings`` stay reachable
    in-process; over HTTP the same through ``/__emulator__/…``.
    """
    session_layer = SessionMiddleware(app, sessions)
    fault_layer = FaultMiddleware(session_layer, faults)
    return AdminMiddleware(
        fault_layer, faults=fault_layer, sessions=session_layer, token=admin_token
    )


def _faults_view(faults: FaultMiddleware) -> dict[str, Any]:
    return {"plan": faults.plan.model_dump(mode="json"), "injected": dict(faults.injected)}


def _plan_from_body(body: bytes) -> FaultPlan:
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return FaultPlan()
    if text.startswith("{"):
        return FaultPlan.from_json(text)
    return FaultPlan.parse(text)


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if len(body) > _MAX_ADMIN_BODY or not message.get("more_body", False):
            break
    return bytes(body[:_MAX_ADMIN_BODY])


async def _reply(send: Send, status: int, payload: Any) -> None:
    await send_response(send, status, orjson.dumps(payload), JSON_CONTENT_TYPE)
