"""Composite-type attributes in ``$filter``: ``cast``, ``isof`` and comparisons (17.4.5.2).

A composite attribute is stored as its value (``Основание``: a GUID, a number or text)
and its type (``Основание_Type``: ``StandardODATA.Document_X``, ``Edm.Double``…):

* ``Основание eq cast(guid'…','Document_X')`` matches value **and** type;
* ``isof(Основание,'Document_X')`` tests the type only; ``isof('Document_X')`` tests the
  entity set itself;
* ``Основание eq guid'…'`` (a bare GUID, no type) never matches, as in 1C: the result is
  empty whatever the operator.
"""

from __future__ import annotations

from onec_bridge.emulator.errors import bad_option
from onec_bridge.emulator.model import Configuration, EdmType, EntitySet
from onec_bridge.emulator.sql_expr import SqlExpr
from onec_bridge.mapping.onec_values import EDM_NAMESPACE

__all__ = ["compile_cast", "compile_isof", "composite_comparison"]

_NEVER = SqlExpr("(0)", (), None, is_predicate=True)


def _type_name(configuration: Configuration, arg: SqlExpr, option: str) -> str:
    """``'Catalog_Y'`` → ``StandardODATA.Catalog_Y``; ``'Edm.Double'`` stays as it is."""
    if arg.type is not EdmType.STRING or arg.sql != "?" or not isinstance(arg.params[0], str):
        raise bad_option(option, "the type argument must be a string literal: 'Catalog_X'")
    name = str(arg.params[0]).removeprefix(f"{EDM_NAMESPACE}.")
    if name in set(EdmType):
        return name
    if configuration.entity_set(name) is None:
        raise bad_option(option, f"тип '{name}' не найден")
    return f"{EDM_NAMESPACE}.{name}"


def compile_cast(configuration: Configuration, args: tuple[SqlExpr, ...], option: str) -> SqlExpr:
    """``cast(guid'…','Catalog_Y')``: the GUID typed as a reference to ``Catalog_Y``."""
    if len(args) != 2:
        raise bad_option(option, "функция 'cast' ожидает 2 аргумента")
    value, target = args
    if value.sql != "?" or value.type is None:
        raise bad_option(option, "cast works on a literal: cast(guid'…','Catalog_X')")
    type_name = _type_name(configuration, target, option)
    literal = value.params[0]
    text = f"{literal:g}" if isinstance(literal, float) else str(literal)
    return SqlExpr("?", (text,), value.type, ref_type=type_name)


def compile_isof(
    configuration: Configuration,
    entity_set: EntitySet,
    args: tuple[SqlExpr, ...],
    option: str,
) -> SqlExpr:
    """``isof(Поле,'Document_Y')`` on a composite attribute; ``isof('Set')`` on the entity."""
    if len(args) == 1:
        same = _type_name(configuration, args[0], option) == f"{EDM_NAMESPACE}.{entity_set.name}"
        return SqlExpr("(1)" if same else "(0)", (), None, is_predicate=True)
    if len(args) != 2:
        raise bad_option(option, "функция 'isof' ожидает 1 или 2 аргумента")
    field, target = args
    if field.type_sql is None:
        raise bad_option(option, "isof(Поле, 'Тип') works on a composite-type attribute")
    type_name = _type_name(configuration, target, option)
    return SqlExpr(f"({field.type_sql} = ?)", (type_name,), None, is_predicate=True)


def composite_comparison(op: str, left: SqlExpr, right: SqlExpr) -> SqlExpr | None:
    """SQL when a composite attribute meets a typed value; None when ordinary rules apply."""
    field, other = (left, right) if left.type_sql is not None else (right, left)
    if field.type_sql is None or other.type_sql is not None:
        return None
    if other.ref_type is None:
        # a bare guid'…' has no reference type: 1C finds nothing
        return _NEVER if other.type is EdmType.GUID else None
    if op not in ("eq", "ne"):
        return None  # order comparisons of references: the 500 of ordinary rules
    sql = f"({field.sql} = {other.sql} AND {field.type_sql} = ?)"
    params = (*field.params, *other.params, other.ref_type)
    matched = SqlExpr(sql, params, None, is_predicate=True)
    if op == "eq":
        return matched
    return SqlExpr(f"(NOT {matched.sql})", matched.params, None, is_predicate=True)
