"""Compile a ``$filter`` syntax tree into an SQLite WHERE clause over the emulator's tables.

Every property is a real column, so filters and orderings run as SQL with the table's
indexes. Navigation paths (``Parent/Description``) become correlated sub-queries and
lambdas over tabular sections become ``EXISTS``. 1C's refusals are reproduced: an
order comparison of references fails with 500, unsupported functions with 400/14.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from onec_bridge.emulator.errors import ODataError, bad_option
from onec_bridge.emulator.filter_ast import (
    BinaryOp,
    Call,
    Expr,
    Lambda,
    Literal,
    PropertyPath,
    UnaryOp,
)
from onec_bridge.emulator.filter_composite import (
    compile_cast,
    compile_isof,
    composite_comparison,
)
from onec_bridge.emulator.filter_functions import compile_function
from onec_bridge.emulator.model import Configuration, EdmType, EntitySet, Property
from onec_bridge.emulator.sql_expr import SqlExpr
from onec_bridge.emulator.sql_names import quote, tabular_table

__all__ = [
    "CompiledFilter",
    "SqlExpr",
    "compile_filter",
    "compile_path",
    "property_column",
    "unbounded_comparison",
]

_SQL_COMPARISON = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_SQL_ARITHMETIC = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
_ORDER_COMPARISONS = frozenset({"gt", "ge", "lt", "le"})


@dataclass(frozen=True, slots=True)
class CompiledFilter:
    sql: str
    params: tuple[Any, ...]


@dataclass
class _Scope:
    configuration: Configuration
    entity_set: EntitySet
    alias: str
    option: str
    lambda_tables: dict[str, tuple[str, tuple[Property, ...]]] = field(default_factory=dict)
    depth: int = 0


def unbounded_comparison() -> ODataError:
    """What 1C answers to ``Ref_Key gt guid'…'`` (keyset paging on a reference)."""
    return ODataError(
        500,
        "-1",
        "Ошибка выполнения запроса: Нельзя сравнивать поля неограниченной длины "
        "и поля несовместимых типов.",
    )


def property_column(entity_set: EntitySet, alias: str, name: str, option: str) -> Property:
    prop = entity_set.get_property(name)
    if prop is None:
        raise bad_option(option, f"свойство '{name}' не найдено у {entity_set.name}")
    return prop


def compile_filter(
    expr: Expr,
    configuration: Configuration,
    entity_set: EntitySet,
    alias: str = "t",
    option: str = "$filter",
) -> CompiledFilter:
    """SQL for ``WHERE``; a bare boolean property counts as ``prop eq true``."""
    scope = _Scope(configuration, entity_set, alias, option)
    compiled = _as_predicate(_compile(expr, scope))
    return CompiledFilter(compiled.sql, compiled.params)


def compile_path(
    path: PropertyPath,
    configuration: Configuration,
    entity_set: EntitySet,
    alias: str,
    option: str,
) -> SqlExpr:
    """SQL for a property path (``Code`` or ``Parent/Description``), e.g. for ``$orderby``."""
    return _compile_path(path, _Scope(configuration, entity_set, alias, option))


def _as_predicate(expr: SqlExpr) -> SqlExpr:
    if expr.is_predicate:
        return expr
    if expr.type is EdmType.BOOLEAN:
        return SqlExpr(f"({expr.sql}) <> 0", expr.params, None, is_predicate=True)
    raise bad_option("$filter", "the expression is not a condition (it yields no true/false)")


def _compile(expr: Expr, scope: _Scope) -> SqlExpr:
    compiler = _COMPILERS[type(expr)]
    return compiler(expr, scope)


def _compile_literal(expr: Any, scope: _Scope) -> SqlExpr:
    literal: Literal = expr
    if literal.type is None:
        return SqlExpr("NULL", (), None, is_null=True)
    value = int(literal.value) if literal.type is EdmType.BOOLEAN else literal.value
    if isinstance(value, Decimal):  # SQLite stores Edm.Double as REAL
        value = float(value)
    return SqlExpr("?", (value,), literal.type)


def _compile_path(expr: Any, scope: _Scope) -> SqlExpr:
    path: PropertyPath = expr
    head, *rest = path.segments
    if head in scope.lambda_tables:
        alias, properties = scope.lambda_tables[head]
        return _lambda_variable_column(alias, properties, rest, scope)
    return _path_in_set(scope.entity_set, scope.alias, path.segments, scope)


def _lambda_variable_column(
    alias: str, properties: tuple[Property, ...], rest: list[str], scope: _Scope
) -> SqlExpr:
    if len(rest) != 1:
        raise bad_option(scope.option, "a lambda variable needs exactly one property: d/Поле")
    for prop in properties:
        if prop.name == rest[0]:
            return SqlExpr(f"{alias}.{quote(prop.name)}", (), prop.type)
    raise bad_option(scope.option, f"свойство '{rest[0]}' не найдено в табличной части")


def _path_in_set(
    entity_set: EntitySet, alias: str, segments: tuple[str, ...], scope: _Scope
) -> SqlExpr:
    name, *rest = segments
    if not rest:
        prop = property_column(entity_set, alias, name, scope.option)
        type_sql = f"{alias}.{quote(prop.name + '_Type')}" if prop.composite else None
        return SqlExpr(f"{alias}.{quote(prop.name)}", (), prop.type, type_sql=type_sql)
    link = entity_set.get_property(f"{name}_Key")
    target = scope.configuration.entity_set(link.ref_to) if link and link.ref_to else None
    if link is None or target is None:
        detail = f"'{name}' is not a navigation property of {entity_set.name}"
        raise bad_option(scope.option, detail)
    scope.depth += 1
    inner_alias = f"n{scope.depth}"
    inner = _path_in_set(target, inner_alias, tuple(rest), scope)
    sql = (
        f"(SELECT {inner.sql} FROM {quote(target.name)} {inner_alias} "
        f'WHERE {inner_alias}."Ref_Key" = {alias}.{quote(link.name)})'
    )
    return SqlExpr(sql, inner.params, inner.type)


def _compile_binary(expr: Any, scope: _Scope) -> SqlExpr:
    node: BinaryOp = expr
    if node.op in ("and", "or"):
        left = _as_predicate(_compile(node.left, scope))
        right = _as_predicate(_compile(node.right, scope))
        sql = f"({left.sql} {node.op.upper()} {right.sql})"
        return SqlExpr(sql, left.params + right.params, None, is_predicate=True)
    left = _compile(node.left, scope)
    right = _compile(node.right, scope)
    if node.op in _SQL_ARITHMETIC:
        sql = f"({left.sql} {_SQL_ARITHMETIC[node.op]} {right.sql})"
        return SqlExpr(sql, left.params + right.params, left.type or right.type)
    return _comparison(node.op, left, right)


def _comparison(op: str, left: SqlExpr, right: SqlExpr) -> SqlExpr:
    composite = composite_comparison(op, left, right)
    if composite is not None:
        return composite
    if op in _ORDER_COMPARISONS and EdmType.GUID in (left.type, right.type):
        raise unbounded_comparison()
    if left.is_null or right.is_null:
        operand = right if left.is_null else left
        test = "IS NULL" if op == "eq" else "IS NOT NULL"
        return SqlExpr(f"({operand.sql} {test})", operand.params, None, is_predicate=True)
    sql = f"({left.sql} {_SQL_COMPARISON[op]} {right.sql})"
    return SqlExpr(sql, left.params + right.params, None, is_predicate=True)


def _compile_unary(expr: Any, scope: _Scope) -> SqlExpr:
    node: UnaryOp = expr
    operand = _as_predicate(_compile(node.operand, scope))
    return SqlExpr(f"(NOT {operand.sql})", operand.params, None, is_predicate=True)


def _compile_call(expr: Any, scope: _Scope) -> SqlExpr:
    node: Call = expr
    args = tuple(_compile(arg, scope) for arg in node.args)
    if node.name == "cast":
        return compile_cast(scope.configuration, args, scope.option)
    if node.name == "isof":
        return compile_isof(scope.configuration, scope.entity_set, args, scope.option)
    return compile_function(node.name, args, scope.option)


def _compile_lambda(expr: Any, scope: _Scope) -> SqlExpr:
    node: Lambda = expr
    if len(node.collection.segments) != 1:
        raise bad_option(scope.option, "any/all work on a tabular section of the set itself")
    section = scope.entity_set.tabular_section(node.collection.segments[0])
    if section is None:
        raise bad_option(scope.option, f"'{node.collection.segments[0]}' is not a tabular section")
    scope.depth += 1
    alias = f"l{scope.depth}"
    table = quote(tabular_table(scope.entity_set, section))
    link = f'{alias}."Ref_Key" = {scope.alias}."Ref_Key"'
    if node.body is None or node.variable is None:
        sql = f"EXISTS (SELECT 1 FROM {table} {alias} WHERE {link})"
        return SqlExpr(sql, (), None, is_predicate=True)
    scope.lambda_tables[node.variable] = (alias, section.properties)
    try:
        body = _as_predicate(_compile(node.body, scope))
    finally:
        del scope.lambda_tables[node.variable]
    if node.quantifier == "any":
        sql = f"EXISTS (SELECT 1 FROM {table} {alias} WHERE {link} AND {body.sql})"
    else:
        sql = f"NOT EXISTS (SELECT 1 FROM {table} {alias} WHERE {link} AND NOT {body.sql})"
    return SqlExpr(sql, body.params, None, is_predicate=True)


_COMPILERS: dict[type, Callable[[Any, _Scope], SqlExpr]] = {
    Literal: _compile_literal,
    PropertyPath: _compile_path,
    BinaryOp: _compile_binary,
    UnaryOp: _compile_unary,
    Call: _compile_call,
    Lambda: _compile_lambda,
}
