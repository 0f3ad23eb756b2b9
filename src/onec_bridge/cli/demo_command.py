"""`onec-bridge demo`: the whole loop on the embedded default (SQLite + emulator).

1. start the emulator with a generated trade base;
2. full sync of units and items into SQLite;
3. change items in "1C" (edits, deletion marks, new items, a physical delete);
4. a second sync that reads only what changed; summary after each step.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from onec_bridge.cli.emulator_command import DEMO_PASSWORD, DEMO_USER, start_demo_emulator
from onec_bridge.cli.report import progress_bars, run_report
from onec_bridge.contract.loader import load_contract
from onec_bridge.contract.model import Contract
from onec_bridge.emulator import EmulatorBase
from onec_bridge.sync.counts import RunResult
from onec_bridge.sync.runner import new_correlation_id, run_sync

__all__ = ["DEMO_CONTRACT", "run_demo"]

DEMO_CONTRACT = Path(__file__).resolve().parents[3] / "examples" / "demo" / "contract.yaml"
ITEMS_SET = "Catalog_Номенклатура"


def run_demo(console: Console, *, items: int, database: Path, changes: int) -> None:
    contract_path = _contract_path()
    database = database.resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)

    started = time.perf_counter()
    with console.status(f"Generating a 1C base with {items:,} items and starting the emulator…"):
        base, handle = start_demo_emulator(items=items)
    url = handle.url
    console.print(
        f"[green]✓[/] 1C emulator at {url}/odata/standard.odata/ "
        f"({time.perf_counter() - started:.1f}s)"
    )
    environ = {
        "ONEC_URL": url,
        "ONEC_USER": DEMO_USER,
        "ONEC_PASSWORD": DEMO_PASSWORD,
        "DATABASE_URL": f"sqlite:///{database}",
    }
    contract = load_contract(contract_path, environ=environ)
    try:
        first = _sync(console, contract, "1. full sync")
        edited = _change_1c(base, changes)
        console.print(f"[green]✓[/] changed 1C: {edited}")
        second = _sync(console, contract, "2. changes only")
    finally:
        handle.stop()
    _where_is_the_data(console, database, first + second)
    console.print(f"Demo finished in {time.perf_counter() - started:.1f}s.")


def _contract_path() -> Path:
    local = Path("examples/demo/contract.yaml")
    return local if local.is_file() else DEMO_CONTRACT


def _sync(console: Console, contract: Contract, title: str) -> list[RunResult]:
    correlation_id = new_correlation_id()
    with progress_bars(console) as progress:
        results = asyncio.run(run_sync(contract, correlation_id=correlation_id, progress=progress))
    console.print(run_report(results, title))
    return results


def _change_1c(base: EmulatorBase, changes: int) -> str:
    rng = random.Random(7)
    edited = base.modify_items(changes, seed=11)
    marked = rng.sample(edited, k=min(25, len(edited)))
    for ref in marked:
        base.set_deletion_mark(ITEMS_SET, ref, True)
    inserted = base.insert_items(50, seed=13)
    removed = [ref for ref in edited if ref not in marked][:5]
    for ref in removed:
        base.delete_object(ITEMS_SET, ref)
    return (
        f"{len(edited)} items edited, {len(marked)} marked for deletion, "
        f"{len(inserted)} created, {len(removed)} deleted physically"
    )


def _where_is_the_data(console: Console, database: Path, results: list[RunResult]) -> None:
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT code, name, sku, price, is_deleted FROM products "
            "WHERE is_group = 0 ORDER BY code LIMIT 5"
        ).fetchall()
        total = conn.execute("SELECT count(*) FROM products").fetchone()[0]
    table = Table(title=f"products: {total:,} rows (first 5)", title_justify="left")
    for header in ("code", "name", "sku", "price", "is_deleted"):
        table.add_column(header)
    for row in rows:
        table.add_row(*(str(value) for value in row))
    console.print(table)
    console.print(
        f"The data is in [bold]{database}[/] (SQLite). Try:\n"
        f'  sqlite3 {database} "SELECT code, name, price FROM products LIMIT 10"\n'
        f'  sqlite3 {database} "SELECT * FROM onec_bridge_runs"'
    )
    console.print(
        "Run records: "
        + ", ".join(f"{r.entity} run {r.run_id} ({r.correlation_id})" for r in results)
    )
