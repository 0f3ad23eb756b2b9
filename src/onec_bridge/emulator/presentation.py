"""``$select=…,Presentation,X____Presentation``: how 1C shows an object and a reference.

Only on request, as in 1C (17.4.3): ``Presentation`` is the object's own presentation,
``<Attr>____Presentation`` (four underscores) that of the object a reference or a
composite attribute points at. A catalog shows its ``Description`` (its ``Code`` when
it has none), a document ``<Name> <Number> от <dd.mm.yyyy hh:mm:ss>``; an empty
reference, a missing object and ``Undefined`` show ``""``; a composite holding a
primitive shows the value itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from onec_bridge.emulator.errors import ODataError
from onec_bridge.emulator.model import EntitySet, ObjectKind
from onec_bridge.emulator.selection import PRESENTATION, PRESENTATION_SUFFIX
from onec_bridge.emulator.sql_names import quote
from onec_bridge.emulator.storage import BaseStorage
from onec_bridge.mapping.onec_values import EDM_NAMESPACE, EMPTY_DATE, UNDEFINED_TYPE

__all__ = ["add_presentations", "object_presentation", "presentation_names"]

_CHUNK = 500


def presentation_names(entity_set: EntitySet, select: tuple[str, ...] | None) -> list[str]:
    """The requested presentation fields; an unknown ``X____Presentation`` is 400 code 10."""
    names = []
    for item in select or ():
        if item == PRESENTATION:
            names.append(item)
        elif item.endswith(PRESENTATION_SUFFIX):
            base_name = item.removesuffix(PRESENTATION_SUFFIX)
            ref = entity_set.get_property(f"{base_name}_Key")
            plain = entity_set.get_property(base_name)
            if (ref is None or ref.ref_to is None) and (plain is None or not plain.composite):
                raise ODataError(
                    400, "10", f"Свойство '{item}' не найдено у типа сущности '{entity_set.name}'."
                )
            names.append(item)
    return names


def object_presentation(entity_set: EntitySet, row: Sequence[Any]) -> str:
    """How 1C presents one stored row of ``entity_set``."""
    values = {prop.name: row[i] for i, prop in enumerate(entity_set.properties)}
    if entity_set.kind is ObjectKind.DOCUMENT:
        date = str(values.get("Date") or EMPTY_DATE)
        shown = f"{date[8:10]}.{date[5:7]}.{date[0:4]} {date[11:19]}"
        return f"{entity_set.object_name} {str(values.get('Number') or '').strip()} от {shown}"
    for name in (*entity_set.presentation, "Description", "Code"):
        if values.get(name) not in (None, ""):
            return str(values[name]).strip()
    return ""


def _lookup(base: BaseStorage, set_name: str, refs: set[str]) -> dict[str, str]:
    entity_set = base.entity_set(set_name)
    if entity_set is None or not refs:
        return {}
    found: dict[str, str] = {}
    ordered = sorted(refs)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        sql = f'SELECT * FROM {quote(set_name)} WHERE "Ref_Key" IN ({marks})'
        for row in base.query(sql, chunk):
            found[str(row[0])] = object_presentation(entity_set, row)
    return found


def _targets(entity_set: EntitySet, name: str, wire: dict[str, Any]) -> tuple[str, str] | None:
    """``(set name, Ref_Key)`` the field points at, or None for a primitive / Undefined."""
    base_name = name.removesuffix(PRESENTATION_SUFFIX)
    ref = entity_set.get_property(f"{base_name}_Key")
    if ref is not None and ref.ref_to is not None:
        return ref.ref_to, str(wire.get(ref.name, ""))
    kind = str(wire.get(f"{base_name}_Type", ""))
    if kind.startswith(f"{EDM_NAMESPACE}.") and kind != UNDEFINED_TYPE:
        return kind.removeprefix(f"{EDM_NAMESPACE}."), str(wire.get(base_name, ""))
    return None


def add_presentations(
    base: BaseStorage,
    entity_set: EntitySet,
    select: tuple[str, ...] | None,
    rows: Sequence[Sequence[Any]],
    wire_rows: Sequence[dict[str, Any]],
) -> None:
    """Append the requested presentation fields to each wire row (after its properties)."""
    names = presentation_names(entity_set, select)
    if not names:
        return
    full = [base.shape(entity_set.name).to_wire(row) for row in rows]
    wanted: dict[str, set[str]] = {}
    for name in names:
        for values in full:
            target = _targets(entity_set, name, values) if name != PRESENTATION else None
            if target is not None:
                wanted.setdefault(target[0], set()).add(target[1])
    known = {set_name: _lookup(base, set_name, refs) for set_name, refs in wanted.items()}
    for row, values, wire in zip(rows, full, wire_rows, strict=True):
        for name in names:
            wire[name] = _presentation(entity_set, name, row, values, known)


def _presentation(
    entity_set: EntitySet,
    name: str,
    row: Sequence[Any],
    values: dict[str, Any],
    known: dict[str, dict[str, str]],
) -> str:
    if name == PRESENTATION:
        return object_presentation(entity_set, row)
    target = _targets(entity_set, name, values)
    if target is not None:
        return known.get(target[0], {}).get(target[1], "")
    base_name = name.removesuffix(PRESENTATION_SUFFIX)
    return str(values.get(base_name) or "")
