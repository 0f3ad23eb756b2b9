"""``OneCClientSync``: the async client driven from plain scripts and notebooks.

It runs one private event loop in a daemon thread, so it also works where a
loop is already running (Jupyter). Every call goes through the same layers.

>>> with OneCClientSync(settings) as onec:                         # doctest: +SKIP
...     print(onec.odata.count("Catalog_Номенклатура"))
...     for page in onec.odata.iter_pages("Catalog_Номенклатура", keyset="Code"):
...         print(len(page))
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Coroutine, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx2

from onec_bridge.onec.atom import AtomFeed
from onec_bridge.onec.client import OneCClient
from onec_bridge.onec.filters import FilterExpr
from onec_bridge.onec.hs import HSResponse, HttpService, ParamValue
from onec_bridge.onec.metadata import MetadataCache, Schema
from onec_bridge.onec.pages import Row
from onec_bridge.onec.query import KeyValue, QueryOptions
from onec_bridge.onec.query import ParamValue as FunctionParam
from onec_bridge.onec.settings import OneCSettings

__all__ = ["HttpServiceSync", "ODataSync", "OneCClientSync"]

T = TypeVar("T")


class _LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="onec-bridge-sync", daemon=True
        )
        self._thread.start()

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrapper() -> T:
            return await awaitable

        coroutine: Coroutine[Any, Any, T] = wrapper()
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class ODataSync:
    """Blocking twin of :class:`onec_bridge.onec.odata.OData`."""

    def __init__(self, client: OneCClient, runner: _LoopThread) -> None:
        self._odata = client.odata
        self._run = runner.run

    def iter_pages(
        self,
        set_name: str,
        *,
        select: Sequence[str] | None = None,
        filter: FilterExpr | str | None = None,
        order_by: Sequence[str] = ("Code",),
        page_size: int | None = None,
        keyset: str | None = "Code",
        keyset_unique: bool | None = None,
        max_in_flight: int | None = None,
    ) -> Iterator[list[Row]]:
        pages = self._odata.iter_pages(
            set_name,
            select=select,
            filter=filter,
            order_by=order_by,
            page_size=page_size,
            keyset=keyset,
            keyset_unique=keyset_unique,
            max_in_flight=max_in_flight,
        )
        try:
            while True:
                try:
                    yield self._run(anext(pages))
                except StopAsyncIteration:
                    return
        finally:
            self._run(pages.aclose())

    def query(self, set_name: str, options: QueryOptions) -> list[Row]:
        return self._run(self._odata.query(set_name, options))

    def get_many(
        self, set_name: str, keys: Sequence[str], select: Sequence[str] | None = None
    ) -> list[Row]:
        return self._run(self._odata.get_many(set_name, keys, select))

    def count(self, set_name: str, filter: FilterExpr | str | None = None) -> int:
        return self._run(self._odata.count(set_name, filter))

    def get(self, set_name: str, key: KeyValue | str, select: Sequence[str] | None = None) -> Row:
        return self._run(self._odata.get(set_name, key, select))

    def create(self, set_name: str, body: Mapping[str, Any], *, load_mode: bool = False) -> Row:
        return self._run(self._odata.create(set_name, body, load_mode=load_mode))

    def patch(
        self,
        set_name: str,
        key: KeyValue | str,
        body: Mapping[str, Any],
        *,
        if_match: str | None = None,
        load_mode: bool = False,
    ) -> Row:
        return self._run(
            self._odata.patch(set_name, key, body, if_match=if_match, load_mode=load_mode)
        )

    def delete(self, set_name: str, key: KeyValue | str, *, if_match: str | None = None) -> None:
        self._run(self._odata.delete(set_name, key, if_match=if_match))

    def set_deletion_mark(self, set_name: str, key: KeyValue | str, mark: bool = True) -> Row:
        return self._run(self._odata.set_deletion_mark(set_name, key, mark))

    def post_document(
        self, set_name: str, key: KeyValue | str, *, operational: bool = False
    ) -> None:
        self._run(self._odata.post_document(set_name, key, operational=operational))

    def unpost_document(self, set_name: str, key: KeyValue | str) -> None:
        self._run(self._odata.unpost_document(set_name, key))

    def virtual_table(
        self,
        set_name: str,
        function: str,
        params: Mapping[str, FunctionParam] | None = None,
        *,
        select: Sequence[str] | None = None,
        filter: FilterExpr | str | None = None,
        order_by: Sequence[str] | None = None,
        top: int | None = None,
    ) -> list[Row]:
        return self._run(
            self._odata.virtual_table(
                set_name,
                function,
                params,
                select=select,
                filter=filter,
                order_by=order_by,
                top=top,
            )
        )

    def metadata(self, *, refresh: bool = False) -> Schema:
        return self._run(self._odata.metadata(refresh=refresh))

    def select_changes(self, exchange_plan: str, node_key: str, message_no: int) -> AtomFeed:
        return self._run(self._odata.select_changes(exchange_plan, node_key, message_no))

    def notify_changes_received(self, exchange_plan: str, node_key: str, message_no: int) -> None:
        self._run(self._odata.notify_changes_received(exchange_plan, node_key, message_no))


class HttpServiceSync:
    """Blocking twin of :class:`onec_bridge.onec.hs.HttpService`."""

    def __init__(self, service: HttpService, runner: _LoopThread) -> None:
        self._service = service
        self._run = runner.run

    def request(
        self,
        method: str,
        path: str = "",
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> HSResponse:
        return self._run(
            self._service.request(
                method,
                path,
                json=json,
                content=content,
                params=params,
                headers=headers,
                idempotent=idempotent,
            )
        )

    def get(
        self,
        path: str = "",
        *,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HSResponse:
        return self.request("GET", path, params=params, headers=headers)

    def post(
        self,
        path: str = "",
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
    ) -> HSResponse:
        return self.request(
            "POST",
            path,
            json=json,
            content=content,
            params=params,
            headers=headers,
            idempotent=idempotent,
        )

    def put(
        self,
        path: str = "",
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HSResponse:
        return self.request("PUT", path, json=json, content=content, params=params, headers=headers)

    def delete(
        self,
        path: str = "",
        *,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HSResponse:
        return self.request("DELETE", path, params=params, headers=headers)


class OneCClientSync:
    """A blocking client for one 1C base, on the same core as :class:`OneCClient`."""

    def __init__(
        self,
        settings: OneCSettings,
        *,
        correlation_id: str | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
        metadata_cache: MetadataCache | None = None,
    ) -> None:
        self._runner = _LoopThread()

        async def build() -> OneCClient:
            return OneCClient(
                settings,
                correlation_id=correlation_id,
                transport=transport,
                metadata_cache=metadata_cache,
            )

        self.client = self._runner.run(build())
        self.odata = ODataSync(self.client, self._runner)
        self._closed = False

    def __repr__(self) -> str:
        return f"OneCClientSync({self.client!r})"

    def hs(self, root: str) -> HttpServiceSync:
        return HttpServiceSync(self.client.hs(root), self._runner)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._runner.run(self.client.aclose())
        finally:
            self._runner.stop()

    def __enter__(self) -> OneCClientSync:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
