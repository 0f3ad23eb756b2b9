"""The pull engine: read -> map -> write -> checkpoint, page by page, for one entity.

Reading and writing overlap: a reader task fetches the next page from 1C while
the database thread commits the previous one. Each page commits with its
checkpoint in one transaction, so a crash anywhere resumes from the last page
committed, with no row lost or written twice. Deletions are found at the end of
a complete listing: every key not seen by this run is gone from 1C.

Modes (chosen per run from the contract's ``incremental`` and the entity's state):
``full`` (first load, ``--full``, ``incremental: full``, sets without DataVersion),
``data_version``, ``modified_field`` (a window, no physical-delete detection),
``exchange_plan`` (one packet, shared by the entities of its node: ``pull_node``) and
``exchange_plan_full`` (the first load of an exchange-plan entity, confirmed afterwards).
A resumed run keeps its mode. A tabular section's ``data_version`` lists its owners and
fetches the sections of changed ones (:mod:`onec_bridge.sync.owner_versions`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
import structlog

from onec_bridge.contract.model import IncrementalStrategy
from onec_bridge.onec.atom import AtomFeed
from onec_bridge.onec.client import OneCClient
from onec_bridge.store.database import Database
from onec_bridge.store.locks import LockLost
from onec_bridge.sync import exchange
from onec_bridge.sync.counts import RunCounts, RunResult
from onec_bridge.sync.entity_plan import EntityPlan
from onec_bridge.sync.owner_versions import OwnerChanges, explode_section, owner_batch
from onec_bridge.sync.page_writer import PageWriter, SourcePage
from onec_bridge.sync.readers import (
    Listing,
    full_listing,
    listing_of_sets,
    prefetched,
    version_listing,
    with_cursors,
)
from onec_bridge.sync.run_state import OpenRun
from onec_bridge.sync.source_kinds import SourceKind
from onec_bridge.sync.unlisted import MISSED_HINT, still_in_onec

__all__ = ["ProgressCallback", "PullEngine"]

log = structlog.get_logger("onec_bridge.sync")
T = TypeVar("T")
Row = dict[str, Any]
ProgressCallback = Callable[[str, int, int | None], None]
#: what the producer queues: a page, a page being fetched, its failure, or the end (None)
Queued = SourcePage | asyncio.Task[SourcePage] | Exception | None
#: rows committed per transaction at most (whole pages; the last page's cursor is the
#: checkpoint); bigger batches cost fewer commits and hit indexes in better order
BATCH_ROWS = 10_000
#: changed keys of consecutive ``data_version`` pages fetched together: several full
#: ``eq … or …`` chains at the default URL limit (about 30 keys each)
FETCH_GROUP_KEYS = 200
#: listing pages a fetch group waits for at most (the writer waits for the group)
FETCH_GROUP_PAGES = 4
#: listing pages classified at once on PostgreSQL, each on its own connection: comparing
#: a page's versions in the server is a data_version run's slowest step (SQLite: one at a
#: time, on the database thread, whose connection stays there)
CLASSIFY_AHEAD = 2
FULL, DATA_VERSION, MODIFIED = "full", "data_version", "modified_field"
PACKET, PACKET_FULL = "exchange_plan", "exchange_plan_full"
#: modes whose listing is complete, so unseen keys are deletions
_COMPLETE_LISTINGS = (FULL, DATA_VERSION, PACKET_FULL)
_COUNTABLE = (SourceKind.OBJECT, SourceKind.REGISTER, SourceKind.CONSTANT)


@dataclass
class _EntityRun:
    """One entity's run: its writer, run record, mode and result."""

    plan: EntityPlan
    writer: PageWriter
    opened: OpenRun
    #: a first load that is not a resume: no stored versions to compare with
    assume_new: bool
    result: RunResult
    started: float

    @property
    def mode(self) -> str:
        return self.result.mode

    @property
    def counts(self) -> RunCounts:
        return self.opened.counts


@dataclass
class PullEngine:
    """Pulls entities from one 1C base into one database."""

    client: OneCClient
    database: Database
    correlation_id: str
    progress: ProgressCallback | None = None
    #: the runner holds each entity's lock (owner: the correlation id): every writing
    #: transaction confirms it still does, so a run whose lock was taken over stops
    confirm_lock: bool = False
    _executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="onec-bridge-db")
    )
    #: fetches of changed rows shared by a group of pages, cancelled with a failed stream
    _group_fetches: set[asyncio.Task[list[Row]]] = field(default_factory=set)
    _classifier: ThreadPoolExecutor = field(init=False)
    _classify_ahead: int = field(init=False)

    def __post_init__(self) -> None:
        if self.database.dialect == "sqlite":
            self._classifier, self._classify_ahead = self._executor, 1
        else:
            self._classifier = ThreadPoolExecutor(
                CLASSIFY_AHEAD, thread_name_prefix="onec-bridge-classify"
            )
            self._classify_ahead = CLASSIFY_AHEAD

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run database work on the single database thread (SQLite connections stay on it)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._classifier.shutdown(wait=True)

    async def pull(self, plan: EntityPlan, *, full: bool = False) -> RunResult:
        """One entity's run (an exchange-plan entity: as the only one of its node)."""
        if plan.entity.incremental is IncrementalStrategy.EXCHANGE_PLAN:
            [result] = await self.pull_node([plan], full=full)
            return result
        run = await self._open(plan, full)
        async with self._running(run):
            await self._load(run)
            await self._succeed(run)
        return run.result

    async def pull_node(
        self, plans: Sequence[EntityPlan], *, full: bool = False
    ) -> list[RunResult]:
        """The entities one exchange-plan node feeds (``sync.exchange``), in the given order:
        one ``SelectChanges`` for all of them, each entity's part applied and committed in
        its own run, then one ``NotifyChangesReceived``, only once every one has committed
        (the confirmation drops the whole packet). A failure stops the node's entities there,
        confirms nothing, and the next run gets the packet again."""
        spec = plans[0].entity.exchange_plan
        assert spec is not None
        runs: list[_EntityRun] = []
        waiting: deque[_EntityRun] = deque()  # opened, not run yet
        try:
            for plan in plans:
                runs.append(await self._open(plan, full))
                waiting.append(runs[-1])
            node = await exchange.read_node(self.client, spec)
            # a full load resumed after a crash confirms the number its first start gave;
            # asking again would number later changes into it, unloaded (``sync.exchange``)
            resuming = any(run.mode == PACKET_FULL and run.opened.resumed for run in runs)
            feed = None if resuming else await exchange.select_changes(self.client, node)
            while waiting:
                run = waiting.popleft()
                async with self._running(run):
                    if run.mode != PACKET:
                        await self._load(run)  # the node's first load (after the numbering)
                    elif feed is not None:
                        await self._apply_packet(run, feed, node)
                    else:
                        log.info("sync.packet_deferred", reason="a full load of the node resumes")
                    await self._succeed(run)
        except Exception as exc:
            for run in waiting:  # opened, never run: not left `running`
                await self._fail(run, exc, f"not run: the node's run stopped ({exc})")
            raise
        if feed is None and any(run.mode == PACKET for run in runs):
            return [run.result for run in runs]  # a deferred packet is confirmed next time
        try:  # only after every entity's rows are committed and on disk: at-least-once
            await self._db(self.database.make_durable)
            await exchange.acknowledge(self.client, node)
        except Exception as exc:
            for run in runs:
                await self._fail(run, exc)
            raise
        return [run.result for run in runs]

    async def _open(self, plan: EntityPlan, full: bool) -> _EntityRun:
        """Resume or open the entity's run record, in the mode its state calls for."""
        started = time.perf_counter()
        writer = PageWriter(self.database, plan)
        writer.lock_owner = self.correlation_id if self.confirm_lock else None
        history = await self._db(writer.has_history)
        first_load = full or not history
        if plan.uses_owner_versions and not full:
            # a section is incremental once a full load recorded its owners, even when no
            # line is stored (every section empty); lines stored without owners (synced
            # `full` before) need that full load first
            first_load = not await self._db(writer.owners_known)
        opened = await self._db(
            writer.open_run, _mode_for(plan, first_load), self.correlation_id, not history
        )
        mode = opened.mode
        if mode not in (FULL, DATA_VERSION, MODIFIED, PACKET, PACKET_FULL):
            mode = _mode_for(plan, first_load)  # a run recorded before modes were stored
        # a tabular section's incremental run lists its owners, not every line
        lines_listed = not (plan.uses_owner_versions and mode == DATA_VERSION)
        writer.track_listing = mode in _COMPLETE_LISTINGS and lines_listed
        writer.rewrite_all = full
        result = RunResult(
            plan.name, opened.run_id, self.correlation_id, mode, "running", 0.0, opened.counts
        )
        result.resumed = opened.resumed
        assume_new = not history and not full and not opened.resumed
        return _EntityRun(plan, writer, opened, assume_new, result, started)

    @contextlib.asynccontextmanager
    async def _running(self, run: _EntityRun) -> AsyncIterator[None]:
        """The run's log context and outcome: succeeded when the block ends, else failed
        (the run record too) and the error raised on."""
        structlog.contextvars.bind_contextvars(entity=run.plan.name, run_id=run.opened.run_id)
        log.info(
            "sync.start", source=run.plan.entity_set, mode=run.mode, resumed=run.opened.resumed
        )
        try:
            yield
            run.result.status = "succeeded"
        except Exception as exc:
            await self._fail(run, exc)
            raise
        finally:
            run.result.seconds = time.perf_counter() - run.started
            structlog.contextvars.unbind_contextvars("entity", "run_id")
        log.info(
            "sync.done",
            entity=run.plan.name,
            run_id=run.opened.run_id,
            **vars(run.counts),
            seconds=round(run.result.seconds, 3),
            rows_per_second=round(run.result.rows_per_second),
        )

    async def _fail(self, run: _EntityRun, exc: Exception, reason: str | None = None) -> None:
        """Record the run as failed with ``reason`` (default: the error)."""
        error = reason or str(exc)
        run.result.status = "failed"
        run.result.errors.append(error)
        if not isinstance(exc, LockLost):  # the run record is the new holder's now
            await self._db(run.writer.close_run, run.opened.run_id, "failed", run.counts, error)
        log.error("sync.failed", entity=run.plan.name, error=error, error_type=type(exc).__name__)

    async def _load(self, run: _EntityRun) -> None:
        """List and write the entity's pages in the run's mode (not a packet)."""
        plan, writer = run.plan, run.writer
        listings, covered = await self._listings(plan, writer, run.mode, run.opened.cursor)
        total = await self._total(plan, covered)
        await self._stream(
            plan, writer, run.opened.run_id, listings, run.mode, run.counts, total, run.assume_new
        )

    async def _succeed(self, run: _EntityRun) -> None:
        """The deletes (those 1C confirms), their digests dropped and the success record:
        one transaction."""
        writer, run_id = run.writer, run.opened.run_id
        unlisted = await self._db(writer.unlisted, run_id)
        in_flight = self.client.settings.resilience.max_concurrency
        refs = unlisted.refs(run.plan.single_ref_key)
        present = await still_in_onec(self.client, run.plan.entity_set, refs, in_flight)
        if present:
            example = min(present)
            run.result.warnings.append(f"{len(present)} row(s), e.g. {example}: {MISSED_HINT}")
            log.warning("sync.unlisted_rows_kept", rows=len(present), example=example)
            unlisted = unlisted.without(present)
        found = await self._db(writer.succeed, run_id, run.counts, unlisted)
        run.counts.add(found)

    async def _apply_packet(self, run: _EntityRun, feed: AtomFeed, node: exchange.Node) -> None:
        """The entity's part of the node's packet: upserted, its deleted keys removed."""
        plan, writer, counts = run.plan, run.writer, run.counts
        packet = exchange.packet_of(feed, plan, node.next_message)
        page = await self._db(writer.classify, packet.rows)
        page.cursor = {exchange.PACKET_CURSOR: packet.message_no}
        counts.add(await self._db(writer.write_pages, run.opened.run_id, [page], counts))
        if packet.deleted:
            counts.add(await self._db(writer.delete_keys, packet.deleted))
        log.info(
            "sync.packet",
            message_no=packet.message_no,
            entries=len(packet.rows),
            deleted=len(packet.deleted),
        )

    async def _listings(
        self, plan: EntityPlan, writer: PageWriter, mode: str, cursor: Any
    ) -> tuple[AsyncIterator[Listing], str | None]:
        """The pages to read in ``mode`` and the $filter they cover (for the total)."""
        in_flight = self.client.settings.resilience.max_concurrency
        if mode == DATA_VERSION:
            return version_listing(self.client, plan, cursor, in_flight), plan.entity.filter
        if mode == MODIFIED:
            newest = await self._db(_newest_value, writer, plan)
            since = plan.window_start(newest, cursor)
            if since is not None:
                window = plan.window_filter(since)
                field_name = str(plan.entity.modified_field)
                pages = listing_of_sets(
                    self.client,
                    plan,
                    plan.full_select(),
                    None,
                    1,
                    filter=window,
                    order_by=(field_name, *plan.key_sources),
                    keyset=None,  # $skip inside the window: it holds only recent changes
                )
                return with_cursors(plan, pages, field_name), window
        return full_listing(self.client, plan, cursor, in_flight), plan.entity.filter

    async def _total(self, plan: EntityPlan, filter: str | None) -> int | None:
        if plan.source.kind not in _COUNTABLE:
            return None
        return await self.client.odata.count(plan.entity_set, filter=filter)

    async def _stream(
        self,
        plan: EntityPlan,
        writer: PageWriter,
        run_id: int,
        listings: AsyncIterator[Listing],
        mode: str,
        counts: RunCounts,
        total: int | None,
        assume_new: bool,
    ) -> None:
        depth = max(2, BATCH_ROWS // max(1, plan.page_size))
        queue: asyncio.Queue[Queued] = asyncio.Queue(depth)
        if plan.uses_owner_versions and mode == DATA_VERSION:
            producer = self._read_changed_owners(plan, writer, listings, queue)
        else:
            producer = self._read(plan, writer, listings, mode, queue, assume_new)
        reader = asyncio.create_task(producer)
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
            await _cancel_fetches(queue)
            fetches = list(self._group_fetches)
            for fetch in fetches:  # a page queued but never run leaves its group's fetch
                fetch.cancel()
            await asyncio.gather(*fetches, return_exceptions=True)

    async def _read(
        self,
        plan: EntityPlan,
        writer: PageWriter,
        listings: AsyncIterator[Listing],
        mode: str,
        queue: asyncio.Queue[Queued],
        assume_new: bool,
    ) -> None:
        """Producer: list pages (a bounded number of requests in flight, never more than the
        contract's ``resilience.max_concurrency``; the next page is listed while this one is
        classified, and on PostgreSQL ``CLASSIFY_AHEAD`` pages are classified at once), start
        fetching what changed, hand pages over in order. Changed rows are fetched while the
        listing goes on: the page is queued as its fetch task, and the changed keys of
        consecutive pages are fetched together (``FETCH_GROUP_KEYS``), so chains run full
        length instead of ending half-empty on every page."""
        group: list[SourcePage] = []
        classifying: deque[tuple[Listing, asyncio.Future[SourcePage]]] = deque()
        try:
            async for listing in prefetched(listings):
                classifying.append((listing, self._classify(writer, listing.rows, assume_new)))
                if len(classifying) >= self._classify_ahead:
                    await self._take(plan, mode, queue, group, *classifying.popleft())
            while classifying:
                await self._take(plan, mode, queue, group, *classifying.popleft())
            await self._queue_group(plan, group, queue)
        except Exception as exc:  # handed to the consumer, which raises it in the run's context
            await queue.put(exc)
            return
        finally:
            for _listing, pending in classifying:
                pending.cancel()
        await queue.put(None)

    def _classify(
        self, writer: PageWriter, rows: list[Row], assume_new: bool
    ) -> asyncio.Future[SourcePage]:
        """The page split by the stored versions, as a future: compared on a classifying
        thread, or made here when the whole page is new (no database work)."""
        loop = asyncio.get_running_loop()
        if not assume_new:
            return loop.run_in_executor(self._classifier, writer.classify, rows)
        page = writer.classify(rows, assume_new=True)
        if writer.maps_on_reader:
            page.mapped = writer.map_page(page)
        made: asyncio.Future[SourcePage] = loop.create_future()
        made.set_result(page)
        return made

    async def _take(
        self,
        plan: EntityPlan,
        mode: str,
        queue: asyncio.Queue[Queued],
        group: list[SourcePage],
        listing: Listing,
        classified: asyncio.Future[SourcePage],
    ) -> None:
        """Queue a classified listing page, in listing order: as it is, or (data_version)
        as part of a group whose changed rows are fetched together."""
        page = await classified
        page.cursor = listing.cursor
        if listing.owners is not None:
            page.owners = listing.owners
        if mode == DATA_VERSION and (group or page.to_fetch):
            group.append(page)  # after a waiting page, even one with nothing to fetch
            if _group_full(group):
                await self._queue_group(plan, group, queue)
        else:
            await queue.put(page)

    async def _read_changed_owners(
        self,
        plan: EntityPlan,
        writer: PageWriter,
        listings: AsyncIterator[Listing],
        queue: asyncio.Queue[Queued],
    ) -> None:
        """Producer of a tabular section's incremental run: each page of the owners' listing
        is split by their stored versions and queued, in order, as the task that fetches
        the sections of its new and changed owners (several pages fetch at once)."""
        try:
            async for listing in prefetched(listings):
                changes = await self._db(writer.classify_owners, listing.rows)
                page = self._changed_owners_page(plan, writer, listing.cursor, changes)
                await queue.put(asyncio.create_task(page))
        except Exception as exc:  # handed to the consumer, which raises it in the run's context
            await queue.put(exc)
            return
        await queue.put(None)

    async def _changed_owners_page(
        self, plan: EntityPlan, writer: PageWriter, cursor: Any, changes: OwnerChanges
    ) -> SourcePage:
        """The lines of the changed owners of one listing page, split by their stored
        versions (an unchanged line is not rewritten), with the owners' state to commit."""
        owners = await self._fetch(plan, list(changes.changed))
        page = await self._db(writer.classify, explode_section(plan, owners))
        page.cursor = cursor
        page.owners = owner_batch(plan, owners, writer.owners, changes)
        return page

    async def _queue_group(
        self, plan: EntityPlan, group: list[SourcePage], queue: asyncio.Queue[Queued]
    ) -> None:
        """Start one fetch for the changed keys of ``group``'s pages and queue each page, in
        order, as a task that takes its own rows from it (each still commits alone with its
        checkpoint). Empties ``group``."""
        if not group:
            return
        pages = list(group)
        group.clear()
        keys = [key for page in pages for key in page.to_fetch]
        fetch = asyncio.create_task(self._fetch(plan, keys))
        self._group_fetches.add(fetch)
        fetch.add_done_callback(self._group_fetches.discard)
        for page in pages:
            await queue.put(asyncio.create_task(_with_fetched_rows(page, fetch, plan.key_source)))

    async def _fetch(self, plan: EntityPlan, keys: list[str]) -> list[Row]:
        """Whole rows of ``keys`` (chains in flight, within the cap)."""
        in_flight = self.client.settings.resilience.max_concurrency
        return await self.client.odata.get_many(
            plan.entity_set, keys, select=plan.full_select(), max_in_flight=in_flight
        )


def _group_full(group: list[SourcePage]) -> bool:
    """Enough changed keys for full chains, or pages enough to wait for."""
    keys = sum(len(page.to_fetch) for page in group)
    return keys >= FETCH_GROUP_KEYS or len(group) >= FETCH_GROUP_PAGES


async def _with_fetched_rows(
    page: SourcePage, fetch: asyncio.Task[list[Row]], key_source: str
) -> SourcePage:
    """``page`` with its changed rows, taken whole from the group's fetch (a key 1C no
    longer has is simply absent)."""
    wanted = set(page.to_fetch)
    page.rows = [row for row in await fetch if row.get(key_source) in wanted]
    return page


def _mode_for(plan: EntityPlan, first_load: bool) -> str:
    strategy = plan.entity.incremental
    if strategy is IncrementalStrategy.EXCHANGE_PLAN:
        return PACKET_FULL if first_load else PACKET
    if first_load:
        return FULL
    if strategy is IncrementalStrategy.MODIFIED_FIELD:
        return MODIFIED
    return DATA_VERSION if plan.uses_data_version or plan.uses_owner_versions else FULL


def _newest_value(writer: PageWriter, plan: EntityPlan) -> Any:
    column = plan.table.c[str(plan.modified_column)]
    with writer.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(column))).scalar()


async def _next_batch(
    queue: asyncio.Queue[Queued],
) -> tuple[list[SourcePage], Exception | bool | None]:
    """Whole pages ready in the queue, up to ``BATCH_ROWS`` rows (at least one page), and
    what ended the batch: None (end of listing), an exception, or False (more to come).
    A page still being fetched is waited for (its failure ends the batch)."""
    batch: list[SourcePage] = []
    rows = 0
    item = await queue.get()
    while True:
        if isinstance(item, asyncio.Task):
            try:
                item = await item
            except Exception as exc:
                return batch, exc
        if item is None or isinstance(item, Exception):
            return batch, item
        batch.append(item)
        rows += item.listed
        if rows >= BATCH_ROWS or queue.empty():
            return batch, False
        item = queue.get_nowait()


async def _cancel_fetches(queue: asyncio.Queue[Queued]) -> None:
    """Cancel the fetches of pages left in the queue by a failed run."""
    tasks = []
    while not queue.empty():
        item = queue.get_nowait()
        if isinstance(item, asyncio.Task):
            item.cancel()
            tasks.append(item)
    await asyncio.gather(*tasks, return_exceptions=True)
