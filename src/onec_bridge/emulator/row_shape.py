"""How a stored row becomes the wire row 1C would send: typed values, nav links, keys.

A :class:`RowShape` is built once per entity set and then applied to every row, so
the per-row cost is a zip and a few conversions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from onec_bridge.emulator.model import EdmType, EntitySet, Property
from onec_bridge.emulator.values import to_json_converter
from onec_bridge.mapping.onec_values import EMPTY_GUID

__all__ = ["RowShape", "entity_key_text"]

_MAX_PROJECTIONS = 256


def _key_literal(prop: Property | None, value: Any) -> str:
    if prop is not None and prop.type is EdmType.GUID:
        return f"guid'{value}'"
    if prop is not None and prop.type is EdmType.DATETIME:
        return f"datetime'{value}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def entity_key_text(entity_set: EntitySet, key_values: Sequence[Any]) -> str:
    """``Catalog_X(guid'…')`` or ``Set(Ref_Key=guid'…', LineNumber=1)`` as 1C writes it."""
    if entity_set.key == ("Ref_Key",):
        return f"{entity_set.name}(guid'{key_values[0]}')"
    parts = [
        f"{name}={_key_literal(entity_set.get_property(name), value)}"
        for name, value in zip(entity_set.key, key_values, strict=True)
    ]
    return f"{entity_set.name}({', '.join(parts)})"


@dataclass(frozen=True, slots=True)
class _Field:
    index: int
    name: str
    convert: Callable[[Any], Any] | None


class RowShape:
    """Converts stored tuples of one entity set to wire dicts.

    The tuples hold every property in property order, or, for a shape made by
    :meth:`projected`, only ``columns`` (still in property order): what a query that
    selects just those columns returns."""

    def __init__(self, entity_set: EntitySet, columns: tuple[str, ...] | None = None) -> None:
        self.entity_set = entity_set
        props = [prop for prop in entity_set.properties if columns is None or prop.name in columns]
        self.columns = tuple(prop.name for prop in props)
        self.fields = tuple(
            _Field(index, prop.name, to_json_converter(prop)) for index, prop in enumerate(props)
        )
        self._key_indexes = tuple(
            index for index, prop in enumerate(props) if prop.name in entity_set.key
        )
        self._links = tuple(
            (index, prop.navigation_name)
            for index, prop in enumerate(props)
            if prop.navigation_name is not None
        )
        self._projections: dict[frozenset[str], RowShape] = {}

    def projected(self, names: frozenset[str]) -> RowShape:
        """The shape of rows holding only ``names`` plus the key (cached per name set)."""
        shape = self._projections.get(names)
        if shape is None:
            wanted = names | set(self.entity_set.key)
            shape = RowShape(self.entity_set, tuple(n for n in self.columns if n in wanted))
            if len(self._projections) >= _MAX_PROJECTIONS:  # arbitrary $select lists
                self._projections.clear()
            self._projections[names] = shape
        return shape

    def key_text(self, row: Sequence[Any]) -> str:
        return entity_key_text(self.entity_set, [row[index] for index in self._key_indexes])

    def to_wire(self, row: Sequence[Any], selected: frozenset[str] | None = None) -> dict[str, Any]:
        """The JSON object for ``row``; with ``selected``, exactly those properties."""
        wire: dict[str, Any] = {}
        for field in self.fields:
            if selected is not None and field.name not in selected:
                continue
            value = row[field.index]
            wire[field.name] = field.convert(value) if field.convert is not None else value
        if selected is None:
            self._add_navigation_links(row, wire)
        return wire

    def navigation_links(self, row: Sequence[Any]) -> list[tuple[str, str]]:
        """``(navigation name, href)`` for each filled reference (1C omits empty ones)."""
        links: list[tuple[str, str]] = []
        key_text: str | None = None
        for index, navigation in self._links:
            value = row[index]
            if value is None or value == EMPTY_GUID:
                continue
            if key_text is None:
                key_text = self.key_text(row)
            links.append((navigation, f"{key_text}/{navigation}"))
        return links

    def _add_navigation_links(self, row: Sequence[Any], wire: dict[str, Any]) -> None:
        for navigation, href in self.navigation_links(row):
            wire[f"{navigation}@navigationLinkUrl"] = href
