"""Wire value -> column value converters, one per contract column type.

Each takes the raw JSON value 1C sent (strings, exact ``Decimal`` numbers,
booleans, None) and returns what the destination column stores, or raises
``ValueError`` saying what is wrong with the value.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from onec_bridge.contract.column_type import parse_column_type
from onec_bridge.mapping.onec_values import EMPTY_GUID

__all__ = ["Converter", "converter_for"]

Converter = Callable[[Any], Any]

# \Z, not $: "$" also matches before a final line break, which is not part of a GUID
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def converter_for(column_type: str) -> Converter:
    """The converter for a resolved contract column type such as ``decimal(15,2)``."""
    parsed = parse_column_type(column_type)
    base = parsed.base
    if base == "decimal":
        return _decimal(parsed.precision, parsed.scale)
    if base == "string":
        return _string(parsed.length)
    return {
        "uuid": _uuid,
        "text": _string(None),
        "integer": _integer,
        "bigint": _integer,
        "boolean": _boolean,
        "datetime": _datetime,
        "date": _date,
        "json": _json,
        "bytes": _bytes,
    }[base]


def _uuid(value: Any) -> str | None:
    if value is None or value == "" or value == EMPTY_GUID:
        return None
    if value.__class__ is str and _GUID.match(value):  # 1C sends lowercase: no copy needed
        return value
    text = str(value).lower()
    if not _GUID.match(text):
        raise ValueError(f"{value!r} is not a GUID")
    return None if text == EMPTY_GUID else text


def _string(max_length: int | None) -> Converter:
    def convert(value: Any) -> str | None:
        if value is None:
            return None
        text = value if isinstance(value, str) else str(value)
        control = _CONTROL.search(text)
        if control:
            raise ValueError(f"control character {control.group()!r} in {text[:40]!r}")
        # 1C pads fixed-length strings with spaces; the padding is not data
        text = text.rstrip(" ")
        if max_length is not None and len(text) > max_length:
            raise ValueError(f"{text[:40]!r} is {len(text)} characters, column allows {max_length}")
        return text

    return convert


def _decimal(precision: int, scale: int) -> Converter:
    limit = Decimal(10) ** (precision - scale)
    quantum = Decimal(1).scaleb(-scale)

    def convert(value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
        if abs(number) >= limit:
            raise ValueError(f"{number} does not fit decimal({precision},{scale})")
        if number.as_tuple().exponent < -scale:  # type: ignore[operator]
            raise ValueError(f"{number} has more than {scale} decimal places")
        return number.quantize(quantum)

    return convert


def _integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a boolean, not an integer")
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"{value} is not a whole number")
        return int(value)
    try:
        return int(value)  # 1C sends Edm.Int64 as a JSON string
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not an integer") from None


def _boolean(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise ValueError(f"{value!r} is not a boolean")


def _datetime(value: Any) -> datetime | None:
    if value is None or value == "" or str(value).startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a 1C date (YYYY-MM-DDTHH:MM:SS)") from None


def _date(value: Any) -> date | None:
    moment = _datetime(value)
    return None if moment is None else moment.date()


def _json(value: Any) -> Any:
    return None if value is None else orjson.loads(orjson.dumps(value, default=str))


def _bytes(value: Any) -> bytes | None:
    if value is None or value == "":
        return None
    return base64.b64decode(value)
