"""Whole-column fast paths: one page's values of one column, straight to what the driver binds.

The reference for every column is the per-value converter (``converters.py``)
followed by ``storage.stored_processor`` (SQLAlchemy's bind processor for the dialect,
but text for datetimes and decimals on PostgreSQL too). A fast path checks a
whole column at once (one regex over the joined text, C-level ``map``) and
returns exactly what the reference returns value by value — or None whenever
the column holds anything it is not sure about (a None mixed in is handled; an
uppercase GUID, a control character, a number in exponent form, a malformed
date are not), and then the reference runs value by value, rejecting bad rows
with their reason. A fast path never rejects anything itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from itertools import repeat
from operator import is_
from typing import Any

from onec_bridge.contract.column_type import parse_column_type
from onec_bridge.mapping.onec_values import EMPTY_GUID

__all__ = ["ColumnFast", "canonical_guids", "fast_column"]

#: ``values -> storage values``, or None: "use the reference, value by value"
ColumnFast = Callable[[list[Any]], list[Any] | None]

_HEX_GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_GUID_LINES = re.compile(f"{_HEX_GUID}(?:\n{_HEX_GUID})*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INT_LINES = re.compile(r"-?[0-9]+(?:\n-?[0-9]+)*")
_DATETIME = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
_DATETIME_LINES = re.compile(f"{_DATETIME}(?:\n{_DATETIME})*")
_EMPTY_DATE = "0001-01-01"
#: JSON numbers, and atom's untyped text (checked by the same pattern: ``str`` of a number
#: is its text); bool and float are not: the reference decides
_NUMBER_TYPES = frozenset({Decimal, int, str})


def fast_column(column_type: str, dialect: str) -> ColumnFast | None:
    """The fast path of a resolved contract type for ``dialect`` (``sqlite``, ``postgresql``),
    or None where only the reference is used. Datetimes and decimals go to both as text
    (``storage.stored_processor`` says why)."""
    parsed = parse_column_type(column_type)
    base = parsed.base
    sqlite = dialect == "sqlite"
    fast: ColumnFast | None = None
    if base == "uuid":
        fast = canonical_guids
    elif base in ("string", "text"):
        fast = _string(parsed.length)
    elif base in ("integer", "bigint"):
        fast = _integer
    elif base == "boolean":
        fast = _boolean_sqlite if sqlite else _boolean
    elif base == "datetime":
        fast = _datetime_text
    elif base == "decimal" and parsed.first is not None:
        fast = _decimal_text(parsed.precision, parsed.scale)
    return None if fast is None else _skip_none(fast)


def _skip_none(fast: ColumnFast) -> ColumnFast:
    """Every reference maps None to None: run ``fast`` on the other values only."""

    def run(values: list[Any]) -> list[Any] | None:
        # by identity: ``None in values`` compares by ==, and Decimal's == against None
        # takes a slow path (~0.14 µs a value)
        if not any(map(is_, values, repeat(None))):
            return fast(values)
        present = [value for value in values if value is not None]
        done = fast(present)
        if done is None:
            return None
        converted = iter(done)
        return [None if value is None else next(converted) for value in values]

    return run


def _lines(values: list[Any]) -> str | None:
    """The texts joined one per line, for a pattern over the whole column; None if a value
    is not text or holds a line break itself (two values to the pattern, one to the
    reference)."""
    try:
        joined = "\n".join(values)
    except TypeError:
        return None
    if values and joined.count("\n") != len(values) - 1:
        return None
    return joined


def canonical_guids(values: list[Any]) -> list[Any] | None:
    """GUIDs 1C sent in canonical form stored as they are (``values`` itself when none is
    the empty reference, which becomes None), or None: the reference decides."""
    joined = _lines(values)
    if joined is None:
        return None
    if values and not _GUID_LINES.fullmatch(joined):
        return None  # uppercase, braces, garbage: the reference decides
    if EMPTY_GUID in joined:
        return [None if value == EMPTY_GUID else value for value in values]
    return values


def _string(max_length: int | None) -> ColumnFast:
    def fast(values: list[Any]) -> list[Any] | None:
        try:
            joined = "\n".join(values)
        except TypeError:
            return None
        if _CONTROL.search(joined):
            return None
        if " \n" in joined or joined.endswith(" "):
            values = [value.rstrip(" ") for value in values]
        if max_length is not None and values and max(map(len, values)) > max_length:
            return None
        return values

    return fast


def _integer(values: list[Any]) -> list[Any] | None:
    kinds = set(map(type, values))
    if kinds <= {int}:
        return values
    if kinds == {str} and (joined := _lines(values)) and _INT_LINES.fullmatch(joined):
        return list(map(int, values))  # 1C sends Edm.Int64 as a JSON string
    return None


def _booleans(from_text: dict[str, Any], from_bool: Callable[[list[Any]], list[Any]]) -> ColumnFast:
    """Booleans as JSON sends them, or as atom's text ``true``/``false`` (anything else,
    ``True`` or ``"1"``, is left to the reference)."""

    def fast(values: list[Any]) -> list[Any] | None:
        kinds = set(map(type, values))
        if kinds <= {bool}:
            return from_bool(values)
        if kinds == {str}:
            try:
                return list(map(from_text.__getitem__, values))
            except KeyError:
                return None
        return None

    return fast


_boolean = _booleans({"true": True, "false": False}, lambda values: values)
_boolean_sqlite = _booleans({"true": 1, "false": 0}, lambda values: list(map(int, values)))


def _checked_datetimes(values: list[Any]) -> str | None:
    """The values joined one per line if each is a 1C date of the calendar, else None."""
    joined = _lines(values)
    if joined is None:
        return None
    if values and not _DATETIME_LINES.fullmatch(joined):
        return None
    try:
        for _ in map(datetime.fromisoformat, values):  # a real calendar date: 2024-02-30 fails
            pass
    except ValueError:
        return None
    return joined


def _empty_dates(values: list[Any], converted: list[Any]) -> list[Any]:
    return [
        None if value.startswith(_EMPTY_DATE) else done
        for value, done in zip(values, converted, strict=True)
    ]


def _datetime_text(values: list[Any]) -> list[Any] | None:
    """SQLAlchemy's SQLite DATETIME text, ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    joined = _checked_datetimes(values)
    if joined is None or not values:
        return None if joined is None else []
    texts = (joined.replace("T", " ").replace("\n", ".000000\n") + ".000000").split("\n")
    return _empty_dates(values, texts) if _EMPTY_DATE in joined else texts


def _decimal_text(precision: int, scale: int) -> ColumnFast | None:
    """Canonical decimal text (``format(quantized, "f")``: what ``ExactDecimal`` binds on
    SQLite, and what COPY sends to PostgreSQL) from JSON numbers or atom texts that already
    fit: at most ``precision - scale`` integer digits without leading zeros, at most
    ``scale`` decimals, no exponent."""
    whole = precision - scale
    if whole < 1 or scale < 0:
        return None
    number = f"-?(?:0|[1-9][0-9]{{0,{whole - 1}}})"
    fraction = f"(?:\\.[0-9]{{1,{scale}}})?" if scale else ""
    exact = f"\\.[0-9]{{{scale}}}" if scale else ""
    fits = re.compile(f"{number}{fraction}(?:\n{number}{fraction})*")
    padded = re.compile(f"{number}{exact}(?:\n{number}{exact})*")
    pads = {digits: "0" * (scale - digits) for digits in range(scale + 1)}
    bare = "." + "0" * scale

    def fast(values: list[Any]) -> list[Any] | None:
        if not set(map(type, values)) <= _NUMBER_TYPES:
            return None  # bool, float: the reference decides
        texts = list(map(str, values))
        joined = _lines(texts)
        if joined is None or not fits.fullmatch(joined):
            return None
        if not scale or padded.fullmatch(joined):
            return texts
        return [
            text + pads[len(text) - 1 - dot] if (dot := text.find(".")) >= 0 else text + bare
            for text in texts
        ]

    return fast
