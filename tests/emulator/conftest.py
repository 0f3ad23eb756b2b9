"""Fixtures of the emulator-core tests: a small demo base and an in-process OData client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from onec_bridge.emulator import EmulatorBase, generate_demo_base
from tests.emulator.emulator_helpers import DEMO_ITEMS, odata_client


@pytest.fixture(scope="module")
def demo_base() -> EmulatorBase:
    """A demo base shared by a module's tests; tests that write make their own base."""
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=DEMO_ITEMS, seed=1)
    return base


@pytest.fixture
async def client(demo_base: EmulatorBase) -> AsyncIterator[httpx2.AsyncClient]:
    async with odata_client(demo_base) as http:
        yield http
