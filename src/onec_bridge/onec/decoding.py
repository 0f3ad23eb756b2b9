"""1C JSON values decoded by ``$metadata`` type: exact numbers, ints, dates, empties as None.

Two paths: ``decode_json`` for any body (numbers become ``Decimal``, never
float), and ``RowDecoder`` — a msgspec ``Struct`` generated per entity type,
which decodes a page in one pass (Int64 strings → int, Edm.Double → Decimal,
base64 → bytes) and then normalises in place: empty GUID / empty date →
None, server-local dates → aware datetimes, fixed-length padding trimmed,
composite values typed by their ``_Type``.

>>> decoder = RowDecoder(schema, "Catalog_Номенклатура", timezone="Europe/Moscow")  # doctest: +SKIP
>>> page = decoder.decode_page(body)                                            # doctest: +SKIP
>>> page.rows[0].Ref_Key, page.count                                            # doctest: +SKIP
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from onec_bridge.mapping.onec_values import EDM_NAMESPACE, EMPTY_GUID, UNDEFINED_TYPE
from onec_bridge.onec.error_mapping import protocol_error_for_body
from onec_bridge.onec.metadata import (
    ComplexType,
    EntityType,
    Property,
    Schema,
    collection_item_type,
)

__all__ = ["DecodedPage", "RowDecoder", "decode_composite", "decode_json", "row_to_dict"]

_INT_TYPES = frozenset({"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"})
_DECIMAL_TYPES = frozenset({"Edm.Double", "Edm.Decimal", "Edm.Single"})
_TYPE_SUFFIX = "_Type"
_BASE64_SUFFIX = "_Base64Data"
_EMPTY_YEAR = 1

_json_any = msgspec.json.Decoder(float_hook=Decimal)


def decode_json(body: bytes, *, url: str = "") -> Any:
    """Any 1C JSON body, with every number that has a fraction as an exact ``Decimal``."""
    try:
        return _json_any.decode(body)
    except msgspec.DecodeError as error:
        raise protocol_error_for_body(body, url, f"cannot decode JSON ({error})") from error


class DecodedPage(msgspec.Struct):
    rows: list[Any]
    count: int | None = None


def row_to_dict(row: msgspec.Struct) -> dict[str, Any]:
    """A decoded row as a plain dict (nested tabular rows included)."""
    return {
        name: [row_to_dict(item) for item in value] if _is_struct_list(value) else value
        for name, value in msgspec.structs.asdict(row).items()
    }


def _is_struct_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], msgspec.Struct)


def _resolve_timezone(timezone: str | tzinfo | None) -> tzinfo | None:
    if timezone is None or isinstance(timezone, tzinfo):
        return timezone
    return ZoneInfo(timezone)


class RowDecoder:
    """Decodes rows of one entity (or complex) type, as generated from ``$metadata``."""

    def __init__(
        self,
        schema: Schema,
        type_name: str,
        *,
        timezone: str | tzinfo | None = None,
        trim_strings: bool = True,
    ) -> None:
        self.schema = schema
        self.timezone = _resolve_timezone(timezone)
        self.trim_strings = trim_strings
        definition = _definition(schema, type_name)
        self.type_name = definition.name
        self._guids: list[str] = []
        self._dates: list[str] = []
        self._strings: list[str] = []
        self._composites: list[tuple[str, str]] = []
        self._children: list[tuple[str, RowDecoder]] = []
        fields = [self._field(prop, definition.properties) for prop in definition.properties]
        self.row_type: type[msgspec.Struct] = msgspec.defstruct(
            definition.name, fields, kw_only=True
        )
        page_fields: list[tuple[str, Any, Any]] = [
            ("value", list[self.row_type], msgspec.NODEFAULT),  # type: ignore[name-defined]
            ("count", int | None, msgspec.field(default=None, name="odata.count")),
        ]
        page_type = msgspec.defstruct(f"{definition.name}_Page", page_fields)
        self._page_decoder = msgspec.json.Decoder(page_type, strict=False, float_hook=Decimal)
        self._row_decoder = msgspec.json.Decoder(self.row_type, strict=False, float_hook=Decimal)

    def _field(self, prop: Property, siblings: tuple[Property, ...]) -> tuple[str, Any, None]:
        name, edm = prop.name, prop.type
        item_type = collection_item_type(edm)
        python_type: Any
        if item_type is not None:
            python_type = self._collection_type(name, item_type)
        elif edm in _INT_TYPES:
            python_type = int
        elif edm in _DECIMAL_TYPES:
            python_type = Decimal
        elif edm == "Edm.Boolean":
            python_type = bool
        elif edm == "Edm.DateTime":
            self._dates.append(name)
            python_type = datetime
        elif edm == "Edm.Guid":
            self._guids.append(name)
            python_type = str
        elif edm == "Edm.Binary" or name.endswith(_BASE64_SUFFIX):
            python_type = bytes
        elif edm == "Edm.String" and _has_type_sibling(name, siblings):
            self._composites.append((name, name + _TYPE_SUFFIX))
            python_type = Any
        elif edm == "Edm.String":
            self._strings.append(name)
            python_type = str
        else:
            python_type = Any
        return (name, python_type | None, None)

    def _collection_type(self, name: str, item_type: str) -> Any:
        try:
            child = RowDecoder(
                self.schema, item_type, timezone=self.timezone, trim_strings=self.trim_strings
            )
        except KeyError:
            # a row type trimmed from $metadata: keep its rows as plain dicts
            return list[Any]
        self._children.append((name, child))
        return list[child.row_type]  # type: ignore[name-defined]

    def decode_page(self, body: bytes, *, url: str = "") -> DecodedPage:
        """A collection answer ``{"value": [...], "odata.count": "n"}``."""
        try:
            page: Any = self._page_decoder.decode(body)
        except msgspec.DecodeError as error:
            raise protocol_error_for_body(body, url, f"cannot decode page ({error})") from error
        rows: list[Any] = page.value
        for row in rows:
            self.normalize(row)
        return DecodedPage(rows=rows, count=page.count)

    def decode_entity(self, body: bytes, *, url: str = "") -> Any:
        """A single-entity answer (properties at the top level)."""
        try:
            row = self._row_decoder.decode(body)
        except msgspec.DecodeError as error:
            raise protocol_error_for_body(body, url, f"cannot decode entity ({error})") from error
        self.normalize(row)
        return row

    def normalize(self, row: Any) -> None:
        """Empties to None, aware dates, trimmed padding, typed composites — in place."""
        for name in self._guids:
            if getattr(row, name) == EMPTY_GUID:
                setattr(row, name, None)
        timezone = self.timezone
        for name in self._dates:
            value = getattr(row, name)
            if value is not None:
                if value.year == _EMPTY_YEAR:
                    setattr(row, name, None)
                elif timezone is not None:
                    setattr(row, name, value.replace(tzinfo=timezone))
        if self.trim_strings:
            for name in self._strings:
                value = getattr(row, name)
                if value and value[-1] == " ":
                    setattr(row, name, value.rstrip(" "))
        for name, type_field in self._composites:
            value = getattr(row, name)
            setattr(row, name, decode_composite(value, getattr(row, type_field), self.timezone))
        for name, child in self._children:
            for item in getattr(row, name) or ():
                child.normalize(item)


def _definition(schema: Schema, type_name: str) -> EntityType | ComplexType:
    try:
        return schema.row_type_of(type_name)
    except KeyError:
        return schema.entity_type_of(type_name)


def _has_type_sibling(name: str, siblings: tuple[Property, ...]) -> bool:
    wanted = name + _TYPE_SUFFIX
    return any(prop.name == wanted for prop in siblings)


def decode_composite(value: Any, type_name: str | None, timezone: tzinfo | None = None) -> Any:
    """A composite attribute's value typed by its ``_Type`` (``StandardODATA.Undefined`` → None).

    References stay GUID strings (None when empty); primitives become int,
    Decimal, bool or datetime.
    """
    if not type_name or type_name == UNDEFINED_TYPE:
        return None
    if value is None:
        return None
    if type_name.startswith(EDM_NAMESPACE + "."):
        return None if value in ("", EMPTY_GUID) else value
    try:
        return _decode_primitive(value, type_name, timezone)
    except (ValueError, InvalidOperation) as error:
        raise ValueError(
            f"composite value {value!r} does not match its type {type_name}: {error}"
        ) from error


def _decode_primitive(value: Any, type_name: str, timezone: tzinfo | None) -> Any:
    if type_name in _DECIMAL_TYPES:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if type_name in _INT_TYPES:
        return int(value)
    if type_name == "Edm.Boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if type_name == "Edm.DateTime":
        moment = datetime.fromisoformat(str(value))
        if moment.year == _EMPTY_YEAR:
            return None
        return moment.replace(tzinfo=timezone) if timezone else moment
    return value
