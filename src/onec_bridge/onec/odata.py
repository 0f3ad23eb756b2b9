"""1C's standard OData interface: reads, paging, counts, writes, posting, exchange plans.

Rows are raw wire dicts: JSON numbers with a fraction are exact ``Decimal``
(never float), Int64 values stay the strings 1C sends; typed decoding by
``$metadata`` is the job of ``onec.decoding``. ``iter_pages(wire_rows=True)``
gives the same values in ``WireRow`` slots (``mapping.wire_rows``), read-only
mappings that decode in half the time.

>>> async for page in client.odata.iter_pages(                  # doctest: +SKIP
...         "Catalog_Номенклатура", select=["Ref_Key", "Code"], keyset="Code", max_in_flight=4):
...     save(page)
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx2
import msgspec

from onec_bridge.mapping.wire_rows import WireRow, page_decoder, wire_row_type
from onec_bridge.onec.atom import AtomFeed, parse_feed
from onec_bridge.onec.error_mapping import (
    error_from_response,
    looks_like_html,
    protocol_error_for_body,
)
from onec_bridge.onec.filters import FilterExpr
from onec_bridge.onec.literals import Guid
from onec_bridge.onec.metadata import MetadataCache, Schema, parse_metadata
from onec_bridge.onec.pages import (
    UNIQUE_KEYSET_COLUMNS,
    Row,
    iter_keyset_pages,
    iter_keyset_ranges,
    iter_skip_pages,
)
from onec_bridge.onec.query import (
    KeyValue,
    ParamValue,
    QueryOptions,
    chunk_in_filters,
    entity_path,
    function_path,
)
from onec_bridge.onec.settings import OneCSettings
from onec_bridge.onec.transport import OneCRequest, RequestRunner, decode_json, encode_json

__all__ = ["VIRTUAL_TABLES", "OData", "RawFilter"]

# Virtual-table functions of registers (17.4.9), as 1C names them.
VIRTUAL_TABLES = frozenset(
    {
        "SliceLast",
        "SliceFirst",
        "Balance",
        "Turnovers",
        "BalanceAndTurnovers",
        "ExtDimensions",
        "RecordsWithExtDimensions",
        "DrCrTurnovers",
    }
)

_JSON_HEADERS = {"Accept": "application/json"}
_WRITE_HEADERS = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8"}


class RawFilter(FilterExpr):
    """A ``$filter`` written by hand; prefer ``F(...)``, which encodes literals safely."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        if not text.strip():
            raise ValueError("empty $filter text; pass None for no filter")
        self.text = text

    def to_odata(self) -> str:
        return f"({self.text})"


def _as_filter(value: FilterExpr | str | None) -> FilterExpr | None:
    return RawFilter(value) if isinstance(value, str) else value


def _as_key(key: KeyValue | str) -> KeyValue:
    return Guid(key) if isinstance(key, str) else key


def _decode_document(
    response: httpx2.Response,
    decode: Callable[[bytes], Any] = decode_json,
    problem: str = "the JSON body could not be decoded",
) -> Any:
    """``decode`` of the body; an HTML page becomes the error it shows, a body ``decode``
    refuses a protocol error saying ``problem``."""
    url = str(response.request.url)
    body = response.content
    if looks_like_html(body, response.headers.get("content-type")):
        raise error_from_response(response.status_code, response.headers, body, url)
    try:
        return decode(body)
    except msgspec.DecodeError:
        raise protocol_error_for_body(body, url, problem) from None


def _decode_rows(response: httpx2.Response) -> list[Row]:
    document = _decode_document(response)
    rows = document.get("value") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        url = str(response.request.url)
        raise protocol_error_for_body(response.content, url, "no 'value' array in the answer")
    return rows


def _wire_rows_decoder(row_type: type[WireRow]) -> Callable[[httpx2.Response], list[Row]]:
    decoder = page_decoder(row_type)

    def decode(response: httpx2.Response) -> list[Row]:
        page = _decode_document(response, decoder.decode, "no 'value' array of rows in the answer")
        rows: list[Row] = page.value
        return rows

    return decode


def _decode_entity(response: httpx2.Response) -> Row:
    document = _decode_document(response)
    if not isinstance(document, dict):
        url = str(response.request.url)
        raise protocol_error_for_body(response.content, url, "expected one JSON object")
    document.pop("odata.metadata", None)
    return document


def _decode_count(response: httpx2.Response) -> int:
    text = response.content.strip()
    if not text.isdigit():
        url = str(response.request.url)
        raise protocol_error_for_body(response.content, url, "$count did not answer a number")
    return int(text)


def _ignore_body(response: httpx2.Response) -> None:
    return None


def _body_and_etag(response: httpx2.Response) -> tuple[bytes, str | None]:
    return response.content, response.headers.get("ETag")


def _xml_body(response: httpx2.Response) -> bytes:
    if looks_like_html(response.content, response.headers.get("content-type")):
        url = str(response.request.url)
        raise error_from_response(response.status_code, response.headers, response.content, url)
    return response.content


class OData:
    """The OData facade of one base; obtain it as ``client.odata``."""

    def __init__(
        self,
        runner: RequestRunner,
        settings: OneCSettings,
        *,
        metadata_cache: MetadataCache | None = None,
    ) -> None:
        self._runner = runner
        self._settings = settings
        self.root = settings.odata_root
        self._metadata_cache = metadata_cache
        self._schema: Schema | None = None
        self._schema_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"OData(root={self.root!r})"

    def url(self, path: str, options: QueryOptions | None = None) -> str:
        """Absolute URL of ``path`` (already encoded) with ``options`` as the query."""
        query = (options or QueryOptions()).to_query_string()
        return f"{self.root}/{path}?{query}" if query else f"{self.root}/{path}"

    async def query(
        self, set_name: str, options: QueryOptions, *, row_type: type[WireRow] | None = None
    ) -> list[Row]:
        """One GET of ``set_name`` with ``options``: the rows of that one answer (in
        ``row_type`` slots when given: a ``wire_row_type`` of ``options.select``)."""
        request = OneCRequest("GET", self.url(entity_path(set_name), options), _JSON_HEADERS)
        decode = _decode_rows if row_type is None else _wire_rows_decoder(row_type)
        return await self._runner.execute(request, decode)

    async def iter_pages(
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
        wire_rows: bool = False,
    ) -> AsyncGenerator[list[Row], None]:
        """Stream ``set_name`` page by page, in order, with flat memory.

        ``keyset`` names a scalar column to page on (``Code``, ``Date``, ``Period``);
        None pages by ``$top``/``$skip`` over ``order_by``. ``max_in_flight``
        (capped at ``resilience.max_concurrency``) keeps that many requests
        running while pages still arrive in order. ``keyset_unique`` defaults to
        True only for ``Code``; a repeating column is paged with ``ge`` + skip.
        ``wire_rows`` (with ``select``) gives the rows as ``WireRow`` slots.
        """
        size = page_size or self._settings.page_size
        in_flight = min(max_in_flight or 1, self._settings.resilience.max_concurrency)
        orderby = list(order_by)
        if keyset is not None:
            orderby = [keyset, *(item for item in orderby if item.split()[0] != keyset)]
        columns = list(select) if select else None
        if columns and keyset is not None and keyset not in columns:
            columns.append(keyset)
        options = QueryOptions(select=columns, filter=_as_filter(filter), orderby=orderby)
        row_type = wire_row_type(tuple(columns)) if wire_rows and columns else None

        async def fetch(page: QueryOptions) -> list[Row]:
            if row_type is not None and page.select == columns:  # not the keyset scan
                return await self.query(set_name, page, row_type=row_type)
            return await self.query(set_name, page)

        if keyset is None:
            pages = iter_skip_pages(fetch, options, page_size=size, max_in_flight=in_flight)
        elif in_flight > 1:
            pages = iter_keyset_ranges(
                fetch, options, keyset=keyset, page_size=size, max_in_flight=in_flight
            )
        else:
            unique = keyset in UNIQUE_KEYSET_COLUMNS if keyset_unique is None else keyset_unique
            pages = iter_keyset_pages(fetch, options, keyset=keyset, page_size=size, unique=unique)
        async for page in pages:
            yield page

    async def get_many(
        self,
        set_name: str,
        keys: Sequence[str],
        select: Sequence[str] | None = None,
        *,
        max_in_flight: int = 1,
    ) -> list[Row]:
        """Rows whose ``Ref_Key`` is in ``keys``, fetched by ``eq … or …`` chains that each
        fit ``url_max_length``, ``max_in_flight`` chains at a time (capped at
        ``resilience.max_concurrency``). Keys 1C does not know are simply absent."""
        if not keys:
            return []
        base = QueryOptions(select=list(select) if select else None)
        base_length = len(self.url(entity_path(set_name), base))
        chains = chunk_in_filters(
            "Ref_Key",
            [Guid(key) for key in keys],
            base_url_length=base_length,
            max_url_length=self._settings.url_max_length,
        )
        in_flight = min(max(1, max_in_flight), self._settings.resilience.max_concurrency)
        slots = asyncio.Semaphore(in_flight)

        async def fetch(chain: FilterExpr) -> list[Row]:
            async with slots:
                return await self.query(set_name, dataclasses.replace(base, filter=chain))

        answers = await asyncio.gather(*(fetch(chain) for chain in chains))
        return [row for answer in answers for row in answer]

    async def count(self, set_name: str, filter: FilterExpr | str | None = None) -> int:
        """``GET Set/$count`` — the number of rows matching ``filter``."""
        options = QueryOptions(filter=_as_filter(filter), format=None)
        url = self.url(f"{entity_path(set_name)}/$count", options)
        request = OneCRequest("GET", url, {"Accept": "text/plain"})
        return await self._runner.execute(request, _decode_count)

    async def get(
        self, set_name: str, key: KeyValue | str, select: Sequence[str] | None = None
    ) -> Row:
        """One entity by key (``Guid``/GUID string, or a mapping for composite keys)."""
        options = QueryOptions(select=list(select) if select else None)
        url = self.url(entity_path(set_name, _as_key(key)), options)
        return await self._runner.execute(OneCRequest("GET", url, _JSON_HEADERS), _decode_entity)

    async def virtual_table(
        self,
        set_name: str,
        function: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        select: Sequence[str] | None = None,
        filter: FilterExpr | str | None = None,
        order_by: Sequence[str] | None = None,
        top: int | None = None,
    ) -> list[Row]:
        """Rows of a register's virtual table, e.g. ``Balance`` or ``SliceLast``.

        ``params`` are the function's parameters, sent in the query string (IIS caps a
        path segment at 260 characters): ``Period``/``StartPeriod``/``EndPeriod`` as
        ``datetime``, ``Condition`` as an ``F(...)`` filter over the register's records
        (sent as a quoted string), ``Dimensions`` as a list of names.
        ``select``/``filter``/``order_by``/``top`` apply to the result rows.

        >>> await odata.virtual_table(                             # doctest: +SKIP
        ...     "AccumulationRegister_ТоварыНаСкладах", "Balance",
        ...     {"Period": datetime(2024, 6, 1), "Dimensions": ["Номенклатура"]})
        """
        if function not in VIRTUAL_TABLES:
            raise ValueError(
                f"{function!r} is not a 1C virtual table; use one of {sorted(VIRTUAL_TABLES)}"
            )
        options = QueryOptions(
            select=list(select) if select else None,
            filter=_as_filter(filter),
            orderby=list(order_by) if order_by else None,
            top=top,
            params=dict(params or {}),
        )
        url = self.url(function_path(set_name, function), options)
        return await self._runner.execute(OneCRequest("GET", url, _JSON_HEADERS), _decode_rows)

    async def create(
        self, set_name: str, body: Mapping[str, Any], *, load_mode: bool = False
    ) -> Row:
        """POST a new object; 1C answers 201 with it (new ``Ref_Key``, ``DataVersion``).
        ``load_mode`` adds ``1C_OData-DataLoadMode: true`` (exchange load: no checks).

        Not retried once it may have reached 1C: a retry could create a duplicate."""
        headers = dict(_WRITE_HEADERS)
        if load_mode:
            headers["1C_OData-DataLoadMode"] = "true"
        request = OneCRequest("POST", self.url(entity_path(set_name)), headers, encode_json(body))
        return await self._runner.execute(request, _decode_entity)

    async def patch(
        self,
        set_name: str,
        key: KeyValue | str,
        body: Mapping[str, Any],
        *,
        if_match: str | None = None,
        load_mode: bool = False,
    ) -> Row:
        """PATCH some properties (a tabular section is replaced whole); ``if_match`` is the
        ``DataVersion`` read before — a stale one raises ``OneCPreconditionFailed``."""
        headers = dict(_WRITE_HEADERS)
        if if_match is not None:
            headers["If-Match"] = if_match
        if load_mode:
            headers["1C_OData-DataLoadMode"] = "true"
        url = self.url(entity_path(set_name, _as_key(key)))
        request = OneCRequest("PATCH", url, headers, encode_json(body))
        return await self._runner.execute(request, _decode_entity)

    async def delete(
        self, set_name: str, key: KeyValue | str, *, if_match: str | None = None
    ) -> None:
        """Physical delete (1C has no undo); prefer :meth:`set_deletion_mark`."""
        headers = dict(_JSON_HEADERS)
        if if_match is not None:
            headers["If-Match"] = if_match
        url = self.url(entity_path(set_name, _as_key(key)))
        await self._runner.execute(OneCRequest("DELETE", url, headers), _ignore_body)

    async def set_deletion_mark(self, set_name: str, key: KeyValue | str, mark: bool = True) -> Row:
        """Soft delete (or undelete): PATCH ``DeletionMark``."""
        return await self.patch(set_name, key, {"DeletionMark": mark})

    async def post_document(
        self, set_name: str, key: KeyValue | str, *, operational: bool = False
    ) -> None:
        """``POST Document_X(guid'…')/Post`` — a business failure raises ``OneCServerError``."""
        params = {"PostingModeOperational": operational}
        await self._action(set_name, key, "Post", QueryOptions(params=params))

    async def unpost_document(self, set_name: str, key: KeyValue | str) -> None:
        await self._action(set_name, key, "Unpost", QueryOptions())

    async def _action(
        self, set_name: str, key: KeyValue | str, action: str, options: QueryOptions
    ) -> None:
        url = self.url(f"{entity_path(set_name, _as_key(key))}/{action}", options)
        # Posting twice leaves the same result, so a retry after a timeout is safe.
        request = OneCRequest("POST", url, _JSON_HEADERS, idempotent=True)
        await self._runner.execute(request, _ignore_body)

    def exchange_point(self, exchange_plan: str, node_key: str) -> str:
        """The absolute node URL 1C expects in ``DataExchangePoint``."""
        return f"{self.root}/{entity_path(exchange_plan, Guid(node_key), encoded=False)}"

    def _exchange_url(self, action: str, exchange_plan: str, node_key: str, message_no: int) -> str:
        point = quote(f"'{self.exchange_point(exchange_plan, node_key)}'", safe="'(),/:")
        return f"{self.root}/{action}?DataExchangePoint={point}&MessageNo={int(message_no)}"

    async def metadata(self, *, refresh: bool = False) -> Schema:
        """``$metadata`` parsed into a ``Schema`` — once per client (and per document on disk
        when a ``MetadataCache`` is given); parsing runs in a worker thread."""
        async with self._schema_lock:
            if self._schema is None or refresh:
                request = OneCRequest(
                    "GET", f"{self.root}/$metadata", {"Accept": "application/xml"}
                )
                body, etag = await self._runner.execute(request, _body_and_etag)
                if self._metadata_cache is not None:
                    cache = self._metadata_cache
                    self._schema = await asyncio.to_thread(cache.get_or_parse, body, etag)
                else:
                    self._schema = await asyncio.to_thread(parse_metadata, body)
            return self._schema

    async def select_changes(self, exchange_plan: str, node_key: str, message_no: int) -> AtomFeed:
        """Changes registered for the node (atom feed, deletions included). 1C ignores
        ``$top``/``$filter`` here; confirm with :meth:`notify_changes_received`."""
        url = self._exchange_url("SelectChanges", exchange_plan, node_key, message_no)
        # Reading changes again is harmless until they are confirmed.
        request = OneCRequest("POST", url, {"Accept": "application/atom+xml"}, idempotent=True)
        body = await self._runner.execute(request, _xml_body)
        return await asyncio.to_thread(parse_feed, body, schema=self._schema, url=url)

    async def notify_changes_received(
        self, exchange_plan: str, node_key: str, message_no: int
    ) -> None:
        """Confirm ``message_no`` so 1C unregisters those changes for the node."""
        url = self._exchange_url("NotifyChangesReceived", exchange_plan, node_key, message_no)
        request = OneCRequest("POST", url, idempotent=True)
        await self._runner.execute(request, _ignore_body)
