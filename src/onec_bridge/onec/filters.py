"""``$filter`` expressions for 1C, built from Python operators, injection-proof.

Field names are checked against an identifier pattern (Cyrillic welcome,
navigation with ``/``); every value goes through ``encode_literal``; only the
operators 1C's OData supports exist; its functions live in ``filter_functions``.
``in`` is expanded to an ``or`` chain.

>>> from onec_bridge.onec.literals import Guid
>>> ((F("Code") > "00-0001") & ~F("DeletionMark")).to_odata()
"Code gt '00-0001' and not (DeletionMark)"
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import ClassVar, TypeAlias

from onec_bridge.onec.literals import Guid, LiteralValue, encode_literal

__all__ = [
    "And",
    "Arithmetic",
    "BoolCall",
    "Call",
    "Comparison",
    "Expr",
    "F",
    "FilterExpr",
    "Lambda",
    "Literal",
    "Not",
    "Operand",
    "Or",
    "Predicate",
    "TypeName",
    "as_expr",
    "validate_path",
]

_NAME = r"[^\W\d]\w*"
_PATH = re.compile(rf"^{_NAME}(/{_NAME})*$")
_TYPE_NAME = re.compile(rf"^({_NAME}\.)?{_NAME}$")
_ORDERING_OPS = frozenset({"gt", "ge", "lt", "le"})


def validate_path(path: str, what: str = "field") -> str:
    """``path`` if it is a safe property path (``Code``, ``Контрагент/ИНН``), else ValueError."""
    if not isinstance(path, str) or not _PATH.match(path):
        raise ValueError(
            f"invalid {what} name {path!r}: use a property name from $metadata "
            "(letters, digits, '_'; navigation with '/', e.g. 'Контрагент/ИНН')"
        )
    return path


class FilterExpr:
    """A boolean condition; combine with ``&``, ``|`` and ``~``."""

    __slots__ = ()

    def to_odata(self) -> str:
        raise NotImplementedError

    def __and__(self, other: FilterExpr) -> FilterExpr:
        return And.of(self, _require_filter(other, "&"))

    def __or__(self, other: FilterExpr) -> FilterExpr:
        return Or.of(self, _require_filter(other, "|"))

    def __invert__(self) -> FilterExpr:
        return Not(self)

    def __bool__(self) -> bool:
        raise TypeError(
            "a filter has no truth value: combine filters with &, | and ~ "
            "(not 'and', 'or', 'not'), and compare one bound at a time "
            "(use .between(low, high) instead of low < F(...) < high)"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_odata()!r})"


def _require_filter(value: object, operator: str) -> FilterExpr:
    if isinstance(value, FilterExpr):
        return value
    if isinstance(value, Expr):
        return Predicate(value)
    raise TypeError(f"{operator} needs a filter on both sides, got {value!r}")


class Expr:
    """A value inside a filter: a field, a literal, a function call or arithmetic."""

    __slots__ = ()

    def to_odata(self) -> str:
        raise NotImplementedError

    def __eq__(self, other: Operand) -> FilterExpr:  # type: ignore[override]
        return Comparison("eq", self, other)

    def __ne__(self, other: Operand) -> FilterExpr:  # type: ignore[override]
        return Comparison("ne", self, other)

    def __gt__(self, other: Operand) -> FilterExpr:
        return Comparison("gt", self, other)

    def __ge__(self, other: Operand) -> FilterExpr:
        return Comparison("ge", self, other)

    def __lt__(self, other: Operand) -> FilterExpr:
        return Comparison("lt", self, other)

    def __le__(self, other: Operand) -> FilterExpr:
        return Comparison("le", self, other)

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Operand) -> Expr:
        return Arithmetic("add", self, other)

    def __sub__(self, other: Operand) -> Expr:
        return Arithmetic("sub", self, other)

    def __mul__(self, other: Operand) -> Expr:
        return Arithmetic("mul", self, other)

    def __truediv__(self, other: Operand) -> Expr:
        return Arithmetic("div", self, other)

    def __invert__(self) -> FilterExpr:
        return Not(Predicate(self))

    def in_(self, values: Iterable[LiteralValue]) -> FilterExpr:
        """``self eq v1 or self eq v2 …`` (1C has no ``in``); duplicates dropped."""
        # keyed by type too: Guid("…") == "…" and True == 1, yet their literals differ
        unique = [value for _, value in dict.fromkeys((type(v), v) for v in values)]
        if not unique:
            raise ValueError(
                f"in_() on {self.to_odata()} got no values; skip the query instead, "
                "an empty 'in' matches nothing"
            )
        return Or.of(*(Comparison("eq", self, value) for value in unique))

    def between(self, low: Operand, high: Operand) -> FilterExpr:
        """``low <= self <= high`` (both bounds inclusive)."""
        return And.of(Comparison("ge", self, low), Comparison("le", self, high))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_odata()!r})"


Operand: TypeAlias = Expr | LiteralValue


def as_expr(value: Operand) -> Expr:
    """A value as an expression: expressions stay, Python values become literals."""
    return value if isinstance(value, Expr) else Literal(value)


class F(Expr):
    """A property of the entity, or a navigation path: ``F("Контрагент/ИНН")``."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = validate_path(path)

    def to_odata(self) -> str:
        return self.path

    def any(self, variable: str, condition: FilterExpr) -> FilterExpr:
        """Rows of a tabular section: ``F("Товары").any("d", F("d/Цена") > 10000)``."""
        return Lambda(self, "any", variable, condition)

    def all(self, variable: str, condition: FilterExpr) -> FilterExpr:
        return Lambda(self, "all", variable, condition)

    def asc(self) -> str:
        return f"{self.path} asc"

    def desc(self) -> str:
        return f"{self.path} desc"


class Literal(Expr):
    __slots__ = ("text", "value")

    def __init__(self, value: LiteralValue) -> None:
        self.value = value
        self.text = encode_literal(value)

    def to_odata(self) -> str:
        return self.text


class Call(Expr):
    """A function returning a value: ``year(Date)``, ``cast(guid'…','Catalog_X')``."""

    __slots__ = ("args", "name")

    def __init__(self, name: str, *args: Operand | TypeName) -> None:
        self.name = name
        self.args = tuple(arg if isinstance(arg, TypeName) else as_expr(arg) for arg in args)

    def to_odata(self) -> str:
        return f"{self.name}({','.join(arg.to_odata() for arg in self.args)})"


class TypeName:
    """A type name argument of ``cast``/``isof``, quoted as 1C expects."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        if not _TYPE_NAME.match(name):
            raise ValueError(
                f"invalid type name {name!r}: give an entity-set name like "
                "'Document_ПриходнаяНакладная' or 'Edm.Double'"
            )
        self.name = name

    def to_odata(self) -> str:
        return f"'{self.name}'"


class Arithmetic(Expr):
    __slots__ = ("left", "op", "right")

    def __init__(self, op: str, left: Operand, right: Operand) -> None:
        self.op, self.left, self.right = op, as_expr(left), as_expr(right)

    def to_odata(self) -> str:
        return f"({self.left.to_odata()} {self.op} {self.right.to_odata()})"


class Comparison(FilterExpr):
    __slots__ = ("left", "op", "right")

    def __init__(self, op: str, left: Operand, right: Operand) -> None:
        if op in _ORDERING_OPS and (_is_guid(left) or _is_guid(right)):
            raise ValueError(
                f"1C cannot order references: '{op}' on a GUID fails with HTTP 500 "
                "(«Нельзя сравнивать поля неограниченной длины…»); page by Code, Date or "
                "Period instead, and compare GUIDs only with == / !="
            )
        self.op, self.left, self.right = op, as_expr(left), as_expr(right)

    def to_odata(self) -> str:
        return f"{self.left.to_odata()} {self.op} {self.right.to_odata()}"


def _is_guid(value: Operand) -> bool:
    if isinstance(value, Literal):
        value = value.value
    return isinstance(value, Guid | uuid.UUID)


class Predicate(FilterExpr):
    """A boolean field or boolean-valued call used as a condition by itself."""

    __slots__ = ("expr",)

    def __init__(self, expr: Expr) -> None:
        self.expr = expr

    def to_odata(self) -> str:
        return self.expr.to_odata()


class _Junction(FilterExpr):
    """Parts joined by one keyword; nested junctions of the same kind are flattened."""

    __slots__ = ("parts",)
    keyword: ClassVar[str]

    def __init__(self, parts: tuple[FilterExpr, ...]) -> None:
        self.parts = parts

    @classmethod
    def of(cls, *parts: FilterExpr) -> FilterExpr:
        flat: list[FilterExpr] = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, cls) else (part,))
        return flat[0] if len(flat) == 1 else cls(tuple(flat))

    def to_odata(self) -> str:
        return f" {self.keyword} ".join(self._render(part) for part in self.parts)

    def _render(self, part: FilterExpr) -> str:
        return part.to_odata()


class And(_Junction):
    __slots__ = ()
    keyword = "and"

    def _render(self, part: FilterExpr) -> str:
        # `or` binds looser than `and`
        return f"({part.to_odata()})" if isinstance(part, Or) else part.to_odata()


class Or(_Junction):
    __slots__ = ()
    keyword = "or"


class Not(FilterExpr):
    __slots__ = ("inner",)

    def __init__(self, inner: FilterExpr) -> None:
        self.inner = inner

    def to_odata(self) -> str:
        return f"not ({self.inner.to_odata()})"


class Lambda(FilterExpr):
    __slots__ = ("condition", "kind", "source", "variable")

    def __init__(self, source: F, kind: str, variable: str, condition: FilterExpr) -> None:
        self.source, self.kind, self.condition = source, kind, condition
        self.variable = validate_path(variable, "lambda variable")

    def to_odata(self) -> str:
        inner = self.condition.to_odata()
        return f"{self.source.path}/{self.kind}({self.variable}: {inner})"


class BoolCall(FilterExpr):
    """A function returning a boolean, usable directly as a condition."""

    __slots__ = ("call",)

    def __init__(self, name: str, *args: Operand | TypeName) -> None:
        self.call = Call(name, *args)

    def to_odata(self) -> str:
        return self.call.to_odata()
