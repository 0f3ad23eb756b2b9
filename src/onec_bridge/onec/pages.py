"""Paging through a 1C entity set the ways real 1C allows, as an ordered async stream.

1C sends no ``nextLink`` and refuses ``Ref_Key gt …``, so paging is ours:

- **skip**: ``$orderby=<stable order>&$top=n&$skip=k``. Valid everywhere, but
  1C's cost grows with the offset.
- **keyset** on a scalar column (``Code``, ``Date``, ``Period``):
  ``$orderby=Code&$filter=Code gt 'last'&$top=n`` — constant cost per page.
  For a column that may repeat (``Date``) the next page asks
  ``Date ge last`` and skips the rows already seen with that value, so ties
  spanning a page boundary are neither lost nor repeated (give a tie-breaker
  in ``order_by``, e.g. ``("Date", "Number")``).
- **keyset ranges in flight** (``max_in_flight > 1``): a cheap scan reads only
  the keyset column in big pages, cuts it every ``page_size`` rows into
  ranges ``lo < Code <= hi``, and fetches those ranges concurrently while
  yielding them *in order*, so a caller can checkpoint after every page.
  Only one scan chunk of keys is held at a time: memory stays flat. The last
  range is open-ended, so rows added past the end during the read are seen.

Every function yields pages (lists of raw rows) and never holds more than
``max_in_flight`` pages plus one scan chunk.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from onec_bridge.onec.filters import F, FilterExpr
from onec_bridge.onec.literals import LiteralValue
from onec_bridge.onec.query import QueryOptions

__all__ = [
    "SCAN_PAGES_PER_CHUNK",
    "UNIQUE_KEYSET_COLUMNS",
    "FetchRows",
    "Row",
    "iter_keyset_pages",
    "iter_keyset_ranges",
    "iter_skip_pages",
    "keyset_literal",
]

Row = dict[str, Any]
FetchRows = Callable[[QueryOptions], Awaitable[list[Row]]]
T = TypeVar("T")

# One key scan covers this many pages of rows; keys are tiny, so it is cheap.
SCAN_PAGES_PER_CHUNK = 20
UNIQUE_KEYSET_COLUMNS = frozenset({"Code"})
_DATETIME_COLUMNS = frozenset({"Date", "Period"})
_INTEGER_COLUMNS = frozenset({"LineNumber"})


def keyset_literal(column: str, value: Any) -> LiteralValue:
    """The wire value of a keyset column as a typed literal (1C sends dates and Int64 as text)."""
    if isinstance(value, str) and column in _DATETIME_COLUMNS:
        return datetime.fromisoformat(value)
    if isinstance(value, str) and column in _INTEGER_COLUMNS:
        return int(value)
    if isinstance(value, str | int | Decimal | bool):
        return value
    raise TypeError(
        f"cannot page by {column!r}: its value {value!r} is not a scalar; "
        "keyset paging needs a string, number or date column such as Code, Date or Period"
    )


def _and(base: FilterExpr | None, extra: FilterExpr) -> FilterExpr:
    return extra if base is None else base & extra


async def iter_skip_pages(
    fetch: FetchRows, options: QueryOptions, *, page_size: int, max_in_flight: int = 1
) -> AsyncIterator[list[Row]]:
    """``$top``/``$skip`` pages in order; with ``max_in_flight`` offsets fetched ahead."""
    if not options.orderby:
        raise ValueError(
            "skip paging needs a stable order_by, e.g. ('Code',) or ('Date', 'Number')"
        )

    def page_at(index: int) -> Callable[[], Awaitable[list[Row]]]:
        page = dataclasses.replace(options, top=page_size, skip=index * page_size)
        return lambda: fetch(page)

    async def offsets() -> AsyncIterator[Callable[[], Awaitable[list[Row]]]]:
        index = 0
        while True:
            yield page_at(index)
            index += 1

    async for rows in _ordered_window(offsets(), max_in_flight):
        if rows:
            yield rows
        if len(rows) < page_size:
            return


async def iter_keyset_pages(
    fetch: FetchRows,
    options: QueryOptions,
    *,
    keyset: str,
    page_size: int,
    unique: bool,
) -> AsyncIterator[list[Row]]:
    """Keyset pages one at a time: ``gt last`` (unique column) or ``ge last`` + skip ties."""
    last: Any = None
    ties = 0
    while True:
        condition: FilterExpr | None = None
        skip = None
        if last is not None:
            literal = keyset_literal(keyset, last)
            condition = F(keyset) > literal if unique else F(keyset) >= literal
            skip = None if unique else ties
        page = dataclasses.replace(
            options, filter=_merge(options.filter, condition), top=page_size, skip=skip or None
        )
        rows = await fetch(page)
        if rows:
            yield rows
        if len(rows) < page_size:
            return
        last, ties = _advance(keyset, rows, last, ties)


def _merge(base: FilterExpr | None, extra: FilterExpr | None) -> FilterExpr | None:
    return base if extra is None else _and(base, extra)


def _advance(keyset: str, rows: list[Row], last: Any, ties: int) -> tuple[Any, int]:
    new_last = rows[-1][keyset]
    run = 0
    for row in reversed(rows):
        if row[keyset] != new_last:
            break
        run += 1
    if run == len(rows) and new_last == last:
        return last, ties + run  # the whole page shared the previous value
    return new_last, run


async def iter_keyset_ranges(
    fetch: FetchRows,
    options: QueryOptions,
    *,
    keyset: str,
    page_size: int,
    max_in_flight: int,
) -> AsyncIterator[list[Row]]:
    """Keyset pages fetched ``max_in_flight`` at a time as ranges cut from a key scan."""
    async for rows in _ordered_window(
        _range_fetches(fetch, options, keyset, page_size), max_in_flight
    ):
        if rows:
            yield rows


async def _range_fetches(
    fetch: FetchRows, options: QueryOptions, keyset: str, page_size: int
) -> AsyncIterator[Callable[[], Awaitable[list[Row]]]]:
    scan_size = page_size * SCAN_PAGES_PER_CHUNK
    scan_base = QueryOptions(
        select=[keyset],
        filter=options.filter,
        orderby=[keyset],
        top=scan_size,
        allowed_only=options.allowed_only,
        format=options.format,
    )
    low: Any = None
    while True:
        scan_filter = _merge(
            options.filter, None if low is None else F(keyset) > keyset_literal(keyset, low)
        )
        keys = [
            row[keyset] for row in await fetch(dataclasses.replace(scan_base, filter=scan_filter))
        ]
        final = len(keys) < scan_size
        for high in _boundaries(keys, page_size, final):
            yield _range_fetch(fetch, options, keyset, low, high)
            low = high
        if final:
            return


def _boundaries(keys: list[Any], page_size: int, final: bool) -> list[Any]:
    """Upper bounds every ``page_size`` keys (distinct); the final chunk ends open (None)."""
    bounds: list[Any] = []
    for index in range(page_size - 1, len(keys), page_size):
        if not bounds or keys[index] != bounds[-1]:
            bounds.append(keys[index])
    if keys and (not bounds or bounds[-1] != keys[-1]):
        bounds.append(keys[-1])
    if final:
        if bounds:
            bounds[-1] = None
        else:
            bounds.append(None)
    return bounds


def _range_fetch(
    fetch: FetchRows, options: QueryOptions, keyset: str, low: Any, high: Any
) -> Callable[[], Awaitable[list[Row]]]:
    condition: FilterExpr | None = None
    if low is not None:
        condition = F(keyset) > keyset_literal(keyset, low)
    if high is not None:
        upper = F(keyset) <= keyset_literal(keyset, high)
        condition = upper if condition is None else condition & upper
    page = dataclasses.replace(
        options, filter=_merge(options.filter, condition), top=None, skip=None
    )
    return lambda: fetch(page)


async def _ordered_window(
    source: AsyncIterator[Callable[[], Awaitable[T]]], max_in_flight: int
) -> AsyncIterator[T]:
    """Run up to ``max_in_flight`` of ``source``'s calls at once, yielding results in order."""
    window: collections.deque[asyncio.Task[T]] = collections.deque()
    exhausted = False
    try:
        while True:
            while not exhausted and len(window) < max(1, max_in_flight):
                try:
                    call = await anext(source)
                except StopAsyncIteration:
                    exhausted = True
                    break
                window.append(asyncio.ensure_future(call()))
            if not window:
                return
            yield await window.popleft()
    finally:
        for task in window:
            task.cancel()
        if window:
            await asyncio.gather(*window, return_exceptions=True)
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()
