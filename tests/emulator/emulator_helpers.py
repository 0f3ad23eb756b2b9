"""Helpers of the emulator-core tests: Basic auth header and an in-process OData client."""

from __future__ import annotations

import base64

import httpx2

from onec_bridge.emulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    EmulatorBase,
    EmulatorSettings,
    create_app,
)

DEMO_ITEMS = 500
ODATA_ROOT = "http://onec.test/demo/odata/standard.odata/"


def basic_auth(user: str = DEFAULT_USER, password: str = DEFAULT_PASSWORD) -> str:
    """1C's Basic auth: ``user:password`` encoded as UTF-8 (Cyrillic names work)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def odata_client(
    base: EmulatorBase, settings: EmulatorSettings | None = None
) -> httpx2.AsyncClient:
    """An AsyncClient talking to the emulator in-process, rooted at the OData service."""
    app = create_app(base, settings or EmulatorSettings())
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app),
        base_url=ODATA_ROOT,
        headers={"Authorization": basic_auth()},
    )
