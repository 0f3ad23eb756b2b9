"""The syntax tree of a ``$filter`` expression (and of ``Condition`` in virtual tables)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onec_bridge.emulator.model import EdmType

__all__ = ["BinaryOp", "Call", "Expr", "Lambda", "Literal", "PropertyPath", "UnaryOp"]


@dataclass(frozen=True, slots=True)
class Literal:
    """A typed literal; ``type`` is None for ``null``."""

    value: Any
    type: EdmType | None


@dataclass(frozen=True, slots=True)
class PropertyPath:
    """``Code`` or a navigation path such as ``Parent/Description``."""

    segments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BinaryOp:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class UnaryOp:
    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Lambda:
    """``Товары/any(d: d/Цена gt 10)`` over a tabular section."""

    collection: PropertyPath
    quantifier: str
    variable: str | None
    body: Expr | None


Expr = Literal | PropertyPath | BinaryOp | UnaryOp | Call | Lambda
