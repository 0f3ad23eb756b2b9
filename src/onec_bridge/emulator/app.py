"""Build the emulator's ASGI application: routes, Basic auth, and the middleware seams."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route

from onec_bridge.emulator.auth import BasicAuthMiddleware
from onec_bridge.emulator.base import EmulatorBase
from onec_bridge.emulator.odata_service import ODataService
from onec_bridge.emulator.settings import ASGIApp, EmulatorSettings

__all__ = ["EmulatorApp", "create_app"]

_ODATA_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "MERGE"]


class EmulatorApp:
    """The emulator as an ASGI app; keeps its base, settings and middleware for tests/admin.

    ``faults``, ``sessions`` and ``admin`` are the middleware instances (None when off).
    """

    def __init__(self, base: EmulatorBase, settings: EmulatorSettings) -> None:
        self.base = base
        self.settings = settings
        self.base_name = settings.base_name
        self.odata = ODataService(base, settings)
        self.faults: Any = None
        self.sessions: Any = None
        self.admin: Any = None
        self._app = self._wrap(BasicAuthMiddleware(self._router(), settings.users))

    def _router(self) -> Starlette:
        root = f"/{self.base_name}/odata/standard.odata"
        routes: list[Route | Mount] = [
            Route(root, self.odata.handle, methods=_ODATA_METHODS),
            Route(root + "/{rest:path}", self.odata.handle, methods=_ODATA_METHODS),
        ]
        if self.settings.hs_app is not None:
            routes.append(Mount(f"/{self.base_name}/hs", app=self.settings.hs_app))
        return Starlette(routes=routes)

    def _wrap(self, app: ASGIApp) -> ASGIApp:
        """The single place middleware is layered: admin → faults → sessions → auth → routes."""
        settings = self.settings
        if settings.sessions is not None:
            from onec_bridge.emulator.sessions import SessionMiddleware

            self.sessions = SessionMiddleware(app, settings.sessions)
            app = self.sessions
        if settings.faults is not None or settings.admin:
            from onec_bridge.emulator.faults import FaultMiddleware

            self.faults = FaultMiddleware(app, settings.faults)
            app = self.faults
        if settings.admin:
            from onec_bridge.emulator.admin import AdminMiddleware

            self.admin = AdminMiddleware(
                app, faults=self.faults, sessions=self.sessions, token=settings.admin_token
            )
            app = self.admin
        return app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._app(scope, receive, send)


def create_app(base: EmulatorBase, settings: EmulatorSettings | None = None) -> EmulatorApp:
    """The ASGI app serving ``base`` at ``/{settings.base_name}``.

    >>> app = create_app(EmulatorBase.open(None), EmulatorSettings(base_name="demo"))
    >>> app.base_name
    'demo'
    """
    return EmulatorApp(base, settings or EmulatorSettings())
