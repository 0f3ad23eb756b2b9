"""Incremental strategies against the emulated 1C, on SQLite and PostgreSQL, with deletes."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from onec_bridge.emulator import EmulatorBase
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
