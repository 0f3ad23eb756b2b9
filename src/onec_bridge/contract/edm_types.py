"""Which contract column types can hold a value of a given ``$metadata`` (Edm) type.

A column type is accepted when every value 1C can send converts without
failure or loss: ``Edm.Double`` into ``integer`` drops fractions, a
composite ``Edm.String`` into ``uuid`` fails on ``""`` or a number.

>>> accepts("Edm.Double", "decimal(15,3)"), accepts("Edm.Double", "integer")
(True, False)
>>> default_column_type("Edm.Int64")
'bigint'
"""

from __future__ import annotations

import re

__all__ = [
    "DEFAULT_DECIMAL",
    "GUID_TEXT_LENGTH",
    "accepts",
    "column_base",
    "default_column_type",
    "is_collection",
    "string_length",
]

# 1C sends fractional numbers as Edm.Double without precision; 15,3 fits most quantities.
DEFAULT_DECIMAL = "decimal(15,3)"
GUID_TEXT_LENGTH = 36

_ANY_SCALAR = {"text", "json"}
_ACCEPTED: dict[str, set[str]] = {
    "Edm.Guid": {"uuid", "string"} | _ANY_SCALAR,
    "Edm.String": {"string"} | _ANY_SCALAR,
    "Edm.Double": {"decimal"} | _ANY_SCALAR,
    "Edm.Decimal": {"decimal"} | _ANY_SCALAR,
    "Edm.Single": {"decimal"} | _ANY_SCALAR,
    "Edm.Byte": {"integer", "bigint", "decimal"} | _ANY_SCALAR,
    "Edm.SByte": {"integer", "bigint", "decimal"} | _ANY_SCALAR,
    "Edm.Int16": {"integer", "bigint", "decimal"} | _ANY_SCALAR,
    "Edm.Int32": {"integer", "bigint", "decimal"} | _ANY_SCALAR,
    # 1C's Edm.Int64 is any whole number (LineNumber, СрокГодности): integer usually fits.
    "Edm.Int64": {"integer", "bigint", "decimal"} | _ANY_SCALAR,
    "Edm.Boolean": {"boolean"} | _ANY_SCALAR,
    "Edm.DateTime": {"datetime", "date"} | _ANY_SCALAR,
    "Edm.DateTimeOffset": {"datetime", "date"} | _ANY_SCALAR,
    "Edm.Binary": {"bytes"} | _ANY_SCALAR,
}
_DEFAULTS = {
    "Edm.Guid": "uuid",
    "Edm.String": "text",
    "Edm.Double": DEFAULT_DECIMAL,
    "Edm.Decimal": DEFAULT_DECIMAL,
    "Edm.Single": DEFAULT_DECIMAL,
    "Edm.Byte": "integer",
    "Edm.SByte": "integer",
    "Edm.Int16": "integer",
    "Edm.Int32": "integer",
    "Edm.Int64": "bigint",
    "Edm.Boolean": "boolean",
    "Edm.DateTime": "datetime",
    "Edm.DateTimeOffset": "datetime",
    "Edm.Binary": "bytes",
}
_STRING_LENGTH = re.compile(r"^string\((\d+)\)$")


def is_collection(edm_type: str) -> bool:
    """A tabular section or register record set: ``Collection(StandardODATA.…_RowType)``."""
    return edm_type.startswith("Collection(")


def column_base(column_type: str) -> str:
    """``decimal`` for ``decimal(15,2)``, ``string`` for ``string(20)``."""
    return column_type.partition("(")[0]


def string_length(column_type: str) -> int | None:
    match = _STRING_LENGTH.match(column_type)
    return int(match.group(1)) if match else None


def default_column_type(edm_type: str) -> str:
    """The column type a scaffold gives a property; ``json`` for complex and collection types."""
    return _DEFAULTS.get(edm_type, "json")


def accepts(edm_type: str, column_type: str) -> bool:
    """True when a ``column_type`` column can hold every value of ``edm_type``."""
    accepted = _ACCEPTED.get(edm_type)
    if accepted is None:
        return column_base(column_type) == "json"
    if column_base(column_type) not in accepted:
        return False
    length = string_length(column_type)
    return not (edm_type == "Edm.Guid" and length is not None and length < GUID_TEXT_LENGTH)
