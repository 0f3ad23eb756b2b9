"""Run a sync of several entities with one client, one database and one correlation id."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence

import httpx2
import structlog

from onec_bridge.contract.model import Contract, Direction
from onec_bridge.logs import register_secret
from onec_bridge.onec.client import OneCClient
from onec_bridge.store.database import Database
from onec_bridge.store.locks import entity_lock
from onec_bridge.sync.counts import RunResult
from onec_bridge.sync.entity_plan import EntityPlan
from onec_bridge.sync.ordering import sync_steps
from onec_bridge.sync.pull import ProgressCallback, PullEngine

__all__ = ["new_correlation_id", "run_sync"]


def new_correlation_id() -> str:
    return uuid.uuid4().hex


async def run_sync(
    contract: Contract,
    entities: Sequence[str] | None = None,
    *,
    full: bool = False,
    correlation_id: str | None = None,
    progress: ProgressCallback | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
    force_schema: bool = False,
) -> list[RunResult]:
    """Pull the named entities (default: every 1C-mastered one) in dependency order. The
    entities one exchange-plan node feeds are pulled together, from one packet, even when
    only one of them is named (``sync.ordering.sync_steps``).

    ``force_schema`` applies contract changes that lose data (see ``store.migrate``);
    ``full`` also compares every destination table with the contract again (see
    ``store.fingerprints``).
    """
    correlation_id = correlation_id or new_correlation_id()
    register_secret(contract.onec.password.get_secret_value())
    names = (
        list(entities)
        if entities
        else [
            name
            for name, entity in contract.entities.items()
            if entity.direction is not Direction.APP_TO_ONEC
        ]
    )
    steps = sync_steps(contract, names)
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
    database = Database(contract)
    database.create_schema(force_schema=force_schema, recheck=full)
    results: list[RunResult] = []
    try:
        async with OneCClient(
            contract.onec, correlation_id=correlation_id, transport=transport
        ) as client:
            engine = PullEngine(client, database, correlation_id, progress, confirm_lock=True)
            try:
                for step in steps:
                    plans = [
                        EntityPlan.build(
                            name,
                            contract.entities[name],
                            database.tables[name],
                            contract.onec.page_size,
                        )
                        for name in step
                    ]
                    results.extend(await _pull_locked(engine, plans, full))
            finally:
                engine.close()
    finally:
        database.dispose()
        structlog.contextvars.unbind_contextvars("correlation_id")
    return results


async def _pull_locked(engine: PullEngine, plans: list[EntityPlan], full: bool) -> list[RunResult]:
    """Pull one entity, or the entities of one exchange-plan node, while holding each one's
    lock; a concurrent run fails fast with EntityLocked (and the locks taken are freed)."""
    database = engine.database
    async with contextlib.AsyncExitStack() as held:
        for plan in plans:
            lock = entity_lock(database.engine, database.state, plan.name, engine.correlation_id)
            await asyncio.to_thread(lock.acquire)
            held.push_async_callback(asyncio.to_thread, lock.release)
        if len(plans) > 1:  # the entities of one exchange-plan node
            return await engine.pull_node(plans, full=full)
        return [await engine.pull(plans[0], full=full)]
