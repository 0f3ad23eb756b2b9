"""The pull engine: read -> map -> write -> checkpoint, page by page, for one entity.

Reading and writing overlap: a reader task fetches the next page from 1C while
the database thread commits the previous one. Each page commits with its
checkpoint in one transaction, so a crash anywhere resumes from the last page
committed, with no row lost or written twice. Deletions are found at the end of
a complete listing: every key not seen by this run is gone from 1C.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog

from onec_bridge.onec.client import OneCClient
from onec_bridge.store.database import Database
from onec_bridge.sync.counts import RunCounts, RunResult
from onec_bridge.sync.entity_plan import EntityPlan
from onec_bridge.sync.page_writer import PageWriter, SourcePage

__all__ = ["ProgressCallback", "PullEngine"]

log = structlog.get_logger("onec_bridge.sync")
T = TypeVar("T")
ProgressCallback = Callable[[str, int, int | None], None]
#: rows committed per transaction at most (whole pages; the last page's cursor is the
#: checkpoint); bigger batches cost fewer commits and hit indexes in better order
BATCH_ROWS = 10_000


@dataclass
class PullEngine:
    """Pulls entities from one 1C base into one database."""

    client: OneCClient
    database: Database
    correlation_id: str
    progress: ProgressCallback | None = None
    force: bool = False
    _executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="onec-bridge-db")
    )

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run database work on the single database thread (SQLite connections stay on it)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    async def pull(self, plan: EntityPlan, *, full: bool = False) -> RunResult:
        started = time.perf_counter()
        writer = PageWriter(self.database, plan)
        opened = await self._db(writer.open_run, "full" if full else "auto", self.correlation_id)
        structlog.contextvars.bind_contextvars(entity=plan.name, run_id=opened.run_id)
        self.force = full
        first_load = full or not await self._db(writer.has_history)
        mode = "full" if first_load or not plan.uses_data_version else "data_version"
        log.info(
            "sync.start",
            entity_set=plan.entity_set,
            mode=mode,
            resumed=opened.resumed,
            cursor=opened.cursor,
        )
        counts = opened.counts
        result = RunResult(
            plan.name,
            opened.run_id,
            self.correlation_id,
            mode,
            "running",
            0.0,
            counts,
            opened.resumed,
        )
        try:
            total = await self.client.odata.count(plan.entity_set, filter=plan.entity.filter)
            assume_new = first_load and not full and not opened.resumed
            await self._stream(
                plan, writer, opened.run_id, opened.cursor, mode, counts, total, assume_new
            )
            counts.add(await self._db(writer.finish_listing, opened.run_id))
            await self._db(writer.close_run, opened.run_id, "succeeded", counts, None)
            result.status = "succeeded"
        except Exception as exc:
            result.status = "failed"
            result.errors.append(str(exc))
            await self._db(writer.close_run, opened.run_id, "failed", counts, str(exc))
            log.error("sync.failed", error=str(exc), error_type=type(exc).__name__)
            raise
        finally:
            result.seconds = time.perf_counter() - started
            structlog.contextvars.unbind_contextvars("entity", "run_id")
        log.info(
            "sync.done",
            **vars(counts),
            seconds=round(result.seconds, 3),
            rows_per_second=round(result.rows_per_second),
        )
        return result

    async def _stream(
        self,
        plan: EntityPlan,
        writer: PageWriter,
        run_id: int,
        cursor: Any,
        mode: str,
        counts: RunCounts,
        total: int | None,
        assume_new: bool,
    ) -> None:
        depth = max(2, BATCH_ROWS // max(1, plan.page_size))
        queue: asyncio.Queue[SourcePage | Exception | None] = asyncio.Queue(depth)
        reader = asyncio.create_task(self._read(plan, writer, cursor, mode, queue, assume_new))
        try:
            finished = False
            while not finished:
                batch, end = await _next_batch(queue)
                if batch:
                    page_counts = await self._db(writer.write_pages, run_id, batch, counts)
                    counts.add(page_counts)
                    if self.progress:
                        self.progress(plan.name, counts.read, total)
                if isinstance(end, Exception):
                    raise end
                finished = end is None
            await reader
        finally:
            if not reader.done():
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)

    async def _read(
        self,
        plan: EntityPlan,
        writer: PageWriter,
        cursor: Any,
        mode: str,
        queue: asyncio.Queue[SourcePage | Exception | None],
        assume_new: bool,
    ) -> None:
        """Producer: list pages (a bounded number of requests in flight, never more than the
        contract's ``resilience.max_concurrency``), fetch what changed, hand pages over in
        order."""
        full = mode == "full"
        select = plan.full_select() if full else plan.listing_select()
        pages = self.client.odata.iter_pages(
            plan.entity_set,
            select=select,
            filter=plan.resume_filter(cursor),
            order_by=plan.order_by,
            page_size=plan.page_size,
            keyset=plan.entity.keyset,
            max_in_flight=self.client.settings.resilience.max_concurrency,
        )
        try:
            async for listing in pages:
                if assume_new:
                    page = writer.classify(listing, assume_new=True)  # no database work
                else:
                    page = await self._db(writer.classify, listing, full and self.force)
                if not full and page.to_fetch:
                    page.rows = await self.client.odata.get_many(
                        plan.entity_set, page.to_fetch, select=plan.full_select()
                    )
                await queue.put(page)
        except Exception as exc:  # handed to the consumer, which raises it in the run's context
            await queue.put(exc)
            return
        await queue.put(None)


async def _next_batch(
    queue: asyncio.Queue[SourcePage | Exception | None],
) -> tuple[list[SourcePage], Exception | bool | None]:
    """Whole pages ready in the queue, up to ``BATCH_ROWS`` rows (at least one page), and
    what ended the batch: None (end of listing), an exception, or False (more to come)."""
    batch: list[SourcePage] = []
    rows = 0
    item = await queue.get()
    while True:
        if item is None or isinstance(item, Exception):
            return batch, item
        batch.append(item)
        rows += item.listed
        if rows >= BATCH_ROWS or queue.empty():
            return batch, False
        item = queue.get_nowait()
