"""A tabular section synced by its owners' DataVersion (``incremental: data_version``), on
SQLite and PostgreSQL: a full first load that records the owners, then incremental runs
that fetch only the sections of changed owners and end equal to 1C."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import unquote

import httpx2
import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from onec_bridge.contract.model import Contract, Entity, IncrementalStrategy
from onec_bridge.emulator import EmulatorBase
from onec_bridge.sync.entity_plan import EntityPlan
from onec_bridge.sync.runner import run_sync
from tests.sync.conftest import contract_with
from tests.sync.test_sources import LINES, LINES_ENTITY, SALES
from tests.sync.truth import app_table, assert_table_equals, onec_truth

SECTION = "Товары"


class Recording(httpx2.AsyncBaseTransport):
    """Passes requests through and keeps their decoded URLs."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.urls: list[str] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.urls.append(unquote(str(request.url)))
        return await self.inner.handle_async_request(request)

    def section_fetches(self) -> list[str]:
        """Requests that fetched owners by key (``Ref_Key eq …`` chains)."""
        return [url for url in self.by_key() if not _asks_only_for_keys(url)]

    def confirmations(self) -> list[str]:
        """Requests that asked which unlisted owners 1C still has (``sync.unlisted``)."""
        return [url for url in self.by_key() if _asks_only_for_keys(url)]

    def by_key(self) -> list[str]:
        return [url for url in self.urls if "Ref_Key eq guid" in url]


def _asks_only_for_keys(url: str) -> bool:
    return "$select=Ref_Key&" in url or url.endswith("$select=Ref_Key")


def _owners(base: EmulatorBase, lines_at_least: int = 1) -> list[str]:
    rows = base.query(
        f'SELECT "Ref_Key" FROM "{LINES}" GROUP BY "Ref_Key" '
        f'HAVING count(*) >= ? ORDER BY "Ref_Key"',
        (lines_at_least,),
    )
    return [str(row[0]) for row in rows]


def _line_count(base: EmulatorBase) -> int:
    return int(base.scalar(f'SELECT count(*) FROM "{LINES}"'))


def _contract(database_url: str) -> Contract:
    return contract_with(database_url, {"sale_lines": copy.deepcopy(LINES_ENTITY)})


async def _assert_equal(
    transport: httpx2.AsyncBaseTransport,
    contract: Contract,
    flagged: set[Any] = frozenset(),  # type: ignore[assignment]
) -> None:
    entity = contract.entities["sale_lines"]
    truth = await onec_truth(transport, entity, LINES)
    assert_table_equals(truth, app_table(contract, "sale_lines"), flagged=flagged)


async def test_first_load_then_lines_edited_added_and_removed(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = _contract(database_url)
    [first] = await run_sync(contract, transport=trade_transport)
    assert first.mode == "full" and first.counts.inserted == _line_count(onec_base)
    edited, added, shortened, renumbered = _owners(onec_base, lines_at_least=3)[:4]
    lines = {
        owner: onec_base.section_lines(SALES, owner, SECTION)
        for owner in (edited, added, shortened, renumbered)
    }
    onec_base.write_section(
        SALES, edited, SECTION, [{**lines[edited][0], "Количество": 77.0}, *lines[edited][1:]]
    )
    onec_base.write_section(SALES, added, SECTION, [*lines[added], {**lines[added][0]}])
    onec_base.write_section(SALES, shortened, SECTION, lines[shortened][:-1])
    # the first line removed: 1C renumbers, so every line moves up and the last key goes
    onec_base.write_section(SALES, renumbered, SECTION, lines[renumbered][1:])
    recording = Recording(trade_transport)

    [second] = await run_sync(contract, transport=recording)

    assert second.mode == "data_version"
    size = {owner: len(rows) for owner, rows in lines.items()}
    counts = second.counts
    # read: every line of the four changed owners, as 1C sends them now
    assert (
        counts.read == size[edited] + size[added] + 1 + size[shortened] - 1 + size[renumbered] - 1
    )
    assert counts.inserted == 1  # the added line
    # the edited line, and each line of `renumbered` now holding its successor's values
    moved = sum(
        lines[renumbered][index] != lines[renumbered][index + 1]
        for index in range(size[renumbered] - 1)
    )
    assert counts.updated == 1 + moved
    assert counts.deleted == 2  # the last line of `shortened` and of `renumbered`
    assert counts.unchanged == counts.read - counts.inserted - counts.updated
    fetched = " ".join(recording.section_fetches())
    for owner in lines:
        assert owner in fetched
    assert fetched.count("Ref_Key eq guid") == 4  # the changed owners and no other
    await _assert_equal(trade_transport, contract)


async def test_an_unchanged_section_costs_only_the_owners_listing(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = _contract(database_url)
    await run_sync(contract, transport=trade_transport)
    recording = Recording(trade_transport)

    [second] = await run_sync(contract, transport=recording)

    assert second.mode == "data_version"
    assert vars(second.counts) == vars(type(second.counts)())  # nothing read, nothing written
    assert recording.section_fetches() == []
    listings = [url for url in recording.urls if f"/{SALES}?" in url]
    assert listings and all(f"{SECTION}" not in url for url in listings)
    assert all("$select=DataVersion,Date,Ref_Key" in url for url in listings)


async def test_owner_deleted_and_owner_marked_for_deletion(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = _contract(database_url)
    await run_sync(contract, transport=trade_transport)
    deleted, marked = _owners(onec_base)[:2]
    deleted_lines = len(onec_base.section_lines(SALES, deleted, SECTION))
    marked_lines = len(onec_base.section_lines(SALES, marked, SECTION))
    onec_base.delete_object(SALES, deleted)
    onec_base.set_deletion_mark(SALES, marked, True)
    recording = Recording(trade_transport)

    [second] = await run_sync(contract, transport=recording)

    # the marked owner is a changed owner whose lines did not change
    assert (second.counts.read, second.counts.unchanged) == (marked_lines, marked_lines)
    assert (second.counts.updated, second.counts.inserted) == (0, 0)
    # the deleted owner's lines go by the delete rule (hard)
    assert second.counts.deleted == deleted_lines
    assert [marked in url for url in recording.section_fetches()] == [True]
    assert [deleted in url for url in recording.confirmations()] == [True]  # gone: confirmed
    await _assert_equal(trade_transport, contract)
    with sa.create_engine(database_url).connect() as conn:
        owners = conn.execute(
            sa.text("SELECT row_key FROM onec_bridge_row_versions WHERE entity = :e"),
            {"e": "sale_lines#owners"},
        ).scalars()
        assert deleted not in set(owners)  # the gone owner's version is forgotten too

    [third] = await run_sync(contract, transport=trade_transport)
    assert third.counts.read == third.counts.deleted == 0


async def test_full_resync_records_owners_and_the_next_run_is_incremental(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = _contract(database_url)
    await run_sync(contract, transport=trade_transport)
    owner = _owners(onec_base, lines_at_least=2)[0]
    lines = onec_base.section_lines(SALES, owner, SECTION)
    onec_base.write_section(SALES, owner, SECTION, lines[:1])

    [full] = await run_sync(contract, transport=trade_transport, full=True)
    assert full.mode == "full" and full.counts.deleted == len(lines) - 1
    await _assert_equal(trade_transport, contract)
    onec_base.write_section(SALES, owner, SECTION, lines)  # the lines come back
    recording = Recording(trade_transport)

    [after] = await run_sync(contract, transport=recording)

    assert after.mode == "data_version"
    assert (after.counts.read, after.counts.inserted) == (len(lines), len(lines) - 1)
    assert len(recording.section_fetches()) == 1
    await _assert_equal(trade_transport, contract)


async def test_incremental_full_strategy_keeps_reading_every_owner(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    entity = {**copy.deepcopy(LINES_ENTITY), "incremental": "full"}
    contract = contract_with(database_url, {"sale_lines": entity})
    await run_sync(contract, transport=trade_transport)

    [second] = await run_sync(contract, transport=trade_transport)

    assert second.mode == "full"
    assert second.counts.read == second.counts.unchanged == _line_count(onec_base)


@pytest.mark.parametrize("strategy", ["modified_field", "exchange_plan"])
def test_a_tabular_section_refuses_strategies_of_objects(strategy: str) -> None:
    entity = {
        **copy.deepcopy(LINES_ENTITY),
        "incremental": strategy,
        "modified_field": "Date",
        "exchange_plan": {"plan": "ОбменССайтом", "node": "САЙТ"},
    }
    with pytest.raises(ValidationError) as raised:
        contract_with("sqlite://", {"sale_lines": entity})
    message = str(raised.value)
    assert f"incremental: {strategy} is not supported for the tabular section {LINES}" in message
    assert "use `incremental: data_version`" in message and "`incremental: full`" in message


def test_data_version_on_a_tabular_section_needs_the_owner_and_line_key() -> None:
    entity = Entity.model_validate(
        {
            **copy.deepcopy(LINES_ENTITY),
            "key": ["product_id", "line_number"],
        }
    )
    with pytest.raises(ValueError, match=r"entities\.lines\.key: .*Ref_Key.*LineNumber"):
        EntityPlan.build("lines", entity, sa.Table("lines", sa.MetaData()), 100)
    full = entity.model_copy(update={"incremental": IncrementalStrategy.FULL})
    assert EntityPlan.build("lines", full, sa.Table("lines", sa.MetaData()), 100)


async def test_sections_that_are_all_empty_still_sync_incrementally(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    """No line is stored, but the owners are: the second run lists owners and reads nothing."""
    for owner in _owners(onec_base):
        onec_base.write_section(SALES, owner, SECTION, [])
    contract = _contract(database_url)
    [first] = await run_sync(contract, transport=trade_transport)
    assert first.mode == "full" and first.counts.inserted == 0
    recording = Recording(trade_transport)

    [second] = await run_sync(contract, transport=recording)

    assert second.mode == "data_version"
    assert recording.section_fetches() == []
    owner = str(onec_base.query(f'SELECT "Ref_Key" FROM "{SALES}" LIMIT 1')[0][0])
    onec_base.write_section(SALES, owner, SECTION, [{"Количество": 2}])
    [third] = await run_sync(contract, transport=trade_transport)
    assert third.mode == "data_version" and third.counts.inserted == 1
    await _assert_equal(trade_transport, contract)


class MovesAnOwnerBack(httpx2.AsyncBaseTransport):
    """Once the first page of the owners' listing is served, dates the owner listed last
    before every other: a 1C user re-dating it mid-run. This run never lists it."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, base: EmulatorBase, ref: str) -> None:
        self.inner, self.base, self.ref = inner, base, ref
        self.moved = False

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        url = unquote(str(request.url))
        if not self.moved and SALES in url and "DataVersion" in url and "$top" in url:
            self.moved = self.base.update_object(SALES, self.ref, {"Date": "2023-01-01T00:00:00"})
        return response


async def test_an_owner_the_listing_missed_keeps_its_lines(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    """`deletes: hard` would have removed the lines of an owner 1C still has."""
    contract = _contract(database_url)
    contract.onec.page_size = 1  # listing pages of 10 of the 30 owners
    await run_sync(contract, transport=trade_transport)
    [last] = onec_base.query(f'SELECT "Ref_Key" FROM "{SALES}" ORDER BY "Date" DESC LIMIT 1')
    owner = str(last[0])
    owner_lines = {key for key in app_table(contract, "sale_lines") if key[0] == owner}
    assert owner_lines
    transport = MovesAnOwnerBack(trade_transport, onec_base, owner)

    [result] = await run_sync(contract, transport=transport)

    assert transport.moved and (result.mode, result.status) == ("data_version", "succeeded")
    assert {key for key in app_table(contract, "sale_lines") if key[0] == owner} == owner_lines
    assert result.counts.deleted == 0
    assert result.warnings and result.warnings[0].startswith(f"1 row(s), e.g. {owner}:")
    [again] = await run_sync(contract, transport=trade_transport)
    assert not again.warnings
    await _assert_equal(trade_transport, contract)
