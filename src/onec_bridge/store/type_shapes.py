"""What a column type physically is, and whether changing one type into another keeps every value.

Both sides are compared as the database stores them: the contract's type is
first resolved for the dialect (a GUID is ``VARCHAR(36)`` on SQLite, ``UUID`` on
PostgreSQL), the live type comes from the SQLAlchemy inspector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["TypeShape", "is_widening", "render_type", "shape_of"]

_SIMPLE_FAMILIES: tuple[tuple[type[TypeEngine[Any]], str], ...] = (
    (sa.Uuid, "uuid"),
    (sa.Boolean, "boolean"),
    (sa.DateTime, "datetime"),
    (sa.Date, "date"),
    (sa.JSON, "json"),
    (sa.LargeBinary, "binary"),
)


@dataclass(frozen=True)
class TypeShape:
    """A type reduced to what matters for data loss: family, size (length/bits/precision), scale."""

    family: str
    size: int | None = None
    scale: int = 0


def physical_type(type_: TypeEngine[Any], dialect: Dialect) -> TypeEngine[Any]:
    if isinstance(type_, TypeDecorator):
        return physical_type(type_.load_dialect_impl(dialect), dialect)
    return type_


def shape_of(type_: TypeEngine[Any], dialect: Dialect) -> TypeShape:
    stored = physical_type(type_, dialect)
    for kind, family in _SIMPLE_FAMILIES:
        if isinstance(stored, kind):
            return TypeShape(family)
    if isinstance(stored, sa.Integer):
        return TypeShape("integer", _integer_bits(stored))
    if isinstance(stored, sa.Numeric):
        return TypeShape("numeric", stored.precision, stored.scale or 0)
    if isinstance(stored, sa.String):
        return TypeShape("text", stored.length)
    return TypeShape(render_type(stored, dialect))


def is_widening(old: TypeShape, new: TypeShape) -> bool:
    """True when every value of ``old`` fits ``new`` unchanged (``VARCHAR(11)`` -> ``TEXT``)."""
    if old.family != new.family:
        return False
    if old.family == "text":
        return new.size is None or (old.size is not None and new.size >= old.size)
    if old.family == "integer":
        return (new.size or 0) >= (old.size or 0)
    if old.family == "numeric":
        if old.size is None or new.size is None:
            return new.size is None
        return new.scale >= old.scale and new.size - new.scale >= old.size - old.scale
    return old == new


def render_type(type_: TypeEngine[Any], dialect: Dialect) -> str:
    """The type as the database spells it, e.g. ``NUMERIC(15, 2)`` or ``VARCHAR(36)``."""
    try:
        return str(physical_type(type_, dialect).compile(dialect=dialect))
    except sa.exc.CompileError:
        return repr(type_)


def _integer_bits(type_: sa.Integer) -> int:
    if isinstance(type_, sa.BigInteger):
        return 64
    if isinstance(type_, sa.SmallInteger):
        return 16
    return 32
