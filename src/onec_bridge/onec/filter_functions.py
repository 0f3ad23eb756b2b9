"""The functions 1C's ``$filter`` supports — and only those.

1C rejects ``tolower``, ``toupper``, ``length``, ``indexof``, ``replace``,
``trim``, ``floor``, ``ceiling`` and the v4 date functions, so they do not
exist here. Text functions taking a pattern or a type name validate it.

>>> from onec_bridge.onec.filters import F
>>> substringof("мёд", F("Description")).to_odata()
"substringof('мёд',Description)"
>>> (year(F("Date")) == 2024).to_odata()
'year(Date) eq 2024'
"""

from __future__ import annotations

from onec_bridge.onec.filters import BoolCall, Call, Expr, FilterExpr, Operand, TypeName

__all__ = [
    "cast",
    "concat",
    "day",
    "dayofweek",
    "dayofyear",
    "endswith",
    "hour",
    "isof",
    "like",
    "minute",
    "month",
    "quarter",
    "round_",
    "second",
    "startswith",
    "substring",
    "substringof",
    "year",
]


def substringof(needle: Operand, haystack: Operand) -> FilterExpr:
    """True when ``needle`` occurs in ``haystack`` (OData v3 argument order)."""
    return BoolCall("substringof", needle, haystack)


def startswith(text: Operand, prefix: Operand) -> FilterExpr:
    return BoolCall("startswith", text, prefix)


def endswith(text: Operand, suffix: Operand) -> FilterExpr:
    return BoolCall("endswith", text, suffix)


def like(text: Operand, pattern: str) -> FilterExpr:
    """1C's ПОДОБНО: ``%`` any run, ``_`` one character, ``[…]`` a set."""
    return BoolCall("like", text, pattern)


def isof(value: Operand, type_name: str) -> FilterExpr:
    """True when a composite field holds a value of ``type_name``."""
    return BoolCall("isof", value, TypeName(type_name))


def cast(value: Operand, type_name: str) -> Expr:
    """Type a value for comparison with a composite field: ``cast(Guid(…), 'Document_X')``."""
    return Call("cast", value, TypeName(type_name))


def concat(first: Operand, second: Operand) -> Expr:
    return Call("concat", first, second)


def substring(text: Operand, start: int, length: int | None = None) -> Expr:
    if length is None:
        return Call("substring", text, start)
    return Call("substring", text, start, length)


def round_(value: Operand) -> Expr:
    return Call("round", value)


def year(value: Operand) -> Expr:
    return Call("year", value)


def quarter(value: Operand) -> Expr:
    return Call("quarter", value)


def month(value: Operand) -> Expr:
    return Call("month", value)


def day(value: Operand) -> Expr:
    return Call("day", value)


def dayofweek(value: Operand) -> Expr:
    return Call("dayofweek", value)


def dayofyear(value: Operand) -> Expr:
    return Call("dayofyear", value)


def hour(value: Operand) -> Expr:
    return Call("hour", value)


def minute(value: Operand) -> Expr:
    return Call("minute", value)


def second(value: Operand) -> Expr:
    return Call("second", value)
