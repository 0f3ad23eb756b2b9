"""OData v3 literals as 1C reads them, encoded by the Python type of the value.

The type decides the form, so a value can never break out of its literal:
``uuid.UUID``/``Guid`` → ``guid'…'``, ``datetime`` → ``datetime'YYYY-MM-DDTHH:MM:SS'``
(naive, server-local), ``str`` → ``'…'`` with ``''`` doubling, ``bool`` →
``true``/``false``, ``None`` → ``null``, ``int``/``Decimal`` → bare digits
(never an exponent). A GUID held in a ``str`` stays a string: wrap it in
``Guid("…")`` to send it as a GUID.

>>> encode_literal("O'Brien")
"'O''Brien'"
>>> encode_literal(Guid("8CE32335-8726-11E3-8054-0015E9B8C48D"))
"guid'8ce32335-8726-11e3-8054-0015e9b8c48d'"
>>> parse_literal("datetime'2016-12-22T00:00:00'")
datetime.datetime(2016, 12, 22, 0, 0)
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

from onec_bridge.mapping.onec_values import ODATA_DATETIME_FORMAT

__all__ = ["Guid", "LiteralValue", "encode_literal", "parse_literal"]

_GUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATETIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


class Guid(str):
    """A GUID meant as a GUID literal: validated, lowercase, 36 characters.

    >>> Guid("8CE32335-8726-11E3-8054-0015E9B8C48D")
    Guid('8ce32335-8726-11e3-8054-0015e9b8c48d')
    """

    __slots__ = ()

    def __new__(cls, value: str | uuid.UUID) -> Guid:
        if isinstance(value, uuid.UUID):
            return super().__new__(cls, str(value))
        text = str(value).strip()
        if not _GUID_TEXT.match(text):
            raise ValueError(
                f"Guid needs 36 characters like '8ce32335-8726-11e3-8054-0015e9b8c48d', "
                f"got {value!r}; pass the Ref_Key exactly as 1C returned it"
            )
        return super().__new__(cls, text.lower())

    def __repr__(self) -> str:
        return f"Guid({str(self)!r})"

    @property
    def uuid(self) -> uuid.UUID:
        return uuid.UUID(self)


LiteralValue: TypeAlias = (
    Guid | uuid.UUID | datetime | date | str | bool | int | Decimal | float | None
)


def encode_literal(value: LiteralValue) -> str:
    """The OData literal for ``value``; TypeError/ValueError for what 1C cannot take."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Guid):
        return f"guid'{value}'"
    if isinstance(value, uuid.UUID):
        return f"guid'{value}'"
    if isinstance(value, datetime):
        return _encode_datetime(value)
    if isinstance(value, date):
        return f"datetime'{value.isoformat()}T00:00:00'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _encode_decimal(value)
    if isinstance(value, float):
        return _encode_float(value)
    raise TypeError(
        f"cannot send a {type(value).__name__} to 1C as a literal ({value!r}); use str, int, "
        "Decimal, bool, None, datetime, uuid.UUID or Guid"
    )


def _encode_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        raise ValueError(
            f"1C dates are naive server-local times, got an aware datetime {value.isoformat()}; "
            "convert it first: value.astimezone(ZoneInfo(settings.timezone)).replace(tzinfo=None)"
        )
    if value.microsecond:
        raise ValueError(
            f"1C dates have whole seconds, got {value.isoformat()}; "
            "use value.replace(microsecond=0) if truncation is what you mean"
        )
    return f"datetime'{value.strftime(ODATA_DATETIME_FORMAT).rjust(19, '0')}'"


def _encode_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"1C has no literal for {value}; send a finite number")
    return format(value, "f")


def _encode_float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"1C has no literal for {value}; send a finite number")
    # repr() is the shortest text that reads back as the same float, so this is exact.
    return format(Decimal(repr(value)), "f")


def parse_literal(text: str) -> Guid | datetime | str | bool | int | Decimal | None:
    """Read back one literal written by ``encode_literal`` (the inverse, for tests and tools).

    Numbers without a point become ``int``, with one ``Decimal``; dates come back naive.
    """
    text = text.strip()
    if text == "null":
        return None
    if text in ("true", "false"):
        return text == "true"
    if text.startswith("guid'") and text.endswith("'"):
        return Guid(text[5:-1])
    if text.startswith("datetime'") and text.endswith("'"):
        return _parse_datetime(text[9:-1])
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return _parse_string(text)
    if _NUMBER_TEXT.match(text):
        if "." in text:
            try:
                return Decimal(text)
            except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
                pass
        else:
            return int(text)
    raise ValueError(
        f"not an OData literal: {text!r}; expected null, true/false, guid'…', "
        "datetime'…', '…' or a number"
    )


def _parse_datetime(body: str) -> datetime:
    if not _DATETIME_TEXT.match(body):
        raise ValueError(f"datetime literal must be YYYY-MM-DDTHH:MM[:SS], got {body!r}")
    return datetime.fromisoformat(body)


def _parse_string(text: str) -> str:
    inner = text[1:-1]
    if "'" in inner.replace("''", ""):
        raise ValueError(f"unescaped quote inside string literal {text!r}; double it as ''")
    return inner.replace("''", "'")
