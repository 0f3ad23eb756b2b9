"""``$metadata`` from the emulator: fetched once, parsed into schemas, cached on disk by ETag or
by body hash; and the virtual tables it declares, read with ``odata.virtual_table``."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from onec_bridge.emulator import EmulatorApp
from onec_bridge.onec import F, Guid, OneCClient, OneCNotSupported, QueryOptions
from onec_bridge.onec import metadata as metadata_module
from onec_bridge.onec.metadata import MetadataCache, Schema
from tests.onec.emulator_support import (
    EXCHANGE_PLAN,
    ITEMS,
    PRICES,
    SALES,
    STOCK,
    demo_app,
    demo_base,
    in_process_client,
    served,
    socket_settings,
)

BALANCE_AT = datetime(2024, 6, 1)


class WithETag:
    """The emulator behind a web server that tags ``$metadata`` with an ETag."""

    def __init__(self, app: EmulatorApp, etag: str) -> None:
        self.app = app
        self.etag = etag

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def tagged(message: Any) -> None:
            if message["type"] == "http.response.start" and scope["path"].endswith("$metadata"):
                headers = [*message.get("headers", ()), (b"etag", self.etag.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, tagged)


def assert_demo_schema(schema: Schema) -> None:
    items = schema.entity_type_of(ITEMS)
    assert items.key == ("Ref_Key",)
    ref = items.property("Ref_Key")
    assert ref is not None and ref.type == "Edm.Guid" and not ref.nullable
    assert {"Code", "Description", "DataVersion", "DeletionMark"} <= {
        p.name for p in items.properties
    }
    (section,) = schema.tabular_sections(SALES)
    assert (section.name, section.table_set) == ("Товары", f"{SALES}_Товары")
    row = schema.row_type_of(section.row_type)
    assert {"LineNumber", "Количество"} <= {p.name for p in row.properties}
    assert {f.name for f in schema.functions_for(SALES)} == {"Post", "Unpost"}
    stock = {f.name: f for f in schema.functions_for(STOCK)}
    assert {"Balance", "Turnovers"} <= set(stock)
    assert not stock["Balance"].is_side_effecting
    assert {f.name for f in schema.functions_for(PRICES)} >= {"SliceLast", "SliceFirst"}
    assert schema.entity_type_of(STOCK).key == ("Recorder", "Recorder_Type", "LineNumber")
    assert schema.entity_type_of(EXCHANGE_PLAN).property("ReceivedNo") is not None


async def test_metadata_is_fetched_once_and_parsed_into_the_demo_schema() -> None:
    client, recorder = in_process_client(demo_app(demo_base()))
    async with client:
        schema = await client.odata.metadata()
        again = await client.odata.metadata()
        fetched_once = len(recorder.requests("GET", "$metadata"))
        await client.odata.metadata(refresh=True)
        fetched_after_refresh = len(recorder.requests("GET", "$metadata"))
    assert again is schema
    assert (fetched_once, fetched_after_refresh) == (1, 2)
    assert_demo_schema(schema)


def cache_files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(source: object) -> Schema:
        raise AssertionError("$metadata parsed again although the disk cache has it")

    monkeypatch.setattr(metadata_module, "parse_metadata", fail)


async def test_disk_cache_is_keyed_by_body_hash_without_an_etag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = demo_app(demo_base())
    client, _ = in_process_client(app, metadata_cache=MetadataCache(tmp_path))
    async with client:
        parsed = await client.odata.metadata()
    files = cache_files(tmp_path)
    assert len(files) == 1 and "-sha256-" in files[0]

    forbid_parsing(monkeypatch)  # a new client (a new run) reads the schema from disk
    client, recorder = in_process_client(app, metadata_cache=MetadataCache(tmp_path))
    async with client:
        cached = await client.odata.metadata()
    assert len(recorder.requests("GET", "$metadata")) == 1  # still fetched: 1C may have changed
    assert cached == parsed
    assert_demo_schema(cached)


async def test_disk_cache_is_keyed_by_etag_when_the_server_sends_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = demo_app(demo_base())
    for etag in ('"v1"', '"v2"'):
        client, _ = in_process_client(WithETag(app, etag), metadata_cache=MetadataCache(tmp_path))
        async with client:
            await client.odata.metadata()
    names = cache_files(tmp_path)
    assert len(names) == 2 and all("-etag-" in name for name in names)

    forbid_parsing(monkeypatch)
    client, _ = in_process_client(WithETag(app, '"v2"'), metadata_cache=MetadataCache(tmp_path))
    async with client:
        assert_demo_schema(await client.odata.metadata())


def stock_balance(records: list[dict[str, Any]], before: datetime) -> dict[tuple[str, str], Any]:
    """What ``Balance(Period=before)`` must answer, computed from the register's records."""
    totals: dict[tuple[str, str], Any] = defaultdict(int)
    for record in records:
        if not record["Active"] or datetime.fromisoformat(record["Period"]) >= before:
            continue
        sign = -1 if record["RecordType"] == "Expense" else 1
        totals[record["Номенклатура_Key"], record["Склад_Key"]] += sign * record["Количество"]
    return {key: value for key, value in totals.items() if value}


async def test_balance_equals_the_sum_of_register_records() -> None:
    client, recorder = in_process_client(demo_app(demo_base()))
    async with client:
        records = await client.odata.query(STOCK, QueryOptions())
        rows = await client.odata.virtual_table(
            STOCK, "Balance", {"Period": BALANCE_AT, "Dimensions": ["Номенклатура", "Склад"]}
        )
    sent = recorder.last.request.url
    assert sent.path.endswith(f"{STOCK}/Balance")
    assert sent.params["Period"] == "datetime'2024-06-01T00:00:00'"
    assert sent.params["Dimensions"] == "'Номенклатура,Склад'"
    got = {(r["Номенклатура_Key"], r["Склад_Key"]): r["КоличествоBalance"] for r in rows}
    assert got == stock_balance(records, BALANCE_AT)
    assert got  # the demo base has stock


async def test_balance_condition_and_result_options() -> None:
    client, _ = in_process_client(demo_app(demo_base()))
    async with client:
        warehouse = (await client.odata.query("Catalog_Склады", QueryOptions(top=1)))[0]
        condition = F("Склад_Key") == Guid(warehouse["Ref_Key"])
        rows = await client.odata.virtual_table(
            STOCK, "Balance", {"Period": BALANCE_AT, "Condition": condition}
        )
        top = await client.odata.virtual_table(
            STOCK,
            "Balance",
            {"Period": BALANCE_AT},
            select=["Номенклатура_Key", "КоличествоBalance"],
            filter=F("КоличествоBalance") > 50,
            order_by=["КоличествоBalance desc"],
            top=3,
        )
        with pytest.raises(OneCNotSupported):  # 1C answers 501 for an accounting parameter
            await client.odata.virtual_table(STOCK, "Balance", {"AccountCondition": "x"})
        with pytest.raises(ValueError, match="virtual table"):
            await client.odata.virtual_table(STOCK, "Остатки")
    assert rows and {row["Склад_Key"] for row in rows} == {warehouse["Ref_Key"]}
    balances = [row["КоличествоBalance"] for row in top]
    assert balances == sorted(balances, reverse=True) and len(balances) <= 3
    assert all(value > 50 for value in balances)
    assert all(set(row) == {"Номенклатура_Key", "КоличествоBalance"} for row in top)


async def test_slice_last_is_the_latest_price_per_item_and_kind() -> None:
    at = datetime(2024, 2, 15)
    with served(demo_app(demo_base())) as url:  # over a real socket
        async with OneCClient(socket_settings(url)) as client:
            records = await client.odata.query(PRICES, QueryOptions())
            rows = await client.odata.virtual_table(PRICES, "SliceLast", {"Period": at})
    latest: dict[tuple[str, str], tuple[str, Decimal]] = {}
    for record in records:
        key = (record["Номенклатура_Key"], record["ВидЦены_Key"])
        if datetime.fromisoformat(record["Period"]) <= at and (
            key not in latest or record["Period"] > latest[key][0]
        ):
            latest[key] = (record["Period"], record["Цена"])
    got = {(r["Номенклатура_Key"], r["ВидЦены_Key"]): (r["Period"], r["Цена"]) for r in rows}
    assert got == latest
    assert got
