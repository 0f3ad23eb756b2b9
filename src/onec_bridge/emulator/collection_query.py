"""Run a collection request (``$filter``, ``$orderby``, ``$top``, ``$skip``) as one SQL query.

``$skip`` becomes ``OFFSET``, so its cost grows with the offset as on 1C, and a keyset
filter on an indexed column (``Code gt '…'``) reads only the page it returns. Ordering
by a reference orders by the referenced object's presentation, as 1C's auto-ordering does.
Only the columns the reply needs are read (``columns``): 1C's query too selects only the
``$select``ed fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onec_bridge.emulator.filter_ast import PropertyPath
from onec_bridge.emulator.filter_sql import compile_filter, compile_path
from onec_bridge.emulator.model import Configuration, EntitySet, Property
from onec_bridge.emulator.query_options import OrderItem, QueryOptions
from onec_bridge.emulator.sql_names import quote
from onec_bridge.emulator.storage import BaseStorage

__all__ = ["CollectionPage", "count_collection", "read_collection"]


@dataclass(frozen=True, slots=True)
class CollectionPage:
    rows: list[tuple[Any, ...]]
    total: int | None
    skipped: int


def _final_property(
    configuration: Configuration, entity_set: EntitySet, path: tuple[str, ...]
) -> Property | None:
    current: EntitySet | None = entity_set
    prop: Property | None = None
    for index, name in enumerate(path):
        if current is None:
            return None
        last = index == len(path) - 1
        prop = current.get_property(name if last else f"{name}_Key")
        if prop is None:
            return None
        current = configuration.entity_set(prop.ref_to) if prop.ref_to else None
    return prop


def _presentation_order(
    configuration: Configuration, target: EntitySet, value_sql: str, descending: bool
) -> list[str]:
    direction = " DESC" if descending else ""
    terms = []
    for name in target.presentation:
        if target.get_property(name) is None:
            continue
        terms.append(
            f"(SELECT p.{quote(name)} FROM {quote(target.name)} p "
            f'WHERE p."Ref_Key" = {value_sql}){direction}'
        )
    return terms


def _order_terms(
    configuration: Configuration, entity_set: EntitySet, item: OrderItem, params: list[Any]
) -> list[str]:
    compiled = compile_path(PropertyPath(item.path), configuration, entity_set, "t", "$orderby")
    params.extend(compiled.params)
    prop = _final_property(configuration, entity_set, item.path)
    target = configuration.entity_set(prop.ref_to) if prop and prop.ref_to else None
    if prop is not None and prop.name == "Ref_Key":
        target = entity_set if len(item.path) == 1 else target
    if target is not None:
        terms = _presentation_order(configuration, target, compiled.sql, item.descending)
        if terms:
            return terms
    return [compiled.sql + (" DESC" if item.descending else "")]


def _where(
    configuration: Configuration, entity_set: EntitySet, options: QueryOptions
) -> tuple[str, list[Any]]:
    if options.filter is None:
        return "", []
    compiled = compile_filter(options.filter, configuration, entity_set)
    return f" WHERE {compiled.sql}", list(compiled.params)


def read_collection(
    base: BaseStorage,
    entity_set: EntitySet,
    options: QueryOptions,
    *,
    inline_count_ignores_paging: bool = False,
    columns: tuple[str, ...] | None = None,
) -> CollectionPage:
    """The rows of one collection response: stored tuples with every column in property
    order, or only ``columns`` (in the order given), as 1C selects only what was asked."""
    configuration = base.configuration
    where, params = _where(configuration, entity_set, options)
    table = f"{quote(entity_set.name)} t"
    total = None
    if options.inline_count:
        total = int(base.scalar(f"SELECT count(*) FROM {table}{where}", params))
    order_params: list[Any] = []
    terms: list[str] = []
    for item in options.order_by:
        terms += _order_terms(configuration, entity_set, item, order_params)
    order = " ORDER BY " + ", ".join([*terms, "t.rowid"])
    ignore_paging = options.inline_count and inline_count_ignores_paging
    top = -1 if options.top is None or ignore_paging else options.top
    skip = 0 if ignore_paging else options.skip
    picked = "t.*" if columns is None else ", ".join(f"t.{quote(name)}" for name in columns)
    sql = f"SELECT {picked} FROM {table}{where}{order} LIMIT ? OFFSET ?"
    rows = base.query(sql, [*params, *order_params, top, skip])
    return CollectionPage(rows, total, skip)


def count_collection(base: BaseStorage, entity_set: EntitySet, options: QueryOptions) -> int:
    """``Set/$count``: the number of rows matching ``$filter``."""
    where, params = _where(base.configuration, entity_set, options)
    return int(base.scalar(f"SELECT count(*) FROM {quote(entity_set.name)} t{where}", params))
