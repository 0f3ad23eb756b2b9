"""Rows of a ``$select``-ed page decoded straight into slots instead of dicts.

A page of 1,000 catalog rows (15 properties) decodes into dicts in ~2.9 ms of CPU
and into a msgspec ``Struct`` with the same fields in ~1.2 ms: no per-row hash
table, no key strings, and the rows are not tracked by the cyclic collector.
Every field is typed ``Any`` and decoded with the same ``float_hook`` as
``decode_json``, so each value is exactly what the dict would hold (a fractional
number is a ``Decimal``, an Int64 the string 1C sends); a property the answer lacks
reads as None, as ``dict.get`` gives. Properties outside the ``$select``
(navigation links) are skipped.

``WireRow`` answers the read-only mapping calls the engine makes on a row
(``get``, ``[]``, ``in``, ``keys``, ``items``); hot paths read whole columns with
``column_reader`` (C-level ``attrgetter``) instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any, ClassVar

import msgspec

__all__ = ["WireRow", "column_reader", "page_decoder", "wire_row_type"]


class WireRow(msgspec.Struct, gc=False):
    """Base of the generated row types; fields are ``f0…fN``, renamed to 1C's names."""

    #: 1C property name -> attribute name
    attributes: ClassVar[dict[str, str]] = {}

    def get(self, name: str, default: Any = None) -> Any:
        attribute = self.attributes.get(name)
        return default if attribute is None else getattr(self, attribute)

    def __getitem__(self, name: str) -> Any:
        return getattr(self, self.attributes[name])

    def __contains__(self, name: object) -> bool:
        return name in self.attributes

    def keys(self) -> Iterator[str]:
        return iter(self.attributes)

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((name, getattr(self, attribute)) for name, attribute in self.attributes.items())

    def to_dict(self) -> dict[str, Any]:
        return dict(self.items())


Mapping.register(WireRow)


@functools.lru_cache(maxsize=256)
def wire_row_type(names: tuple[str, ...]) -> type[WireRow]:
    """The row type of a ``$select`` of ``names`` (cached: one per distinct select)."""
    if len(set(names)) != len(names) or not names:
        raise ValueError(f"a row type needs distinct property names, got {names!r}")
    attributes = {name: f"f{index}" for index, name in enumerate(names)}
    fields = [(attribute, Any, None) for attribute in attributes.values()]
    row_type: type[WireRow] = msgspec.defstruct(  # type: ignore[assignment]
        "WireRow_" + str(len(names)),
        fields,
        bases=(WireRow,),
        rename={attribute: name for name, attribute in attributes.items()},
        gc=False,
    )
    row_type.attributes = attributes
    return row_type


@functools.lru_cache(maxsize=256)
def page_decoder(row_type: type[WireRow]) -> msgspec.json.Decoder[Any]:
    """A decoder of ``{"value": [rows…]}`` answers into ``row_type`` rows."""
    page = msgspec.defstruct("WirePage", [("value", list[row_type])])  # type: ignore[valid-type]
    return msgspec.json.Decoder(page, float_hook=Decimal)


def column_reader(rows: Sequence[Any], name: str) -> Callable[[Any], Any]:
    """``row -> row[name]`` for rows like ``rows[0]`` (None when the row lacks it)."""
    first = rows[0] if rows else None
    if isinstance(first, WireRow):
        attribute = first.attributes.get(name)
        if attribute is not None and set(map(type, rows)) == {type(first)}:
            return attrgetter(attribute)
    return lambda row: row.get(name)
