"""The ``$filter`` functions 1C supports, compiled to SQLite; the ones it refuses, refused.

Supported (developer guide 17.4.5.2): concat, endswith, like, startswith, substring,
substringof(needle, haystack), dateadd, datedifference, day, dayofweek, dayofyear,
hour, minute, month, quarter, second, year, round (and cast/isof for composite fields).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from onec_bridge.emulator.errors import bad_option
from onec_bridge.emulator.model import EdmType
from onec_bridge.emulator.sql_expr import SqlExpr

__all__ = ["UNSUPPORTED_FUNCTIONS", "compile_function"]

UNSUPPORTED_FUNCTIONS = frozenset(
    {
        "length",
        "indexof",
        "replace",
        "tolower",
        "toupper",
        "trim",
        "years",
        "days",
        "hours",
        "minutes",
        "seconds",
        "floor",
        "ceiling",
        "contains",
    }
)
_DATE_PARTS = {
    "year": (1, 4),
    "month": (6, 2),
    "day": (9, 2),
    "hour": (12, 2),
    "minute": (15, 2),
    "second": (18, 2),
}
_DATEADD_UNITS = {
    "second": "seconds",
    "minute": "minutes",
    "hour": "hours",
    "day": "days",
    "month": "months",
    "year": "years",
}
_DATEDIFF_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _params(*args: SqlExpr) -> tuple[object, ...]:
    return tuple(param for arg in args for param in arg.params)


def _predicate(sql: str, *args: SqlExpr) -> SqlExpr:
    return SqlExpr(sql, _params(*args), None, is_predicate=True)


def _substringof(a: tuple[SqlExpr, ...]) -> SqlExpr:
    needle, haystack = a
    return _predicate(f"(instr({haystack.sql}, {needle.sql}) > 0)", needle, haystack)


def _startswith(a: tuple[SqlExpr, ...]) -> SqlExpr:
    text, prefix = a
    sql = f"(substr({text.sql}, 1, length({prefix.sql})) = {prefix.sql})"
    return SqlExpr(sql, _params(text, prefix, prefix), None, is_predicate=True)


def _endswith(a: tuple[SqlExpr, ...]) -> SqlExpr:
    text, suffix = a
    sql = f"(substr({text.sql}, length({text.sql}) - length({suffix.sql}) + 1) = {suffix.sql})"
    return SqlExpr(sql, _params(text, text, suffix, suffix), None, is_predicate=True)


def _like(a: tuple[SqlExpr, ...]) -> SqlExpr:
    text, pattern = a
    return _predicate(f"({text.sql} LIKE {pattern.sql})", text, pattern)


def _concat(a: tuple[SqlExpr, ...]) -> SqlExpr:
    return SqlExpr("(" + " || ".join(arg.sql for arg in a) + ")", _params(*a), EdmType.STRING)


def _substring(a: tuple[SqlExpr, ...]) -> SqlExpr:
    text, start, *length = a
    sql = f"substr({text.sql}, {start.sql} + 1" + (f", {length[0].sql})" if length else ")")
    return SqlExpr(sql, _params(*a), EdmType.STRING)


def _date_part(name: str) -> Callable[[tuple[SqlExpr, ...]], SqlExpr]:
    start, size = _DATE_PARTS[name]

    def compile_part(a: tuple[SqlExpr, ...]) -> SqlExpr:
        (date,) = a
        return SqlExpr(
            f"CAST(substr({date.sql}, {start}, {size}) AS INTEGER)", date.params, EdmType.INT32
        )

    return compile_part


def _strftime_number(pattern: str, shift: str = "") -> Callable[[tuple[SqlExpr, ...]], SqlExpr]:
    def compile_part(a: tuple[SqlExpr, ...]) -> SqlExpr:
        (date,) = a
        sql = f"(CAST(strftime('{pattern}', {date.sql}) AS INTEGER){shift})"
        return SqlExpr(sql, date.params, EdmType.INT32)

    return compile_part


def _quarter(a: tuple[SqlExpr, ...]) -> SqlExpr:
    (date,) = a
    return SqlExpr(
        f"((CAST(substr({date.sql}, 6, 2) AS INTEGER) + 2) / 3)", date.params, EdmType.INT32
    )


def _dayofweek(a: tuple[SqlExpr, ...]) -> SqlExpr:
    # 1C's ДеньНедели: Monday = 1 … Sunday = 7; SQLite's %w: Sunday = 0.
    (date,) = a
    sql = f"(((CAST(strftime('%w', {date.sql}) AS INTEGER) + 6) % 7) + 1)"
    return SqlExpr(sql, date.params, EdmType.INT32)


def _unit(arg: SqlExpr, units: Mapping[str, object], option: str) -> str:
    if len(arg.params) != 1 or not isinstance(arg.params[0], str):
        raise bad_option(option, "the date unit must be a string literal such as 'Day'")
    unit = str(arg.params[0]).lower()
    if unit not in units:
        raise bad_option(option, f"unknown date unit {arg.params[0]!r}; use one of {sorted(units)}")
    return unit


def _dateadd(a: tuple[SqlExpr, ...], option: str) -> SqlExpr:
    date, unit_arg, amount = a
    unit = _unit(unit_arg, _DATEADD_UNITS, option)
    modifier = f"(CAST({amount.sql} AS TEXT) || ' {_DATEADD_UNITS[unit]}')"
    sql = f"strftime('%Y-%m-%dT%H:%M:%S', {date.sql}, {modifier})"
    return SqlExpr(sql, date.params + amount.params, EdmType.DATETIME)


def _datedifference(a: tuple[SqlExpr, ...], option: str) -> SqlExpr:
    first, second, unit_arg = a
    unit = _unit(unit_arg, _DATEDIFF_SECONDS, option)
    seconds = f"(strftime('%s', {second.sql}) - strftime('%s', {first.sql}))"
    return SqlExpr(
        f"({seconds} / {_DATEDIFF_SECONDS[unit]})", _params(first, second), EdmType.INT64
    )


def _round(a: tuple[SqlExpr, ...]) -> SqlExpr:
    value, *digits = a
    sql = f"round({value.sql}" + (f", {digits[0].sql})" if digits else ")")
    return SqlExpr(sql, _params(*a), EdmType.DOUBLE)


_SIMPLE: dict[str, tuple[Callable[[tuple[SqlExpr, ...]], SqlExpr], tuple[int, ...]]] = {
    "substringof": (_substringof, (2,)),
    "startswith": (_startswith, (2,)),
    "endswith": (_endswith, (2,)),
    "like": (_like, (2,)),
    "concat": (_concat, (2, 3, 4, 5, 6)),
    "substring": (_substring, (2, 3)),
    "quarter": (_quarter, (1,)),
    "dayofweek": (_dayofweek, (1,)),
    "dayofyear": (_strftime_number("%j"), (1,)),
    "round": (_round, (1, 2)),
    **{part: (_date_part(part), (1,)) for part in _DATE_PARTS},
}
_WITH_OPTION: dict[str, Callable[[tuple[SqlExpr, ...], str], SqlExpr]] = {
    "dateadd": _dateadd,
    "datedifference": _datedifference,
}


def compile_function(name: str, args: tuple[SqlExpr, ...], option: str) -> SqlExpr:
    """SQL for ``name(args)``; unknown or unsupported functions give 400 with code 14."""
    if name in UNSUPPORTED_FUNCTIONS:
        raise bad_option(option, f"функция '{name}' не поддерживается")
    if name in _WITH_OPTION:
        if len(args) != 3:
            raise bad_option(option, f"функция '{name}' ожидает 3 аргумента")
        return _WITH_OPTION[name](args, option)
    if name not in _SIMPLE:
        raise bad_option(option, f"неизвестная функция '{name}'")
    compile_call, arities = _SIMPLE[name]
    if len(args) not in arities:
        expected = " or ".join(str(count) for count in arities)
        raise bad_option(
            option, f"функция '{name}' ожидает {expected} аргумент(а), получено {len(args)}"
        )
    return compile_call(args)
