"""Listing pages of every source kind, as ``Listing``s the pull engine classifies and writes.

- sets (catalogs, documents, registers' records, constants): ``iter_pages`` (keyset on
  the contract's ``keyset``, else ``$skip`` over the key), a bounded number in flight;
  ``data_version`` lists only keys and versions, in ten-times bigger pages;
- tabular sections: the **owner's** pages (``$select=Ref_Key,<Date|Code>,<Section>``,
  keyset on the owner's ``Date``/``Code``) with each owner's inline array exploded into
  child rows keyed (owner ``Ref_Key``, ``LineNumber``). Chosen over listing the
  ``Document_X_Товары`` set because that set can only be paged by ``$skip`` (1C refuses
  keyset on ``Ref_Key`` and orders references by presentation), which costs O(offset)
  and shifts under concurrent edits — a shifted page hides rows, and a complete listing
  that missed rows would delete them. The owner's rows also arrive together, as one
  consistent version of the document. ``data_version`` lists the owners' versions
  instead (``version_listing``) and fetches changed sections (``sync.owner_versions``);
- virtual tables (``SliceLast``, ``Balance``…): one request (1C pages them unreliably:
  ``$skip`` → 400, ``$top`` an arbitrary subset — 1c-facts §11), cut into pages here;
- HTTP-service lists: one ``GET`` or ``limit``/``offset`` pages (``source.paging``);
- enums: the members ``$metadata`` lists, as rows ``{Name, Order}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, TypeVar

from onec_bridge.contract.model import HttpPaging
from onec_bridge.onec.client import OneCClient
from onec_bridge.sync.entity_plan import EntityPlan
from onec_bridge.sync.owner_versions import OwnerBatch, explode_section, owner_batch
from onec_bridge.sync.source_kinds import SourceKind

__all__ = [
    "Listing",
    "full_listing",
    "listing_of_sets",
    "prefetched",
    "version_listing",
    "with_cursors",
]

Row = dict[str, Any]
T = TypeVar("T")
#: a ``data_version`` listing page holds this many contract pages of listing rows
VERSION_LISTING_PAGES = 10
_LIST_KEYS = ("items", "value", "data")


@dataclass
class Listing:
    """Rows of one page and the checkpoint cursor that resumes after it."""

    rows: list[Row]
    cursor: Any = None
    #: a tabular section synced by its owners' versions: what the page commits for them
    owners: OwnerBatch | None = None


async def full_listing(
    client: OneCClient, plan: EntityPlan, cursor: Any, max_in_flight: int
) -> AsyncIterator[Listing]:
    """Whole rows of every kind of source, page by page, resuming after ``cursor``."""
    kind = plan.source.kind
    if kind is SourceKind.VIRTUAL:
        rows = await client.odata.virtual_table(
            plan.entity_set,
            str(plan.source.function),
            plan.source.params,
            filter=plan.entity.filter,
        )
        for page in _chunks(rows, plan.page_size):
            yield Listing(page)
    elif kind is SourceKind.HTTP:
        async for page in _http_pages(client, plan):
            yield Listing(page)
    elif kind is SourceKind.ENUM:
        schema = await client.odata.metadata()
        enum = schema.enum_types.get(plan.entity_set)
        if enum is None:
            raise LookupError(
                f"entities.{plan.name}.source.enum: $metadata has no enumeration "
                f"{plan.entity_set!r}; known: {', '.join(sorted(schema.enum_types)[:20])}"
            )
        yield Listing(
            [{"Name": name, "Order": str(index)} for index, name in enumerate(enum.members)]
        )
    elif kind is SourceKind.TABULAR:
        async for listing in _owner_pages(client, plan, cursor, max_in_flight):
            yield listing
    else:
        # rows in WireRow slots where the version is 1C's DataVersion (a digest of the row
        # would cover the fields 1C sent beyond the $select, which slots drop)
        pages = listing_of_sets(
            client, plan, plan.full_select(), cursor, max_in_flight, wire_rows=plan.has_data_version
        )
        async for page in pages:
            yield Listing(page, plan.next_cursor(page))


def listing_of_sets(
    client: OneCClient,
    plan: EntityPlan,
    select: list[str],
    cursor: Any,
    max_in_flight: int,
    filter: str | None = None,
    order_by: tuple[str, ...] | None = None,
    keyset: str | None = "",
    page_size: int | None = None,
    wire_rows: bool = False,
) -> AsyncIterator[list[Row]]:
    """Pages of the plan's set; ``keyset=""`` means the plan's own keyset; ``wire_rows``:
    rows in ``WireRow`` slots (see ``mapping.wire_rows``)."""
    return client.odata.iter_pages(
        plan.entity_set,
        select=select,
        filter=filter if filter is not None else plan.resume_filter(cursor),
        order_by=order_by or plan.order_by,
        page_size=page_size or plan.page_size,
        keyset=plan.keyset if keyset == "" else keyset,
        max_in_flight=max_in_flight,
        wire_rows=wire_rows,
    )


def version_listing(
    client: OneCClient, plan: EntityPlan, cursor: Any, max_in_flight: int
) -> AsyncIterator[Listing]:
    """``data_version``'s listing: key, ``DataVersion`` and keyset of every row, in pages of
    ``VERSION_LISTING_PAGES`` pages (its rows are tiny: a request costs per row, not per
    byte). Keyset pages go one at a time: ranges in flight would first scan the keyset
    column, as dear as this listing itself; the other request slots fetch changed rows."""
    in_flight = max_in_flight if plan.keyset is None else 1
    size = plan.page_size * VERSION_LISTING_PAGES
    pages = listing_of_sets(client, plan, plan.listing_select(), cursor, in_flight, page_size=size)
    return with_cursors(plan, pages)


async def prefetched(source: AsyncIterator[T], depth: int = 1) -> AsyncIterator[T]:
    """``source``'s items, read ``depth`` ahead by a task (the next listing request runs
    while the caller works on the current page)."""
    queue: asyncio.Queue[tuple[T | None, BaseException | None, bool]] = asyncio.Queue(depth)

    async def pump() -> None:
        try:
            async for item in source:
                await queue.put((item, None, False))
        except Exception as exc:  # re-raised in the consumer
            await queue.put((None, exc, True))
            return
        await queue.put((None, None, True))

    task = asyncio.create_task(pump())
    try:
        while True:
            item, error, done = await queue.get()
            if error is not None:
                raise error
            if done:
                break
            yield item  # type: ignore[misc]
        await task
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def with_cursors(
    plan: EntityPlan, pages: AsyncIterator[list[Row]], cursor_field: str | None = None
) -> AsyncIterator[Listing]:
    async for page in pages:
        if cursor_field is None:
            yield Listing(page, plan.next_cursor(page))
        else:
            yield Listing(page, page[-1].get(cursor_field) if page else None)


async def _owner_pages(
    client: OneCClient, plan: EntityPlan, cursor: Any, max_in_flight: int
) -> AsyncIterator[Listing]:
    """Whole sections of every owner, exploded into lines; with the owners' versions when
    the section is synced by them (the next run is then incremental)."""
    pages = listing_of_sets(client, plan, plan.full_select(), cursor, max_in_flight)
    async for owners in pages:
        listing = Listing(explode_section(plan, owners), plan.next_cursor(owners))
        if plan.uses_owner_versions:
            listing.owners = owner_batch(plan, owners)
        yield listing


async def _http_pages(client: OneCClient, plan: EntityPlan) -> AsyncIterator[list[Row]]:
    service = client.hs(str(plan.source.http_root))
    paging: HttpPaging | None = plan.entity.source.paging
    offset = 0
    while True:
        params = {paging.limit_param: paging.size, paging.offset_param: offset} if paging else None
        answer = (await service.get(plan.source.http_path, params=params)).json()
        rows = _items(answer, plan)
        if rows:
            yield rows
        if paging is None or len(rows) < paging.size:
            return
        offset += len(rows)


def _items(answer: Any, plan: EntityPlan) -> list[Row]:
    wanted = plan.entity.source.items
    rows: Any
    if isinstance(answer, list) and wanted is None:
        rows = answer
    elif isinstance(answer, dict):
        key = wanted or next((name for name in _LIST_KEYS if name in answer), None)
        rows = answer.get(key) if key else None
    else:
        rows = None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValueError(
            f"entities.{plan.name}: {plan.entity.source.http_service} did not answer a list "
            f"of objects{f' under {wanted!r}' if wanted else ''}; set `source.items` to the "
            "key that holds the list"
        )
    return rows


def _chunks(rows: list[Row], size: int) -> list[list[Row]]:
    return [rows[start : start + size] for start in range(0, len(rows), size)]
