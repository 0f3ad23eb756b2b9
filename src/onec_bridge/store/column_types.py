"""Contract column types -> SQLAlchemy types that keep 1C values exact on SQLite and PostgreSQL.

SQLite has no decimal type: decimals are stored as canonical text so that
12345678901234567.891 survives a round trip (REAL would not). GUIDs are native
``uuid`` on PostgreSQL and 36-character text on SQLite, so the same string
compares equal in both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from onec_bridge.contract.column_type import parse_column_type

__all__ = ["ExactDecimal", "GuidType", "sql_type"]


class GuidType(TypeDecorator[str]):
    """A GUID as lowercase 36-char text in Python; ``uuid`` on PostgreSQL."""

    impl = sa.String(36)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=False))
        return dialect.type_descriptor(sa.String(36))


class ExactDecimal(TypeDecorator[Decimal]):
    """``numeric(p,s)`` on PostgreSQL; canonical decimal text on SQLite."""

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(self.precision + 2))
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


def sql_type(column_type: str) -> TypeEngine[Any]:
    """The SQLAlchemy type for a contract column type such as ``decimal(15,2)``."""
    parsed = parse_column_type(column_type)
    base = parsed.base
    if base == "uuid":
        return GuidType()
    if base == "decimal":
        return ExactDecimal(parsed.precision, parsed.scale)
    if base == "string":
        return sa.String(parsed.length) if parsed.length else sa.Text()
    simple: dict[str, TypeEngine[Any]] = {
        "text": sa.Text(),
        "integer": sa.BigInteger(),
        "bigint": sa.BigInteger(),
        "boolean": sa.Boolean(),
        "datetime": sa.DateTime(),
        "date": sa.Date(),
        "json": sa.JSON(),
        "bytes": sa.LargeBinary(),
    }
    return simple[base]
