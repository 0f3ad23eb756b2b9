"""An emulated 1C base served in-process, and contracts that point at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from onec_bridge.contract.loader import load_contract
from onec_bridge.contract.model import Contract
from onec_bridge.emulator import EmulatorBase, EmulatorSettings, create_app, generate_demo_base

DEMO_CONTRACT = Path(__file__).resolve().parents[2] / "examples" / "demo" / "contract.yaml"
USER = "Администратор"
PASSWORD = "Пароль-s3cret"
ITEMS = 600


@pytest.fixture
def onec_base() -> Iterator[EmulatorBase]:
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=ITEMS, seed=3)
    yield base
    base.close()


@pytest.fixture
def onec_transport(onec_base: EmulatorBase) -> httpx2.AsyncBaseTransport:
    app = create_app(onec_base, EmulatorSettings(base_name="demo", users={USER: PASSWORD}))
    return httpx2.ASGITransport(app=app)


def demo_contract(database_url: str, *, password: str = PASSWORD, page_size: int = 100) -> Contract:
    contract = load_contract(
        DEMO_CONTRACT,
        environ={
            "ONEC_URL": "http://emulator/demo",
            "ONEC_USER": USER,
            "ONEC_PASSWORD": password,
            "DATABASE_URL": database_url,
        },
    )
    contract.onec.page_size = page_size
    contract.onec.resilience.retry_attempts = 1
    return contract


@pytest.fixture
def trade_transport(onec_base: EmulatorBase) -> httpx2.AsyncBaseTransport:
    """The emulator with the loyalty HTTP service mounted too."""
    from onec_bridge.emulator.loyalty import demo_http_services

    settings = EmulatorSettings(
        base_name="demo", users={USER: PASSWORD}, hs_app=demo_http_services(onec_base)
    )
    return httpx2.ASGITransport(app=create_app(onec_base, settings))


def contract_with(database_url: str, entities: dict[str, dict[str, object]]) -> Contract:
    """A contract of ``entities`` (contract YAML as dicts) against the emulator."""
    return Contract.model_validate(
        {
            "onec": {
                "url": "http://emulator/demo",
                "user": USER,
                "password": PASSWORD,
                "page_size": 50,
                "resilience": {"retry_attempts": 1},
            },
            "database": {"url": database_url},
            "entities": entities,
        }
    )
