"""GET handlers: service document, collections, ``$count`` and single entities."""

from __future__ import annotations

from typing import Any

from onec_bridge.emulator.collection_query import count_collection, read_collection
from onec_bridge.emulator.errors import ODataError, bad_option, entity_not_found
from onec_bridge.emulator.expand import (
    Expanded,
    Path,
    expand_paths,
    expand_rows,
    expanded_atom,
    expanded_json,
)
from onec_bridge.emulator.model import EntitySet
from onec_bridge.emulator.presentation import add_presentations, presentation_names
from onec_bridge.emulator.replies import Reply
from onec_bridge.emulator.request_context import RequestContext
from onec_bridge.emulator.row_shape import RowShape
from onec_bridge.emulator.selection import selected_properties
from onec_bridge.emulator.sql_names import quote
from onec_bridge.emulator.tabular_rows import attach_sections
from onec_bridge.emulator.wire_atom import (
    ATOM_CONTENT_TYPE,
    ATOM_ENTRY_CONTENT_TYPE,
    AtomEntry,
    atom_entry_document,
    atom_feed,
    atom_service_document,
)
from onec_bridge.emulator.wire_json import (
    JSON_CONTENT_TYPE,
    json_collection,
    json_entity,
    json_service_document,
)

__all__ = [
    "entity_reply",
    "find_row",
    "get_collection",
    "get_count",
    "get_entity",
    "get_service_document",
]

_SERVICE_CONTENT_TYPE = "application/atomsvc+xml;charset=utf-8"


def get_service_document(ctx: RequestContext) -> Reply:
    names = [entity_set.name for entity_set in ctx.base.configuration.entity_sets]
    if ctx.fmt.is_json:
        return Reply(200, json_service_document(ctx.fmt, ctx.root_url, names), JSON_CONTENT_TYPE)
    return Reply(200, atom_service_document(ctx.root_url, names), _SERVICE_CONTENT_TYPE)


def _atom_entry(shape: RowShape, row: Any, selected: Any) -> AtomEntry:
    return AtomEntry(
        shape.entity_set.name,
        shape.key_text(row),
        shape.navigation_links(row),
        shape.to_wire(row, selected),
    )


def _read_shape(ctx: RequestContext, entity_set: EntitySet, expanding: bool) -> RowShape:
    """The columns a collection reply needs: the ``$select``ed properties, the key and, for
    atom, the references behind the navigation links. Whole rows without ``$select`` (or
    with ``*``/``**``) and for presentations and ``$expand``, which work on whole objects.
    A bad ``$select`` also reads whole rows: its error is raised after the query, as always."""
    shape = ctx.base.shape(entity_set.name)
    try:
        selected = selected_properties(entity_set, ctx.options.select)
        presentations = presentation_names(entity_set, ctx.options.select)
    except ODataError:
        return shape
    if selected is None or presentations or expanding:
        return shape
    if not ctx.fmt.is_json:
        links = {prop.name for prop in entity_set.properties if prop.navigation_name}
        selected = selected | links
    return shape.projected(selected)


async def get_collection(ctx: RequestContext, entity_set: EntitySet) -> Reply:
    paths = expand_paths(ctx.base.configuration, entity_set, ctx.options.expand)
    shape = _read_shape(ctx, entity_set, bool(paths))
    page = read_collection(
        ctx.base,
        entity_set,
        ctx.options,
        inline_count_ignores_paging=ctx.settings.inline_count_ignores_paging,
        columns=None if shape is ctx.base.shape(entity_set.name) else shape.columns,
    )
    if ctx.settings.cost is not None:
        await ctx.settings.cost.charge(rows=len(page.rows), skipped=page.skipped)
    selected = selected_properties(entity_set, ctx.options.select)
    if ctx.fmt.is_json:
        rows = [shape.to_wire(row, selected) for row in page.rows]
        _with_sections(ctx, entity_set, page.rows, rows)
        for wire, expanded in zip(rows, _expanded(ctx, entity_set, paths, page.rows), strict=True):
            wire.update((nav, expanded_json(item)) for nav, item in expanded.items())
        body = json_collection(ctx.fmt, ctx.root_url, entity_set.name, rows, page.total)
        return Reply(200, body, JSON_CONTENT_TYPE)
    entries = [_atom_entry(shape, row, selected) for row in page.rows]
    _with_sections(ctx, entity_set, page.rows, [entry.row for entry in entries])
    for entry, expanded in zip(entries, _expanded(ctx, entity_set, paths, page.rows), strict=True):
        entry.inline = {nav: expanded_atom(ctx.base, item) for nav, item in expanded.items()}
    return Reply(200, atom_feed(ctx.root_url, entries, page.total), ATOM_CONTENT_TYPE)


def _expanded(
    ctx: RequestContext, entity_set: EntitySet, paths: list[Path], rows: list[Any]
) -> list[dict[str, Expanded | None]]:
    if not paths:
        return [{} for _ in rows]
    return expand_rows(ctx.base, entity_set, paths, rows)


def _with_sections(
    ctx: RequestContext, entity_set: EntitySet, rows: list[Any], wire: list[dict[str, Any]]
) -> None:
    """Presentations asked for in ``$select``, then tabular sections inline (``Товары``:
    [...]) unless ``$select`` leaves them out."""
    add_presentations(ctx.base, entity_set, ctx.options.select, rows, wire)
    if entity_set.tabular_sections and rows:
        refs = [str(row[0]) for row in rows]
        attach_sections(ctx.base, entity_set, ctx.options.select, refs, wire)


def get_count(ctx: RequestContext, entity_set: EntitySet) -> Reply:
    count = count_collection(ctx.base, entity_set, ctx.options)
    return Reply(200, str(count).encode(), "text/plain;charset=utf-8")


def find_row(ctx: RequestContext, entity_set: EntitySet, key: dict[str, Any]) -> tuple[Any, ...]:
    """The stored row with this key, or 1C's 404 with code 9."""
    where = " AND ".join(f"{quote(name)} = ?" for name in key)
    sql = f"SELECT * FROM {quote(entity_set.name)} WHERE {where}"
    rows = ctx.base.query(sql, list(key.values()))
    if not rows:
        raise entity_not_found(entity_set.name)
    return rows[0]


def entity_reply(
    ctx: RequestContext,
    entity_set: EntitySet,
    row: tuple[Any, ...],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Reply:
    """One entity in the negotiated format (GET, and the answer to POST/PATCH/PUT)."""
    selected = selected_properties(entity_set, ctx.options.select)
    if ctx.fmt.is_json:
        wire = ctx.base.shape(entity_set.name).to_wire(row, selected)
        _with_sections(ctx, entity_set, [row], [wire])
        body = json_entity(ctx.fmt, ctx.root_url, entity_set.name, wire)
        return Reply(status, body, JSON_CONTENT_TYPE, headers or {})
    entry = _atom_entry(ctx.base.shape(entity_set.name), row, selected)
    _with_sections(ctx, entity_set, [row], [entry.row])
    return Reply(
        status, atom_entry_document(ctx.root_url, entry), ATOM_ENTRY_CONTENT_TYPE, headers or {}
    )


def get_entity(ctx: RequestContext, entity_set: EntitySet, key: dict[str, Any]) -> Reply:
    if ctx.options.expand:
        raise bad_option("$expand", "$expand не поддерживается при запросе одной сущности")
    return entity_reply(ctx, entity_set, find_row(ctx, entity_set, key))
