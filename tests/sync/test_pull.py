"""The pull engine against the emulated 1C, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
import sqlalchemy as sa

from onec_bridge.emulator import EmulatorBase
from onec_bridge.store.database import Database
from onec_bridge.sync.runner import run_sync
from tests.sync.conftest import ITEMS, demo_contract
from tests.sync.equality import app_rows, assert_equal_to_onec, onec_rows

ITEMS_SET = "Catalog_Номенклатура"


async def test_full_sync_copies_every_row_exactly(
    database_url: str, onec_base: EmulatorBase, onec_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = demo_contract(database_url)
    results = await run_sync(contract, transport=onec_transport, correlation_id="c0ffee")
    by_entity = {result.entity: result for result in results}
    assert [result.entity for result in results] == ["units", "products"]  # dependency order
    products = by_entity["products"]
    total = onec_base.count(ITEMS_SET)
    assert total >= ITEMS
    assert (products.status, products.mode) == ("succeeded", "full")
    assert products.counts.read == products.counts.inserted == total
    assert products.counts.updated == products.counts.unchanged == products.counts.skipped == 0
    assert_equal_to_onec(onec_base, contract, "products")
    assert_equal_to_onec(onec_base, contract, "units")


async def test_second_sync_applies_only_the_changes(
    database_url: str, onec_base: EmulatorBase, onec_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = demo_contract(database_url)
    await run_sync(contract, ["products"], transport=onec_transport)
    edited = onec_base.modify_items(20, seed=5)
    fresh = onec_base.insert_items(7, seed=6)
    marked = [ref for ref in edited[:4]]
    for ref in marked:
        onec_base.set_deletion_mark(ITEMS_SET, ref, True)
    removed = edited[10:12]
    for ref in removed:
        onec_base.delete_object(ITEMS_SET, ref)

    [result] = await run_sync(contract, ["products"], transport=onec_transport)

    counts = result.counts
    total_now = onec_base.count(ITEMS_SET)
    assert result.mode == "data_version"
    assert counts.read == total_now
    assert counts.inserted == len(fresh)
    assert counts.updated == len(edited) - len(removed)
    assert counts.unchanged == total_now - len(fresh) - counts.updated
    assert counts.deleted == len(removed)
    assert counts.marked_deleted >= len(marked)
    assert_equal_to_onec(onec_base, contract, "products", physically_deleted=set(removed))


async def test_nothing_changed_writes_nothing(
    database_url: str, onec_base: EmulatorBase, onec_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = demo_contract(database_url)
    await run_sync(contract, ["products"], transport=onec_transport)
    [again] = await run_sync(contract, ["products"], transport=onec_transport)
    assert again.counts.unchanged == again.counts.read == onec_base.count(ITEMS_SET)
    assert again.counts.inserted == again.counts.updated == again.counts.deleted == 0


async def test_run_record_and_checkpoint(
    database_url: str, onec_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = demo_contract(database_url)
    [result] = await run_sync(contract, ["units"], transport=onec_transport, correlation_id="abc")
    database = Database(contract)
    with database.engine.connect() as conn:
        run = conn.execute(sa.select(database.state.runs)).mappings().one()
        checkpoints = conn.execute(sa.select(database.state.checkpoints)).all()
    database.dispose()
    assert run["correlation_id"] == "abc"
    assert run["status"] == "succeeded"
    assert run["rows_inserted"] == result.counts.inserted > 0
    assert run["finished_at"] is not None and run["finished_at"] >= run["started_at"]
    assert checkpoints == []  # removed once the run succeeded


class FailingAfter(httpx2.AsyncBaseTransport):
    """Passes requests through until ``budget`` runs out, then fails like a dead network."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, budget: int) -> None:
        self.inner = inner
        self.budget = budget

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.budget -= 1
        if self.budget < 0:
            raise httpx2.ConnectError("network down", request=request)
        return await self.inner.handle_async_request(request)


async def test_interrupted_run_resumes_from_checkpoint(
    database_url: str, onec_base: EmulatorBase, onec_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = demo_contract(database_url, page_size=50)
    with pytest.raises(Exception, match=r"network down|unreachable"):
        await run_sync(contract, ["products"], transport=FailingAfter(onec_transport, 5))
    database = Database(contract)
    with database.engine.connect() as conn:
        run = conn.execute(sa.select(database.state.runs)).mappings().one()
        checkpoint = conn.execute(sa.select(database.state.checkpoints)).mappings().one()
        written = conn.execute(
            sa.select(sa.func.count()).select_from(database.tables["products"])
        ).scalar_one()
    database.dispose()
    assert run["status"] == "failed"
    assert checkpoint["cursor"] is not None
    assert 0 < written < onec_base.count(ITEMS_SET)

    [resumed] = await run_sync(contract, ["products"], transport=onec_transport)

    assert resumed.resumed is True
    assert resumed.run_id == run["id"]
    assert resumed.counts.inserted == onec_base.count(ITEMS_SET)
    assert_equal_to_onec(onec_base, contract, "products")


async def test_bad_row_goes_to_dead_letters_and_the_rest_syncs(
    database_url: str, onec_base: EmulatorBase, onec_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = demo_contract(database_url)
    victim = onec_base.query(f'SELECT "Ref_Key" FROM "{ITEMS_SET}" WHERE "IsFolder" = 0 LIMIT 1')[
        0
    ][0]
    onec_base.update_object(ITEMS_SET, victim, {"Description": "Соль\x02поваренная"})

    [result] = await run_sync(contract, ["products"], transport=onec_transport)

    assert result.status == "succeeded"
    assert result.counts.skipped == 1
    assert result.counts.inserted == onec_base.count(ITEMS_SET) - 1
    database = Database(contract)
    with database.engine.connect() as conn:
        letter = conn.execute(sa.select(database.state.dead_letters)).mappings().one()
    database.dispose()
    assert letter["row_key"] == victim
    assert "control character" in letter["reason"]
    assert "column name" in letter["reason"]
    assert "Соль" in letter["payload"]
    # the victim's page went value by value (the reference path): its other rows, their
    # prices and dates included, are stored exactly as the fast path would store them
    expected = onec_rows(onec_base, contract, "products", skip={victim})
    assert app_rows(contract, "products") == expected


async def test_a_data_version_run_failing_mid_fetch_leaves_no_request_running(
    database_url: str, onec_base: EmulatorBase, onec_transport: httpx2.AsyncBaseTransport
) -> None:
    """Changed rows of several pages are fetched by one shared request group; when the run
    fails, none of them may go on in the background (nor report an unretrieved error)."""
    import asyncio

    contract = demo_contract(database_url, page_size=50)
    await run_sync(contract, ["products"], transport=onec_transport)
    onec_base.modify_items(300, seed=4)  # changes spread over every listing page
    failing = FailingAfter(onec_transport, 4)  # dies once the first fetches are out
    with pytest.raises(Exception, match=r"network down|unreachable"):
        await run_sync(contract, ["products"], transport=failing)
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    assert others == []
    [resumed] = await run_sync(contract, ["products"], transport=onec_transport)
    assert resumed.counts.updated <= 300
    assert_equal_to_onec(onec_base, contract, "products")


async def test_pages_classified_at_once_are_written_in_listing_order(
    postgres_url: str,
    onec_base: EmulatorBase,
    onec_transport: httpx2.AsyncBaseTransport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL two listing pages are compared at once, on two connections; the first
    one finishing last must still be written (and checkpointed) first."""
    import threading
    import time

    from onec_bridge.sync.page_writer import PageWriter

    contract = demo_contract(postgres_url, page_size=10)  # listing pages of 100 keys
    await run_sync(contract, ["products"], transport=onec_transport)
    onec_base.modify_items(40, seed=8)
    classify, write_pages = PageWriter.classify, PageWriter.write_pages
    threads: set[str] = set()
    written: list[str] = []

    def slow_first(self: PageWriter, listing: list[dict[str, Any]], **kw: bool) -> Any:
        threads.add(threading.current_thread().name)
        if len(threads) == 1 and not written:
            time.sleep(0.3)  # the first page's answer comes last
        return classify(self, listing, **kw)

    def recording(self: PageWriter, run_id: int, pages: list[Any], so_far: Any) -> Any:
        written.extend(str(page.cursor) for page in pages)
        return write_pages(self, run_id, pages, so_far)

    monkeypatch.setattr(PageWriter, "classify", slow_first)
    monkeypatch.setattr(PageWriter, "write_pages", recording)
    [result] = await run_sync(contract, ["products"], transport=onec_transport)

    assert result.mode == "data_version"
    assert len(threads) == 2
    assert len(written) >= 5
    assert written == sorted(written)
    assert result.counts.updated == 40
    assert_equal_to_onec(onec_base, contract, "products")


class MovesACodeBack(httpx2.AsyncBaseTransport):
    """Once the first listing page is served, gives the item listed last the lowest Code,
    as a 1C user renumbering it mid-run would: the listing has passed the new Code already
    and has not reached the old one, so this run never lists the item."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, base: EmulatorBase, ref: str) -> None:
        self.inner, self.base, self.ref = inner, base, ref
        self.moved = False

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        url = str(request.url)
        listing = "DataVersion" in url and ("$top" in url or "%24top" in url)
        if listing and not self.moved:
            self.moved = self.base.update_object(ITEMS_SET, self.ref, {"Code": "0"})
        return response


async def test_a_row_the_listing_missed_is_kept_when_1c_still_has_it(
    database_url: str, onec_base: EmulatorBase, onec_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = demo_contract(database_url, page_size=20)
    await run_sync(contract, ["products"], transport=onec_transport)
    [last] = onec_base.query(f'SELECT "Ref_Key" FROM "{ITEMS_SET}" ORDER BY "Code" DESC LIMIT 1')
    moved = str(last[0])
    removed = onec_base.modify_items(3, seed=9)[0]
    onec_base.delete_object(ITEMS_SET, removed)
    transport = MovesACodeBack(onec_transport, onec_base, moved)

    [result] = await run_sync(contract, ["products"], transport=transport)

    assert transport.moved and result.status == "succeeded"
    assert result.counts.deleted == 1  # the physical delete; the moved item is no deletion
    assert app_rows(contract, "products")[moved]["is_deleted"] is False
    assert result.warnings and result.warnings[0].startswith(f"1 row(s), e.g. {moved}:")
    [again] = await run_sync(contract, ["products"], transport=onec_transport)
    assert again.counts.updated >= 1 and not again.warnings  # listed now, with its new Code
    assert_equal_to_onec(onec_base, contract, "products", physically_deleted={removed})
