"""Tabular sections on the wire: inline arrays in their owner's rows, and the row set.

* An object's rows come inline as an array named after the section (JSON and atom),
  each row carrying the owner's ``Ref_Key`` and ``LineNumber`` (Int64: a string in
  JSON). No ``$select``, ``*`` or the section's name include them; ``**`` omits them;
  ``$select=Товары/Поле`` includes the section with exactly the fields named.
* ``Document_X_Товары`` lists the rows of all objects (key
  ``(Ref_Key=guid'…', LineNumber=1)``); ``$filter``/``$orderby``/``$top``… work on it.
  POST to it is 1C's 400 with code 13: rows are written only with their owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from onec_bridge.emulator.collection_query import count_collection, read_collection
from onec_bridge.emulator.errors import ODataError, entity_not_found
from onec_bridge.emulator.model import (
    Configuration,
    EdmType,
    EntitySet,
    ObjectKind,
    Property,
    TabularSection,
)
from onec_bridge.emulator.replies import Reply
from onec_bridge.emulator.resource_path import Segment, bad_url, parse_key
from onec_bridge.emulator.row_shape import RowShape
from onec_bridge.emulator.selection import section_fields
from onec_bridge.emulator.sql_names import quote, tabular_table
from onec_bridge.emulator.storage import BaseStorage
from onec_bridge.emulator.wire_atom import (
    ATOM_CONTENT_TYPE,
    ATOM_ENTRY_CONTENT_TYPE,
    AtomEntry,
    atom_entry_document,
    atom_feed,
)
from onec_bridge.emulator.wire_json import JSON_CONTENT_TYPE, json_collection, json_entity

if TYPE_CHECKING:  # a type only: importing it cycles (base -> exchange_plan -> here -> base)
    from onec_bridge.emulator.request_context import RequestContext

__all__ = [
    "DIRECT_ROW_CREATION",
    "attach_sections",
    "find_tabular_set",
    "handle_tabular_set",
    "section_entity_set",
]

DIRECT_ROW_CREATION = "Cоздание строк табличной части напрямую не поддерживается"
_CHUNK = 500


def section_entity_set(owner: EntitySet, section: TabularSection) -> EntitySet:
    """``Document_X_Товары`` as an entity set: owner ``Ref_Key``, ``LineNumber``, attributes."""
    head = (
        Property("Ref_Key", EdmType.GUID, ref_to=None, nullable=False),
        Property("LineNumber", EdmType.INT64, nullable=False),
    )
    return EntitySet(
        tabular_table(owner, section),
        ObjectKind.TABULAR_SECTION,
        (*head, *section.properties),
        key=("Ref_Key", "LineNumber"),
        presentation=("LineNumber",),
    )


def find_tabular_set(configuration: Configuration, name: str) -> EntitySet | None:
    for owner in configuration.entity_sets:
        for section in owner.tabular_sections:
            if tabular_table(owner, section) == name:
                return section_entity_set(owner, section)
    return None


def _included(entity_set: EntitySet, select: tuple[str, ...] | None) -> list[TabularSection]:
    if select is None or "*" in select:
        return list(entity_set.tabular_sections)
    return [
        section
        for section in entity_set.tabular_sections
        if section.name in select or section_fields(entity_set, section.name, select)
    ]


def attach_sections(
    base: BaseStorage,
    entity_set: EntitySet,
    select: tuple[str, ...] | None,
    refs: Sequence[str],
    wire_rows: Sequence[dict[str, Any]],
) -> None:
    """Add each included section's rows (wire form, by LineNumber) to ``wire_rows``."""
    for section in _included(entity_set, select):
        rows_set = section_entity_set(entity_set, section)
        shape = RowShape(rows_set)
        everything = section_fields(entity_set, section.name, select) or frozenset(
            prop.name for prop in rows_set.properties
        )
        by_owner: dict[str, list[dict[str, Any]]] = {ref: [] for ref in refs}
        unique = list(by_owner)
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            sql = (
                f'SELECT * FROM {quote(rows_set.name)} WHERE "Ref_Key" IN ({marks}) '
                'ORDER BY "Ref_Key", "LineNumber"'
            )
            for row in base.query(sql, chunk):
                by_owner[row[0]].append(shape.to_wire(row, everything))
        for ref, wire in zip(refs, wire_rows, strict=True):
            wire[section.name] = by_owner[ref]


def _atom_entry(shape: RowShape, row: Any) -> AtomEntry:
    return AtomEntry(
        shape.entity_set.name, shape.key_text(row), shape.navigation_links(row), shape.to_wire(row)
    )


def _collection(ctx: RequestContext, rows_set: EntitySet) -> Reply:
    page = read_collection(
        ctx.base,
        rows_set,
        ctx.options,
        inline_count_ignores_paging=ctx.settings.inline_count_ignores_paging,
    )
    shape = RowShape(rows_set)
    if ctx.fmt.is_json:
        rows = [shape.to_wire(row) for row in page.rows]
        body = json_collection(ctx.fmt, ctx.root_url, rows_set.name, rows, page.total)
        return Reply(200, body, JSON_CONTENT_TYPE)
    entries = (_atom_entry(shape, row) for row in page.rows)
    return Reply(200, atom_feed(ctx.root_url, entries, page.total), ATOM_CONTENT_TYPE)


def _entity(ctx: RequestContext, rows_set: EntitySet, key: dict[str, Any]) -> Reply:
    where = " AND ".join(f"{quote(name)} = ?" for name in key)
    rows = ctx.base.query(f"SELECT * FROM {quote(rows_set.name)} WHERE {where}", list(key.values()))
    if not rows:
        raise entity_not_found(rows_set.name)
    shape = RowShape(rows_set)
    if ctx.fmt.is_json:
        body = json_entity(ctx.fmt, ctx.root_url, rows_set.name, shape.to_wire(rows[0]))
        return Reply(200, body, JSON_CONTENT_TYPE)
    document = atom_entry_document(ctx.root_url, _atom_entry(shape, rows[0]))
    return Reply(200, document, ATOM_ENTRY_CONTENT_TYPE)


def handle_tabular_set(
    ctx: RequestContext, rows_set: EntitySet, head: Segment, rest: Sequence[Segment]
) -> Reply:
    """GET the row set (or one row, or ``/$count``); POST → 400 code 13."""
    if ctx.method == "POST" and head.args is None and not rest:
        raise ODataError(400, "13", DIRECT_ROW_CREATION)
    if ctx.method != "GET":
        raise ODataError(405, "19", f"Метод HTTP {ctx.method} не допускается для этого ресурса.")
    if head.args is None and not rest:
        return _collection(ctx, rows_set)
    if head.args is None and [segment.name for segment in rest] == ["$count"]:
        count = count_collection(ctx.base, rows_set, ctx.options)
        return Reply(200, str(count).encode(), "text/plain;charset=utf-8")
    if head.args is not None and not rest:
        key = parse_key(rows_set, head.args)
        key["Ref_Key"] = str(key["Ref_Key"]).lower()
        return _entity(ctx, rows_set, key)
    raise bad_url(f"ресурс '{rows_set.name}/…' не поддерживается")
