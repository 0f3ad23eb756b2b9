"""Where a full sync's CPU goes: each stage of the pipeline alone, on one thread, over the
very pages a full sync of the emulated catalog reads into SQLite.

The engine runs these stages on two threads (HTTP + decoding on the event loop, mapping
and writing on the database thread) that share one GIL, so the sum of the stages, not
the slowest one, bounds a sync; this table says which stage to work on next.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from bench.auth import PASSWORD, USER, auth_header
from bench.limit import page_urls
from bench.report import Line, Scenario
from onec_bridge.contract.loader import load_contract
from onec_bridge.mapping.storage import StorageMapper
from onec_bridge.mapping.wire_rows import page_decoder, wire_row_type
from onec_bridge.onec.transport import decode_json
from onec_bridge.store.database import Database
from onec_bridge.store.upsert import bulk_upsert
from onec_bridge.sync.entity_plan import DATA_VERSION, EntityPlan
from onec_bridge.sync.run_state import RunState

__all__ = ["breakdown"]

CONTRACT = Path(__file__).with_name("contract.yaml")
BATCH_ROWS = 10_000


def _bodies(odata_url: str) -> list[bytes]:
    """Every page of the item set, as the engine asks for them (keyset ranges on Code)."""
    with requests.Session() as session:
        session.headers.update(auth_header())
        bodies = []
        for url in page_urls(odata_url, session):
            answer = session.get(url, timeout=120)
            answer.raise_for_status()
            bodies.append(answer.content)
    return bodies


def _cpu(stage: Callable[[], Any]) -> tuple[float, Any]:
    started = time.thread_time()
    result = stage()
    return time.thread_time() - started, result


def breakdown(odata_url: str, onec_url: str) -> Scenario:
    bodies = _bodies(odata_url)
    with tempfile.TemporaryDirectory(prefix="onec-breakdown-") as directory:
        environ = {
            "ONEC_URL": onec_url,
            "ONEC_USER": USER,
            "ONEC_PASSWORD": PASSWORD,
            "DATABASE_URL": f"sqlite:///{directory}/breakdown.db",
        }
        contract = load_contract(CONTRACT, environ=environ)
        database = Database(contract)
        try:
            database.create_schema()
            return _measure(database, contract.entities["products"], bodies)
        finally:
            database.dispose()


def _measure(database: Database, entity: Any, bodies: list[bytes]) -> Scenario:
    plan = EntityPlan.build("products", entity, database.tables["products"], 1000)
    dialect = database.engine.dialect
    columns = plan.full_select()
    if plan.keyset and plan.keyset not in columns:
        columns.append(plan.keyset)
    decoder = page_decoder(wire_row_type(tuple(columns)))
    storage = StorageMapper(plan.mapper, plan.table, dialect)
    upsert = bulk_upsert(plan.table, dialect)
    state = RunState(database.state, plan.name)
    key_index = plan.mapper.columns.index(plan.entity.key[0])

    dict_s, _ = _cpu(lambda: [decode_json(body)["value"] for body in bodies])
    slot_s, pages = _cpu(lambda: [decoder.decode(body).value for body in bodies])
    map_s, mapped = _cpu(lambda: [storage.map(page).rows for page in pages])
    rows = [row for page in mapped for row in page]
    versions = [row.get(DATA_VERSION) for page in pages for row in page]
    write_s = versions_s = commit_s = 0.0
    for start in range(0, len(rows), BATCH_ROWS):
        batch = sorted(rows[start : start + BATCH_ROWS], key=lambda row: row[key_index])
        recorded = [
            (row[key_index], version, False)
            for row, version in zip(batch, versions[start : start + BATCH_ROWS], strict=True)
        ]
        with database.engine.connect() as conn:
            seconds, _ = _cpu(lambda: upsert.execute(conn, batch, bound=True))  # noqa: B023
            write_s += seconds
            seconds, _ = _cpu(lambda: state.record_versions(conn, recorded))  # noqa: B023
            versions_s += seconds
            started = time.perf_counter()
            conn.commit()
            commit_s += time.perf_counter() - started
    n = len(rows)
    total = slot_s + map_s + write_s + versions_s + commit_s
    scenario = Scenario(f"Where a full sync's CPU goes: {n:,} rows into SQLite, one thread")
    for stage, seconds, note in (
        ("decode JSON into dicts (before)", dict_s, "not in the total"),
        ("decode JSON into slots", slot_s, ""),
        ("map to stored values", map_s, ""),
        ("upsert rows (executemany)", write_s, ""),
        ("row versions (upsert)", versions_s, ""),
        ("commits (wall)", commit_s, "WAL writes and checkpoints"),
    ):
        share = "" if note.startswith("not") else f"{seconds / total * 100:.0f} % of the total"
        scenario.lines.append(Line(stage, "sqlite", n, seconds, share, extra=note))
    scenario.lines.append(Line("total", "sqlite", n, total, "100 %"))
    scenario.notes.append(
        f"{len(bodies)} pages read once from the emulator, then each stage timed alone "
        "(thread CPU); HTTP and the event loop, not listed, add the rest of a real run"
    )
    return scenario
