"""A run killed just before any one of its commits, then resumed, ends equal to 1C.

``kill -9`` lands between two transactions of the pull engine; which pair depends on
timing in the crash soak (``tests/reliability``). Here the kill is deterministic: the
Nth commit of the engine's database thread raises instead of committing, for every N of
a ``data_version`` run, so each gap between two commits is hit once. The exception is a
``BaseException``, as uncatchable for the engine as SIGKILL: no "failed" record is
written, the run and its checkpoint stay as the last commit left them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from onec_bridge.emulator import EmulatorBase
from onec_bridge.store.database import Database
from onec_bridge.sync import pull
from onec_bridge.sync.runner import run_sync
from tests.sync.conftest import contract_with, demo_contract
from tests.sync.equality import assert_equal_to_onec
from tests.sync.test_sources import LINES, LINES_ENTITY
from tests.sync.truth import app_table, assert_table_equals, onec_truth

ITEMS_SET = "Catalog_Номенклатура"
#: the pull engine's single database thread (``PullEngine._executor``)
DB_THREAD = "onec-bridge-db"


class Killed(BaseException):
    """The process died: nothing of the engine runs after it."""


@contextmanager
def killed_at_commit(number: int) -> Iterator[list[int]]:
    """Make the ``number``-th commit of the engine's database thread die before it commits
    (its transaction rolls back). Yields the count of commits attempted so far."""
    seen = [0]

    def on_commit(conn: sa.Connection) -> None:
        if not threading.current_thread().name.startswith(DB_THREAD):
            return  # lock heartbeats, schema set-up: not the engine's transactions
        seen[0] += 1
        if seen[0] == number:
            raise Killed(f"killed before commit {number}")

    event.listen(sa.Engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(sa.Engine, "commit", on_commit)


def _change_1c(base: EmulatorBase, round_number: int) -> set[str]:
    """Edits, inserts, deletion marks and physical deletes; returns the deleted refs."""
    refs = sorted(row[0] for row in base.query(f'SELECT "Ref_Key" FROM "{ITEMS_SET}"'))
    base.modify_items(10, seed=100 + round_number)
    base.insert_items(5, seed=200 + round_number)
    step = len(refs) // 7
    for index in (1, 2, 3):
        base.set_deletion_mark(ITEMS_SET, refs[index * step + round_number], True)
    gone = {refs[4 * step + round_number], refs[6 * step + round_number]}
    for ref in gone:
        base.delete_object(ITEMS_SET, ref)
    return gone


def _open_runs(database: Database) -> int:
    with database.engine.connect() as conn:
        runs = database.state.runs
        query = sa.select(sa.func.count()).where(runs.c.status == "running")
        return int(conn.execute(query).scalar_one())


async def test_a_run_killed_before_any_commit_resumes_to_equality(
    database_url: str,
    onec_base: EmulatorBase,
    onec_transport: httpx2.AsyncBaseTransport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # one listing page per batch: the same commits in every run, whatever the timing
    monkeypatch.setattr(pull, "BATCH_ROWS", 1)
    contract = demo_contract(database_url, page_size=50)
    await run_sync(contract, ["products"], transport=onec_transport)
    deleted: set[str] = set()
    number = 0
    while True:
        number += 1
        deleted |= _change_1c(onec_base, number)
        with killed_at_commit(number) as seen:
            try:
                [result] = await run_sync(contract, ["products"], transport=onec_transport)
            except Killed:
                killed = True
            else:
                killed = False
                assert result.status == "succeeded"
        if killed:
            database = Database(contract)
            try:
                assert _open_runs(database) <= 1  # left as a kill leaves it, not "failed"
            finally:
                database.dispose()
            [resumed] = await run_sync(contract, ["products"], transport=onec_transport)
            assert resumed.status == "succeeded"
            assert resumed.mode == "data_version"
        assert_equal_to_onec(onec_base, contract, "products", physically_deleted=deleted)
        if not killed:  # the run had fewer commits than ``number``: every gap was hit
            assert seen[0] == number - 1
            break
    assert number >= 4  # the open, two listing pages, the end


LINES_OWNER = "Document_РеализацияТоваровУслуг"  # the owner of ``LINES``


def _change_lines(base: EmulatorBase, round_number: int) -> None:
    """Every owner changed (so every listing page holds lines and commits alone): lines
    edited, added and removed in turn, one owner marked for deletion, one deleted."""
    owners = [str(row[0]) for row in base.query(f'SELECT "Ref_Key" FROM "{LINES_OWNER}"')]
    for index, owner in enumerate(sorted(owners)):
        lines = base.section_lines(LINES_OWNER, owner, "Товары")
        match (index + round_number) % 3:
            case 0 if lines:
                lines[0] = {**lines[0], "Количество": float(round_number)}
            case 1 if lines:
                lines.append(dict(lines[0]))
            case _:
                lines = lines[1:]
        base.write_section(LINES_OWNER, owner, "Товары", lines)
    base.set_deletion_mark(LINES_OWNER, owners[round_number], True)
    base.delete_object(LINES_OWNER, owners[-round_number])


async def test_a_tabular_section_run_killed_before_any_commit_resumes_to_equality(
    database_url: str,
    onec_base: EmulatorBase,
    trade_transport: httpx2.AsyncBaseTransport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pull, "BATCH_ROWS", 1)
    contract = contract_with(database_url, {"sale_lines": LINES_ENTITY})
    contract.entities["sale_lines"].page_size = 1  # listing pages of 10 owners
    entity = contract.entities["sale_lines"]
    await run_sync(contract, ["sale_lines"], transport=trade_transport)
    number = 0
    while True:
        number += 1
        _change_lines(onec_base, number)
        with killed_at_commit(number) as seen:
            try:
                [result] = await run_sync(contract, ["sale_lines"], transport=trade_transport)
            except Killed:
                killed = True
            else:
                killed = False
                assert result.status == "succeeded" and result.mode == "data_version"
        if killed:
            [resumed] = await run_sync(contract, ["sale_lines"], transport=trade_transport)
            assert resumed.status == "succeeded"
            assert resumed.mode == "data_version"
        truth = await onec_truth(trade_transport, entity, LINES)
        assert_table_equals(truth, app_table(contract, "sale_lines"))
        if not killed:  # the run had fewer commits than ``number``: every gap was hit
            assert seen[0] == number - 1
            break
    assert number >= 4  # the open, three listing pages of owners, the end
