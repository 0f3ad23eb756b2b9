"""Incremental strategies against the emulated 1C, on SQLite and PostgreSQL, with deletes."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa

from onec_bridge.contract.model import Contract
from onec_bridge.emulator import EmulatorBase
from onec_bridge.store.database import Database
from onec_bridge.sync import exchange
from onec_bridge.sync.runner import run_sync
from tests.sync.conftest import contract_with, demo_contract
from tests.sync.equality import assert_equal_to_onec
from tests.sync.truth import app_table, assert_table_equals, onec_truth

CUSTOMERS = "Catalog_Контрагенты"
SALES = "Document_РеализацияТоваровУслуг"
PLAN = "ExchangePlan_ОбменССайтом"

CUSTOMER_ENTITY: dict[str, Any] = {
    "source": {"odata": CUSTOMERS},
    "incremental": "exchange_plan",
    "exchange_plan": {"plan": "ОбменССайтом", "node": "САЙТ"},
    "keyset": "Code",
    "deletion_flag": "is_deleted",
    "fields": {
        "id": "Ref_Key",
        "code": "Code",
        "name": "Description",
        "inn": "ИНН",
        "is_deleted": "DeletionMark",
    },
}


def _refs(base: EmulatorBase, set_name: str) -> list[str]:
    return [str(row[0]) for row in base.query(f'SELECT "Ref_Key" FROM "{set_name}" ORDER BY rowid')]


def _site_node(base: EmulatorBase) -> dict[str, Any]:
    for ref in _refs(base, PLAN):
        node = base.get(PLAN, ref)
        if node and node["Code"].strip() == "САЙТ":
            return node
    raise AssertionError("no САЙТ node")


def _pending(base: EmulatorBase, set_name: str) -> int:
    rows = base.query("SELECT count(*) FROM _changes WHERE set_name = ?", (set_name,))
    return int(rows[0][0])


async def test_exchange_plan_applies_packets_and_acknowledges_after_commit(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = contract_with(database_url, {"customers": CUSTOMER_ENTITY})
    entity = contract.entities["customers"]
    [first] = await run_sync(contract, transport=trade_transport)
    assert first.mode == "exchange_plan_full"
    assert _pending(onec_base, CUSTOMERS) == 0  # what was registered before the load: confirmed
    assert _site_node(onec_base)["ReceivedNo"] == "1"
    truth = await onec_truth(trade_transport, entity, CUSTOMERS)
    assert_table_equals(truth, app_table(contract, "customers"))

    refs = _refs(onec_base, CUSTOMERS)
    onec_base.update_object(CUSTOMERS, refs[0], {"Description": "Новое имя"})
    onec_base.set_deletion_mark(CUSTOMERS, refs[1], True)
    onec_base.delete_object(CUSTOMERS, refs[2])
    [new] = onec_base.insert_objects(CUSTOMERS, [{"Code": "999999999", "Description": "Новый"}])
    [second] = await run_sync(contract, transport=trade_transport)

    assert second.mode == "exchange_plan"
    counts = second.counts
    assert (counts.read, counts.inserted, counts.updated, counts.deleted) == (3, 1, 2, 1)
    assert counts.unchanged == 0  # only the packet was read, not the catalog
    assert _pending(onec_base, CUSTOMERS) == 0 and _site_node(onec_base)["ReceivedNo"] == "2"
    truth = await onec_truth(trade_transport, entity, CUSTOMERS)
    assert_table_equals(truth, app_table(contract, "customers"), flagged={(refs[2],)})
    assert app_table(contract, "customers")[(new,)]["name"] == "Новый"


async def test_exchange_packet_resent_after_a_crash_before_the_ack_is_applied_idempotently(
    database_url: str,
    onec_base: EmulatorBase,
    trade_transport: httpx2.AsyncBaseTransport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contract = contract_with(database_url, {"customers": CUSTOMER_ENTITY})
    entity = contract.entities["customers"]
    await run_sync(contract, transport=trade_transport)
    refs = _refs(onec_base, CUSTOMERS)
    onec_base.update_object(CUSTOMERS, refs[0], {"Description": "Изменён"})
    onec_base.delete_object(CUSTOMERS, refs[1])

    async def crash(*args: object) -> None:
        raise ConnectionError("killed between the commit and NotifyChangesReceived")

    monkeypatch.setattr(exchange, "acknowledge", crash)
    with pytest.raises(ConnectionError):
        await run_sync(contract, transport=trade_transport)
    assert app_table(contract, "customers")[(refs[0],)]["name"] == "Изменён"  # committed
    assert _site_node(onec_base)["ReceivedNo"] == "1"  # ... but not confirmed
    assert _pending(onec_base, CUSTOMERS) == 2
    monkeypatch.undo()

    [again] = await run_sync(contract, transport=trade_transport)

    counts = again.counts
    assert again.mode == "exchange_plan"
    assert (counts.read, counts.unchanged) == (1, 1)  # the same packet, sent again
    assert counts.inserted == counts.updated == counts.deleted == 0  # nothing applied twice
    assert _pending(onec_base, CUSTOMERS) == 0 and _site_node(onec_base)["ReceivedNo"] == "2"
    truth = await onec_truth(trade_transport, entity, CUSTOMERS)
    assert_table_equals(truth, app_table(contract, "customers"), flagged={(refs[1],)})


def _name_in_database_file(path: Path, ref: str, scratch: Path) -> str | None:
    """The customer's name as the database file alone holds it, without its WAL: what is
    left of the app database if the machine loses power and the WAL's tail with it."""
    copy = scratch / "database-file-only.db"
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as conn:
        row = conn.execute("SELECT name FROM customers WHERE id = ?", (ref,)).fetchone()
    copy.unlink()
    return None if row is None else str(row[0])


async def test_a_packet_is_on_disk_before_1c_is_told_to_forget_it(
    tmp_path: Path, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    """SQLite commits with synchronous=NORMAL reach the database file at a checkpoint; the
    acknowledgement waits for one, so a power loss after it loses no confirmed change."""
    path = tmp_path / "app.db"
    contract = contract_with(f"sqlite:///{path}", {"customers": CUSTOMER_ENTITY})
    await run_sync(contract, transport=trade_transport)
    ref = _refs(onec_base, CUSTOMERS)[0]
    onec_base.update_object(CUSTOMERS, ref, {"Description": "Уже на диске"})
    seen_at_ack: list[str | None] = []

    class WatchTheAck(httpx2.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            if "NotifyChangesReceived" in request.url.path:
                seen_at_ack.append(_name_in_database_file(path, ref, tmp_path))
            return await trade_transport.handle_async_request(request)

    [second] = await run_sync(contract, transport=WatchTheAck())

    assert (second.mode, second.counts.updated) == ("exchange_plan", 1)
    assert seen_at_ack == ["Уже на диске"]


ITEMS = "Catalog_Номенклатура"
#: the item catalog on the customers' node: one packet carries the changes of both
ITEM_ON_SITE_NODE: dict[str, Any] = {
    **CUSTOMER_ENTITY,
    "source": {"odata": ITEMS},
    "fields": {
        "id": "Ref_Key",
        "code": "Code",
        "name": "Description",
        "is_deleted": "DeletionMark",
    },
}


def _last_status(contract: Contract, entity: str) -> str:
    database = Database(contract)
    runs = database.state.runs
    query = sa.select(runs.c.status).where(runs.c.entity == entity).order_by(runs.c.id.desc())
    with database.engine.connect() as conn:
        status = conn.execute(query.limit(1)).scalar_one()
    database.dispose()
    return str(status)


async def test_entities_of_one_node_apply_one_packet_and_confirm_it_once(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = contract_with(
        database_url, {"customers": CUSTOMER_ENTITY, "items": ITEM_ON_SITE_NODE}
    )
    first = await run_sync(contract, ["customers"], transport=trade_transport)
    assert [(r.entity, r.mode) for r in first] == [
        ("customers", "exchange_plan_full"),
        ("items", "exchange_plan_full"),  # brought along: its changes are in the packet
    ]
    assert _site_node(onec_base)["ReceivedNo"] == "1"
    assert _pending(onec_base, CUSTOMERS) == _pending(onec_base, ITEMS) == 0

    customer, item = _refs(onec_base, CUSTOMERS)[0], _refs(onec_base, ITEMS)[5]
    onec_base.update_object(CUSTOMERS, customer, {"Description": "Клиент изменён"})
    onec_base.update_object(ITEMS, item, {"Description": "Товар изменён"})
    second = await run_sync(contract, ["items"], transport=trade_transport)

    assert [(r.entity, r.mode, r.counts.read, r.counts.updated) for r in second] == [
        ("customers", "exchange_plan", 1, 1),
        ("items", "exchange_plan", 1, 1),
    ]
    assert _site_node(onec_base)["ReceivedNo"] == "2"  # one confirmation, after both
    assert _pending(onec_base, CUSTOMERS) == _pending(onec_base, ITEMS) == 0
    assert app_table(contract, "customers")[(customer,)]["name"] == "Клиент изменён"
    assert app_table(contract, "items")[(item,)]["name"] == "Товар изменён"


async def test_a_node_entity_failing_confirms_nothing_and_the_packet_comes_again(
    database_url: str,
    onec_base: EmulatorBase,
    trade_transport: httpx2.AsyncBaseTransport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from onec_bridge.sync.page_writer import PageWriter

    contract = contract_with(
        database_url, {"customers": CUSTOMER_ENTITY, "items": ITEM_ON_SITE_NODE}
    )
    await run_sync(contract, transport=trade_transport)
    customer, item = _refs(onec_base, CUSTOMERS)[1], _refs(onec_base, ITEMS)[7]
    onec_base.update_object(CUSTOMERS, customer, {"Description": "Клиент 2"})
    onec_base.update_object(ITEMS, item, {"Description": "Товар 2"})
    write_pages = PageWriter.write_pages

    def items_fail(self: PageWriter, *args: Any) -> Any:
        if self.plan.name == "items":
            raise OSError("disk full while writing items")
        return write_pages(self, *args)

    monkeypatch.setattr(PageWriter, "write_pages", items_fail)
    with pytest.raises(OSError, match="disk full"):
        await run_sync(contract, transport=trade_transport)
    monkeypatch.undo()
    assert app_table(contract, "customers")[(customer,)]["name"] == "Клиент 2"  # committed
    assert _site_node(onec_base)["ReceivedNo"] == "1"  # ... but nothing confirmed
    assert _pending(onec_base, ITEMS) == 1
    assert _last_status(contract, "items") == "failed"

    again = await run_sync(contract, transport=trade_transport)

    assert [(r.entity, r.counts.unchanged, r.counts.updated) for r in again] == [
        ("customers", 1, 0),  # the same packet: applied before, nothing rewritten
        ("items", 0, 1),
    ]
    assert _site_node(onec_base)["ReceivedNo"] == "2"
    assert _pending(onec_base, CUSTOMERS) == _pending(onec_base, ITEMS) == 0
    assert app_table(contract, "items")[(item,)]["name"] == "Товар 2"


async def test_a_resumed_first_load_defers_its_nodes_packet_to_the_next_run(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    """items joins the customers' node and its first load dies halfway. Resuming it must not
    ask SelectChanges again (that would number later changes into the packet the load
    confirms), so the customers' packet waits one run, and nothing is confirmed early."""
    from tests.sync.test_pull import FailingAfter

    alone = contract_with(database_url, {"customers": CUSTOMER_ENTITY})
    await run_sync(alone, transport=trade_transport)
    both = contract_with(database_url, {"customers": CUSTOMER_ENTITY, "items": ITEM_ON_SITE_NODE})
    first, second = _refs(onec_base, CUSTOMERS)[2:4]
    onec_base.update_object(CUSTOMERS, first, {"Description": "Первое изменение"})
    with pytest.raises(Exception, match=r"network down|unreachable"):
        await run_sync(both, transport=FailingAfter(trade_transport, 8))
    assert _last_status(both, "items") == "failed"
    assert 0 < len(app_table(both, "items")) < onec_base.count(ITEMS)  # a checkpoint to resume
    onec_base.update_object(CUSTOMERS, second, {"Description": "Второе изменение"})
    [(loaded_item,), *_] = app_table(both, "items")  # loaded before the crash: not again
    onec_base.update_object(ITEMS, loaded_item, {"Description": "Товар после сбоя"})

    [deferred, loaded] = await run_sync(both, transport=trade_transport)

    assert (deferred.entity, deferred.mode, deferred.counts.read) == (
        "customers",
        "exchange_plan",
        0,
    )
    assert (loaded.entity, loaded.mode, loaded.resumed) == ("items", "exchange_plan_full", True)
    assert len(app_table(both, "items")) == onec_base.count(ITEMS)
    assert _site_node(onec_base)["ReceivedNo"] == "1"  # not confirmed: customers wait
    assert app_table(both, "customers")[(second,)]["name"] != "Второе изменение"

    [customers, items] = await run_sync(both, transport=trade_transport)

    assert (customers.mode, items.mode) == ("exchange_plan", "exchange_plan")
    assert customers.counts.updated >= 1
    assert _site_node(onec_base)["ReceivedNo"] == "2"
    assert _pending(onec_base, CUSTOMERS) == _pending(onec_base, ITEMS) == 0
    names = app_table(both, "customers")
    assert (names[(first,)]["name"], names[(second,)]["name"]) == (
        "Первое изменение",
        "Второе изменение",
    )
    # confirming a renumbered packet after the resumed load would have dropped this change
    assert app_table(both, "items")[(loaded_item,)]["name"] == "Товар после сбоя"


async def test_a_node_whose_packet_cannot_be_read_leaves_no_run_open(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    from tests.sync.test_pull import FailingAfter

    contract = contract_with(
        database_url, {"customers": CUSTOMER_ENTITY, "items": ITEM_ON_SITE_NODE}
    )
    await run_sync(contract, transport=trade_transport)
    with pytest.raises(Exception, match=r"network down|unreachable"):
        await run_sync(contract, transport=FailingAfter(trade_transport, 1))  # node read only
    assert _last_status(contract, "customers") == _last_status(contract, "items") == "failed"
    assert _site_node(onec_base)["ReceivedNo"] == "1"


async def test_pulling_one_exchange_entity_runs_it_as_its_nodes_only_entity(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    from onec_bridge.onec.client import OneCClient
    from onec_bridge.sync.entity_plan import EntityPlan
    from onec_bridge.sync.pull import PullEngine

    contract = contract_with(database_url, {"customers": CUSTOMER_ENTITY})
    database = Database(contract)
    database.create_schema()
    plan = EntityPlan.build(
        "customers", contract.entities["customers"], database.tables["customers"], 50
    )
    async with OneCClient(contract.onec, transport=trade_transport) as client:
        engine = PullEngine(client, database, "corr")
        try:
            result = await engine.pull(plan)
        finally:
            engine.close()
    database.dispose()
    assert (result.mode, result.status) == ("exchange_plan_full", "succeeded")
    assert _site_node(onec_base)["ReceivedNo"] == "1"


SALES_BY_DATE: dict[str, Any] = {
    "source": {"odata": SALES},
    "incremental": "modified_field",
    "modified_field": "Date",
    "overlap_seconds": 3600,
    "deletion_flag": "is_deleted",
    "fields": {
        "id": "Ref_Key",
        "number": "Number",
        "date": "Date",
        "is_deleted": "DeletionMark",
        "amount": {"from": "СуммаДокумента", "type": "decimal(15,2)"},
    },
}


async def test_modified_field_reads_a_window_and_never_detects_physical_deletes(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = contract_with(database_url, {"sales": SALES_BY_DATE})
    entity = contract.entities["sales"]
    await run_sync(contract, transport=trade_transport)
    by_date = [
        str(row[0]) for row in onec_base.query(f'SELECT "Ref_Key" FROM "{SALES}" ORDER BY "Date"')
    ]
    newest = str(onec_base.get(SALES, by_date[-1])["Date"])  # type: ignore[index]
    late = newest[:11] + "23:59:59"  # the same day, after the newest: inside any window
    onec_base.update_object(SALES, by_date[0], {"Date": late, "СуммаДокумента": 1.5})
    onec_base.update_object(SALES, by_date[1], {"СуммаДокумента": 2.5})  # old date: unseen
    onec_base.update_object(SALES, by_date[-2], {"DeletionMark": 1, "Date": late})
    onec_base.delete_object(SALES, by_date[2])  # physical: not seen by this strategy

    [window] = await run_sync(contract, transport=trade_transport)

    assert window.mode == "modified_field"
    assert window.counts.read < onec_base.count(SALES) // 2  # a window, not the whole set
    assert (window.counts.updated, window.counts.marked_deleted, window.counts.deleted) == (2, 1, 0)
    table = app_table(contract, "sales")
    assert str(table[(by_date[0],)]["amount"]) == "1.50"
    assert str(table[(by_date[1],)]["amount"]) != "2.50"  # outside the window, as documented
    assert table[(by_date[2],)]["is_deleted"] is False  # physical delete not detected

    [full] = await run_sync(contract, full=True, transport=trade_transport)
    assert full.mode == "full" and full.counts.deleted == 1
    truth = await onec_truth(trade_transport, entity, SALES)
    assert_table_equals(truth, app_table(contract, "sales"), flagged={(by_date[2],)})


async def test_full_strategy_rereads_everything_and_hard_deletes(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    entity_spec = {**CUSTOMER_ENTITY, "incremental": "full", "deletes": "hard"}
    del entity_spec["exchange_plan"]
    contract = contract_with(database_url, {"customers": entity_spec})
    entity = contract.entities["customers"]
    await run_sync(contract, transport=trade_transport)
    refs = _refs(onec_base, CUSTOMERS)
    onec_base.update_object(CUSTOMERS, refs[3], {"ИНН": "7700000000"})
    onec_base.delete_object(CUSTOMERS, refs[4])

    [again] = await run_sync(contract, transport=trade_transport)

    total = onec_base.count(CUSTOMERS)
    assert again.mode == "full"
    assert (again.counts.read, again.counts.updated, again.counts.deleted) == (total, 1, 1)
    assert again.counts.unchanged == total - 1  # unchanged rows are not rewritten
    assert_table_equals(
        await onec_truth(trade_transport, entity, CUSTOMERS), app_table(contract, "customers")
    )


async def test_exchange_packet_values_map_exactly_without_metadata(
    database_url: str, onec_base: EmulatorBase, onec_transport: httpx2.AsyncBaseTransport
) -> None:
    """Atom values of a packet are untyped text; the contract's converters must store exactly
    what a JSON read stores: decimals, Int64, dates (incl. the empty date), padded strings,
    GUIDs (incl. the empty one) and enums."""
    products = demo_contract(database_url).model_dump(by_alias=True)["entities"]["products"]
    products.update(
        incremental="exchange_plan",
        exchange_plan={"plan": "ОбменССайтом", "node": "САЙТ"},
    )
    products["fields"].pop("unit_id")  # its `references: units` entity is not in this contract
    contract = contract_with(database_url, {"products": products})
    [first] = await run_sync(contract, transport=onec_transport)
    assert first.mode == "exchange_plan_full"

    edited = onec_base.modify_items(25, seed=9)
    fresh = onec_base.insert_items(5, seed=10)
    [second] = await run_sync(contract, transport=onec_transport)

    assert second.mode == "exchange_plan"
    assert second.counts.read == len(edited) + len(fresh)
    assert second.counts.inserted == len(fresh)
    assert second.counts.skipped == 0
    assert_equal_to_onec(onec_base, contract, "products")
