"""``$expand``: referenced objects inline, as 1C gives them on collections (17.4.6.4).

``$expand=Склад,Контрагент`` adds ``"Склад": {…the warehouse…}`` to each JSON row (atom:
``<m:inline><entry>…</entry></m:inline>`` inside the navigation ``<link>``); ``*`` expands
every navigation property; ``A/B`` expands ``B`` of the expanded ``A`` (a type segment
such as ``Договор/Document_X/Заявление`` is skipped). An empty reference expands to
``null`` (atom: no link at all, as for every empty reference), a reference to a missing
object too. Not on tabular-section attributes (400 code 14) and not on a single entity
(the caller refuses it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from onec_bridge.emulator.errors import ODataError, bad_option
from onec_bridge.emulator.model import Configuration, EntitySet
from onec_bridge.emulator.sql_names import quote
from onec_bridge.emulator.storage import BaseStorage
from onec_bridge.emulator.tabular_rows import attach_sections
from onec_bridge.emulator.wire_atom import AtomEntry
from onec_bridge.mapping.onec_values import EMPTY_GUID

__all__ = ["Expanded", "Path", "expand_paths", "expand_rows", "expanded_atom", "expanded_json"]

_CHUNK = 500
Path = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Expanded:
    """One expanded object: its set, its stored row, its wire form (tabular sections
    included) and its own expansions."""

    entity_set: EntitySet
    row: tuple[Any, ...]
    wire: dict[str, Any]
    children: dict[str, Expanded | None] = field(default_factory=dict)


def _navigation(configuration: Configuration, entity_set: EntitySet, name: str) -> EntitySet:
    if entity_set.tabular_section(name) is not None:
        raise bad_option("$expand", f"'{name}' is a tabular section: $expand works on references")
    prop = entity_set.get_property(f"{name}_Key")
    target = configuration.entity_set(prop.ref_to) if prop and prop.ref_to else None
    if target is None:
        raise ODataError(
            400, "10", f"Навигационное свойство '{name}' не найдено у '{entity_set.name}'."
        )
    return target


def expand_paths(
    configuration: Configuration, entity_set: EntitySet, items: tuple[str, ...]
) -> list[Path]:
    """Validated navigation paths of ``$expand`` (``*`` = every navigation property)."""
    paths: list[Path] = []
    for item in items:
        if item == "*":
            paths += [(p.navigation_name,) for p in entity_set.properties if p.navigation_name]
            continue
        current, path = entity_set, list[str]()
        for segment in item.split("/"):
            if configuration.entity_set(segment) is not None and path:
                continue  # a type segment: Договор/Document_X/Заявление
            current = _navigation(configuration, current, segment)
            path.append(segment)
        paths.append(tuple(path))
    return paths


def _fetch(base: BaseStorage, target: EntitySet, refs: set[str]) -> dict[str, tuple[Any, ...]]:
    found: dict[str, tuple[Any, ...]] = {}
    ordered = sorted(refs)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        sql = f'SELECT * FROM {quote(target.name)} WHERE "Ref_Key" IN ({marks})'
        found.update((str(row[0]), row) for row in base.query(sql, chunk))
    return found


def expand_rows(
    base: BaseStorage, entity_set: EntitySet, paths: Sequence[Path], rows: Sequence[Any]
) -> list[dict[str, Expanded | None]]:
    """For each row, its expanded navigation properties (one query per property and level,
    one more per tabular section of the expanded objects)."""
    result: list[dict[str, Expanded | None]] = [{} for _ in rows]
    by_first: dict[str, list[Path]] = {}
    for path in paths:
        by_first.setdefault(path[0], []).append(path[1:])
    for navigation, rests in by_first.items():
        index = next(
            i for i, p in enumerate(entity_set.properties) if p.navigation_name == navigation
        )
        target = _navigation(base.configuration, entity_set, navigation)
        refs = {str(row[index]) for row in rows if row[index] not in (None, EMPTY_GUID)}
        fetched = _fetch(base, target, refs)
        targets = list(fetched.values())
        shape = base.shape(target.name)
        wires = [shape.to_wire(row) for row in targets]
        if target.tabular_sections:
            attach_sections(base, target, None, [str(row[0]) for row in targets], wires)
        children = expand_rows(base, target, [rest for rest in rests if rest], targets)
        by_ref = {
            str(row[0]): Expanded(target, row, wire, child)
            for row, wire, child in zip(targets, wires, children, strict=True)
        }
        for out, row in zip(result, rows, strict=True):
            out[navigation] = by_ref.get(str(row[index]))
    return result


def expanded_json(expanded: Expanded | None) -> dict[str, Any] | None:
    """The JSON object of an expanded entity (with its tabular sections and expansions)."""
    if expanded is None:
        return None
    wire = dict(expanded.wire)  # one object can be expanded by many rows
    for navigation, child in expanded.children.items():
        wire[navigation] = expanded_json(child)
    return wire


def expanded_atom(base: BaseStorage, expanded: Expanded | None) -> AtomEntry | None:
    """The atom entry of an expanded entity, its own expansions inline in it."""
    if expanded is None:
        return None
    shape = base.shape(expanded.entity_set.name)
    entry = AtomEntry(
        expanded.entity_set.name,
        shape.key_text(expanded.row),
        shape.navigation_links(expanded.row),
        dict(expanded.wire),
    )
    entry.inline = {nav: expanded_atom(base, child) for nav, child in expanded.children.items()}
    return entry
