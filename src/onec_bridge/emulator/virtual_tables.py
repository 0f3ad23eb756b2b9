"""Virtual tables of registers: ``SliceLast``/``SliceFirst``/``Balance``/``Turnovers``/
``BalanceAndTurnovers``, computed in SQL from the register's records.

Semantics (1C query language): ``Balance(Period)`` sums records strictly before
``Period`` (Receipt adds, Expense subtracts; inactive records are skipped);
``Turnovers`` takes ``StartPeriod <= Period <= EndPeriod``; opening balance is before
``StartPeriod``, closing = opening + turnover. Rows whose computed values are all zero
are left out. ``SliceLast(Period)`` is, per combination of dimensions, the record with
the latest ``Period <= Period`` (``SliceFirst``: earliest ``>= Period``). ``Condition``
filters records before grouping; ``$filter``/``$orderby``/``$top``/``$skip`` apply to
the result. ``$select`` may add ``<Dimension>____Presentation``.
"""

from __future__ import annotations

from typing import Any

import orjson

from onec_bridge.emulator.errors import ODataError
from onec_bridge.emulator.filter_ast import PropertyPath
from onec_bridge.emulator.filter_sql import compile_filter, compile_path
from onec_bridge.emulator.model import EntitySet, Property
from onec_bridge.emulator.negotiation import ResponseFormat
from onec_bridge.emulator.replies import Reply
from onec_bridge.emulator.request_context import RequestContext
from onec_bridge.emulator.row_shape import RowShape
from onec_bridge.emulator.selection import PRESENTATION_SUFFIX
from onec_bridge.emulator.sql_names import quote
from onec_bridge.emulator.virtual_catalog import (
    VIRTUAL_TABLES,
    RegisterView,
    register_view,
    resource_columns,
    result_properties,
    result_type_name,
)
from onec_bridge.emulator.virtual_params import VirtualParams, bad_argument, parse_virtual_params
from onec_bridge.emulator.wire_atom import DATA_NS, METADATA_NS, xml_value
from onec_bridge.emulator.wire_json import JSON_CONTENT_TYPE
from onec_bridge.mapping.onec_values import EDM_NAMESPACE

__all__ = ["VIRTUAL_TABLES", "get_virtual_table", "is_virtual_table_call"]

_XML_CONTENT_TYPE = "application/xml;charset=utf-8"


def is_virtual_table_call(function: str) -> bool:
    return function in VIRTUAL_TABLES


def _date(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"  # validated YYYY-MM-DDTHH:MM:SS text


def _check_function(view: RegisterView | None, name: str, function: str) -> RegisterView:
    if view is None or function not in view.functions:
        raise ODataError(400, "11", f"Метод '{function}' не найден у '{name}'.")
    return view


def _check_params(view: RegisterView, function: str, params: VirtualParams) -> None:
    if "AccountCondition" in params.raw and view.accumulation:
        raise ODataError(
            501, "0", f"Параметр AccountCondition не поддерживается у регистра {view.binding}."
        )
    allowed = {"Condition"}
    allowed |= {"Period"} if function in ("SliceLast", "SliceFirst", "Balance") else set()
    allowed |= {"Dimensions"} if view.accumulation else set()
    allowed |= {"StartPeriod", "EndPeriod"} if "Turnovers" in function else set()
    extra = sorted(set(params.raw) - allowed)
    if extra:
        raise bad_argument(f"{function} не принимает {', '.join(extra)}")


def _dimensions(view: RegisterView, params: VirtualParams) -> tuple[Property, ...]:
    if params.dimensions is None:
        return view.dimensions
    chosen: list[Property] = []
    for name in params.dimensions:
        found = [p for p in view.dimensions if p.name in (name, f"{name}_Key")]
        if not found:
            raise bad_argument(f"'{name}' не является измерением {view.binding}")
        chosen.append(found[0])
    return tuple(chosen)


def _condition(
    ctx: RequestContext, view: RegisterView, params: VirtualParams
) -> tuple[str, list[Any]]:
    terms: list[str] = ["1 = 1"]
    values: list[Any] = []
    if view.records.get_property("Active") is not None and view.accumulation:
        terms.append('r."Active" <> 0')
    if params.condition is not None:
        compiled = compile_filter(
            params.condition, ctx.base.configuration, view.records, alias="r", option="Condition"
        )
        terms.append(compiled.sql)
        values += compiled.params
    return " AND ".join(terms), values


def _slice_sql(view: RegisterView, function: str, params: VirtualParams, where: str) -> str:
    last = function == "SliceLast"
    if params.period is not None:
        where += f' AND r."Period" {"<=" if last else ">="} {_date(params.period)}'
    partition = ", ".join(f"r.{quote(p.name)}" for p in view.dimensions)
    over = (f"PARTITION BY {partition} " if partition else "") + (
        f'ORDER BY r."Period" {"DESC" if last else "ASC"}'
    )
    columns = ", ".join(quote(p.name) for p in view.records.properties)
    return (
        f"SELECT {columns} FROM (SELECT r.*, ROW_NUMBER() OVER ({over}) AS _rn "
        f"FROM {quote(view.records.name)} r WHERE {where}) WHERE _rn = 1"
    )


def _aggregate(view: RegisterView, suffix: str, resource: str, params: VirtualParams) -> str:
    sign = "1"
    if view.records.get_property("RecordType") is not None:
        sign = "(CASE WHEN r.\"RecordType\" IN ('Expense', 'Расход') THEN -1 ELSE 1 END)"
    start = f'r."Period" >= {_date(params.start)}' if params.start else "1"
    end = f'r."Period" <= {_date(params.end)}' if params.end else "1"
    before_start = f'r."Period" < {_date(params.start)}' if params.start else "0"
    conditions = {
        "Balance": (f'r."Period" < {_date(params.period)}' if params.period else "1", sign),
        "Turnover": (f"{start} AND {end}", sign),
        "Receipt": (f"{start} AND {end} AND {sign} = 1", "1"),
        "Expense": (f"{start} AND {end} AND {sign} = -1", "1"),
        "OpeningBalance": (before_start, sign),
        "ClosingBalance": (end, sign),
    }
    when, factor = conditions[suffix]
    value = f"r.{quote(resource)}"
    return f"ROUND(TOTAL(CASE WHEN {when} THEN {factor} * {value} ELSE 0 END), 9)"


def _totals_sql(
    view: RegisterView,
    function: str,
    params: VirtualParams,
    dimensions: tuple[Property, ...],
    where: str,
) -> str:
    computed = [
        f"{_aggregate(view, suffix, resource, params)} AS {quote(resource + suffix)}"
        for resource, suffix in resource_columns(view, function)
    ]
    dims = [f"r.{quote(p.name)}" for p in dimensions]
    group = f" GROUP BY {', '.join(dims)}" if dims else ""
    nonzero = " OR ".join(f"{quote(r + s)} <> 0" for r, s in resource_columns(view, function))
    inner = (
        f"SELECT {', '.join([*computed, *dims])} FROM {quote(view.records.name)} r "
        f"WHERE {where}{group}"
    )
    return f"SELECT * FROM ({inner}) WHERE {nonzero or '1'}"


def _presentations(
    ctx: RequestContext, result: EntitySet, select: tuple[str, ...] | None
) -> tuple[list[str], list[str]]:
    """(output names, SQL columns) of the requested ``X____Presentation`` fields."""
    names, columns = [], []
    for item in select or ():
        if not item.endswith(PRESENTATION_SUFFIX):
            continue
        prop = result.get_property(item.removesuffix(PRESENTATION_SUFFIX) + "_Key")
        target = ctx.base.entity_set(prop.ref_to) if prop and prop.ref_to else None
        if prop is None or target is None:
            raise ODataError(400, "10", f"Свойство '{item}' не найдено у типа '{result.name}'.")
        shown = next((n for n in target.presentation if target.get_property(n)), "Ref_Key")
        names.append(item)
        columns.append(
            f"COALESCE((SELECT p.{quote(shown)} FROM {quote(target.name)} p "
            f"WHERE p.\"Ref_Key\" = t.{quote(prop.name)}), '')"
        )
    return names, columns


def _selected(result: EntitySet, select: tuple[str, ...] | None) -> frozenset[str]:
    plain = [s for s in select or ("*",) if not s.endswith(PRESENTATION_SUFFIX)]
    if not plain or "*" in plain or "**" in plain:
        return frozenset(p.name for p in result.properties)
    for name in plain:
        if result.get_property(name) is None:
            raise ODataError(400, "10", f"Свойство '{name}' не найдено у типа '{result.name}'.")
    return frozenset(plain)


def _page_sql(
    ctx: RequestContext, result: EntitySet, source: str
) -> tuple[str, list[Any], list[str]]:
    options = ctx.options
    values: list[Any] = []
    where = ""
    if options.filter is not None:
        compiled = compile_filter(options.filter, ctx.base.configuration, result, alias="t")
        where, values = f" WHERE {compiled.sql}", list(compiled.params)
    terms = []
    for item in options.order_by:
        path = compile_path(
            PropertyPath(item.path), ctx.base.configuration, result, "t", "$orderby"
        )
        values += path.params
        terms.append(path.sql + (" DESC" if item.descending else ""))
    terms += [f"t.{quote(p.name)}" for p in result.properties if p.name.endswith("_Key")]
    names, columns = _presentations(ctx, result, options.select)
    order = f" ORDER BY {', '.join(terms)}" if terms else ""
    sql = f"SELECT t.*{''.join(', ' + c for c in columns)} FROM ({source}) t{where}{order}"
    return (
        sql + " LIMIT ? OFFSET ?",
        [*values, -1 if options.top is None else options.top, options.skip],
        names,
    )


async def get_virtual_table(
    ctx: RequestContext, binding: str, function: str, args: str | None
) -> Reply:
    """``GET <Register>/<Function>(…)`` in the negotiated format."""
    view = _check_function(register_view(ctx.base.configuration, binding), binding, function)
    params = parse_virtual_params(args, ctx.options.params)
    _check_params(view, function, params)
    dimensions = _dimensions(view, params)
    where, values = _condition(ctx, view, params)
    if function in ("SliceLast", "SliceFirst"):
        source = _slice_sql(view, function, params, where)
    else:
        source = _totals_sql(view, function, params, dimensions, where)
    type_name = result_type_name(view, function)
    result = EntitySet(
        type_name, view.records.kind, result_properties(view, function, dimensions), key=()
    )
    sql, page_values, presentation_names = _page_sql(ctx, result, source)
    rows = ctx.base.query(sql, [*values, *page_values])
    if ctx.settings.cost is not None:
        await ctx.settings.cost.charge(rows=len(rows), skipped=ctx.options.skip)
    shape, selected = RowShape(result), _selected(result, ctx.options.select)
    width = len(result.properties)
    wire = []
    for row in rows:
        item = shape.to_wire(row, selected)
        item.update(zip(presentation_names, row[width:], strict=True))
        wire.append(item)
    if ctx.fmt.is_json:
        return Reply(200, _json(ctx, type_name, wire), JSON_CONTENT_TYPE)
    return Reply(200, _atom(type_name, wire), _XML_CONTENT_TYPE)


def _json(ctx: RequestContext, type_name: str, rows: list[dict[str, Any]]) -> bytes:
    body: dict[str, Any] = {}
    if ctx.fmt is not ResponseFormat.JSON_NOMETADATA:
        body["odata.metadata"] = f"{ctx.root_url}/$metadata#Collection({EDM_NAMESPACE}.{type_name})"
    body["value"] = rows
    return orjson.dumps(body)


def _atom(type_name: str, rows: list[dict[str, Any]]) -> bytes:
    full = f"{EDM_NAMESPACE}.{type_name}"
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<d:Result xmlns:d="{DATA_NS}" xmlns:m="{METADATA_NS}" m:type="Collection({full})">',
    ]
    for row in rows:
        parts.append(f'<d:element m:type="{full}">')
        for name, value in row.items():
            text = xml_value(value) if value is not None else None
            if text is None:
                parts.append(f'<d:{name} m:null="true"/>')
            else:
                parts.append(f"<d:{name}>{text}</d:{name}>" if text else f"<d:{name}/>")
        parts.append("</d:element>")
    parts.append("</d:Result>")
    return "".join(parts).encode()
