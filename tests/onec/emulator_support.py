"""Running the client against the emulator: a fresh demo base, an in-process client whose
requests and answers are recorded, and the demo's set names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2

from onec_bridge.emulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    EmulatorApp,
    EmulatorBase,
    EmulatorSettings,
    create_app,
    generate_demo_base,
    run_in_thread,
)
from onec_bridge.emulator.loyalty import demo_http_services
from onec_bridge.onec import OneCClient, OneCSettings
from onec_bridge.onec.metadata import MetadataCache
from tests.onec.fake_onec import fast_settings

ITEMS = "Catalog_Номенклатура"
SALES = "Document_РеализацияТоваровУслуг"
RECEIPTS = "Document_ПоступлениеТоваровУслуг"
STOCK = "AccumulationRegister_ТоварыНаСкладах"
PRICES = "InformationRegister_ЦеныНоменклатуры"
WAREHOUSES = "Catalog_Склады"
CUSTOMERS = "Catalog_Контрагенты"
LOYALTY_OPERATIONS = "Document_ОперацияЛояльности"
EXCHANGE_PLAN = "ExchangePlan_ОбменССайтом"
IN_PROCESS_URL = "http://emulator/demo"


def demo_base(items: int = 200) -> EmulatorBase:
    """A fresh in-memory demo base (catalogs, documents, registers, exchange plan)."""
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=items, seed=1)
    return base


def demo_app(base: EmulatorBase, **settings: Any) -> EmulatorApp:
    """The emulator app over ``base`` with the loyalty HTTP service mounted."""
    return create_app(
        base, EmulatorSettings(base_name="demo", hs_app=demo_http_services(base), **settings)
    )


@dataclass(frozen=True)
class Exchange:
    request: httpx2.Request
    response: httpx2.Response


class RecordingTransport(httpx2.AsyncBaseTransport):
    """Passes every request to ``inner`` and keeps (request, response) pairs for assertions."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        self.exchanges.append(Exchange(request, response))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    def requests(self, method: str | None = None, path_ends: str = "") -> list[httpx2.Request]:
        return [
            exchange.request
            for exchange in self.exchanges
            if (method is None or exchange.request.method == method)
            and exchange.request.url.path.endswith(path_ends)
        ]

    @property
    def last(self) -> Exchange:
        return self.exchanges[-1]


def in_process_client(
    app: Any, *, metadata_cache: MetadataCache | None = None, **settings: Any
) -> tuple[OneCClient, RecordingTransport]:
    """A client talking to ``app`` in-process, with no real waits between retries."""
    recorder = RecordingTransport(httpx2.ASGITransport(app=app))
    client = OneCClient(
        fast_settings(url=IN_PROCESS_URL, user=DEFAULT_USER, password=DEFAULT_PASSWORD, **settings),
        transport=recorder,
        metadata_cache=metadata_cache,
    )
    return client, recorder


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` on a real loopback socket; yields the publication root URL."""
    handle = run_in_thread(app)
    try:
        yield handle.url
    finally:
        handle.stop()


def socket_settings(url: str, **settings: Any) -> OneCSettings:
    return fast_settings(url=url, user=DEFAULT_USER, password=DEFAULT_PASSWORD, **settings)
