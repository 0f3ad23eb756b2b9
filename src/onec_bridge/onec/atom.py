"""Atom (OData v3 XML) answers of 1C: feeds, single entries, virtual-table results, deletions.

Namespaces are matched by URI, never by prefix. Values take their type from
``m:type`` when present, else from the ``Schema`` when one is given (1C sends
most primitives untyped), else stay text; ``m:null="true"`` is None; nested
``d:element`` collections (tabular sections, ``d:Result`` of virtual tables)
become lists. ``at:deleted-entry`` (RFC 6721, in exchange-plan packets) become
``DeletedEntry``. The feed is read by streaming, entry by entry.

>>> feed = parse_feed(SAMPLE_BYTES)                               # doctest: +SKIP
>>> feed.entries[0].properties["Ref_Key"], feed.deleted, feed.count  # doctest: +SKIP
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from onec_bridge.onec.error_mapping import strip_credentials
from onec_bridge.onec.errors import OneCProtocolError
from onec_bridge.onec.metadata import Schema, collection_item_type

__all__ = ["AtomEntry", "AtomFeed", "DeletedEntry", "edm_value", "parse_feed"]

ATOM_NS = "http://www.w3.org/2005/Atom"
DATA_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices"
METADATA_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
TOMBSTONE_NS = "http://purl.org/atompub/tombstones/1.0"

_ENTRY = f"{{{ATOM_NS}}}entry"
_FEED = f"{{{ATOM_NS}}}feed"
_DELETED = f"{{{TOMBSTONE_NS}}}deleted-entry"
_COUNT = f"{{{METADATA_NS}}}count"
_PROPERTIES = f"{{{METADATA_NS}}}properties"
_CONTENT = f"{{{ATOM_NS}}}content"
_TYPE_ATTR = f"{{{METADATA_NS}}}type"
_NULL_ATTR = f"{{{METADATA_NS}}}null"
_ELEMENT = f"{{{DATA_NS}}}element"
_INT_TYPES = frozenset({"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"})
_DECIMAL_TYPES = frozenset({"Edm.Double", "Edm.Decimal", "Edm.Single"})


@dataclass(frozen=True)
class AtomEntry:
    id: str | None
    type_name: str | None
    properties: dict[str, Any]
    updated: str | None = None
    edit_link: str | None = None


@dataclass(frozen=True)
class DeletedEntry:
    ref: str
    when: datetime | None


@dataclass
class AtomFeed:
    entries: list[AtomEntry] = field(default_factory=list)
    deleted: list[DeletedEntry] = field(default_factory=list)
    count: int | None = None


def edm_value(text: str, edm_type: str | None) -> Any:
    """Text of an element as the Python value of its EDM type (unknown types stay text)."""
    if edm_type is None or edm_type == "Edm.String":
        return text
    if edm_type in _INT_TYPES:
        return int(text)
    if edm_type in _DECIMAL_TYPES:
        return Decimal(text)
    if edm_type == "Edm.Boolean":
        return text.strip().lower() == "true"
    if edm_type == "Edm.DateTime":
        return datetime.fromisoformat(text.strip())
    if edm_type == "Edm.Guid":
        return text.strip().lower()
    return text


class _Typer:
    """EDM types of properties by type name, from the schema, cached."""

    def __init__(self, schema: Schema | None) -> None:
        self.schema = schema
        self._cache: dict[str, dict[str, str]] = {}

    def types_of(self, type_name: str | None) -> dict[str, str]:
        if self.schema is None or not type_name:
            return {}
        if type_name not in self._cache:
            try:
                definition = self.schema.row_type_of(type_name)
                self._cache[type_name] = {prop.name: prop.type for prop in definition.properties}
            except KeyError:
                self._cache[type_name] = {}
        return self._cache[type_name]


def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def _value(element: etree._Element, declared: str | None, typer: _Typer) -> Any:
    if element.get(_NULL_ATTR) == "true":
        return None
    edm = element.get(_TYPE_ATTR) or declared
    item_type = collection_item_type(edm) if edm else None
    if item_type is not None:
        return [_item(child, item_type, typer) for child in element if child.tag == _ELEMENT]
    if len(element):
        return _properties(element, edm, typer)
    return edm_value(element.text or "", edm)


def _item(element: etree._Element, item_type: str, typer: _Typer) -> Any:
    if len(element):
        return _properties(element, element.get(_TYPE_ATTR) or item_type, typer)
    return _value(element, item_type, typer)


def _properties(container: etree._Element, type_name: str | None, typer: _Typer) -> dict[str, Any]:
    types = typer.types_of(type_name)
    return {
        _local(child): _value(child, types.get(_local(child)), typer)
        for child in container
        if isinstance(child.tag, str)
    }


def _entry(element: etree._Element, typer: _Typer) -> AtomEntry:
    category = element.find(f"{{{ATOM_NS}}}category")
    type_name = category.get("term") if category is not None else None
    container = element.find(f"{_CONTENT}/{_PROPERTIES}")
    if container is None:
        container = element.find(_PROPERTIES)
    properties = {} if container is None else _properties(container, type_name, typer)
    edit_link = next(
        (
            link.get("href")
            for link in element.iterfind(f"{{{ATOM_NS}}}link")
            if link.get("rel") == "edit"
        ),
        None,
    )
    return AtomEntry(
        id=element.findtext(f"{{{ATOM_NS}}}id"),
        type_name=type_name,
        properties=properties,
        updated=element.findtext(f"{{{ATOM_NS}}}updated"),
        edit_link=edit_link,
    )


def _deleted(element: etree._Element) -> DeletedEntry:
    when = element.get("when")
    return DeletedEntry(
        ref=element.get("ref", ""),
        when=datetime.fromisoformat(when) if when else None,
    )


def parse_feed(body: bytes, *, schema: Schema | None = None, url: str = "") -> AtomFeed:
    """An atom ``feed``, a single ``entry`` or a virtual-table ``d:Result`` as an ``AtomFeed``.

    Raises ``OneCProtocolError`` (with the line) for XML that is not well-formed.
    """
    typer = _Typer(schema)
    feed = AtomFeed()
    context = etree.iterparse(
        io.BytesIO(body), events=("start", "end"), huge_tree=True, resolve_entities=False
    )
    depth = 0
    root_tag = ""
    try:
        for event, element in context:
            if event == "start":
                depth += 1
                root_tag = root_tag or str(element.tag)
                continue
            depth -= 1
            if _collect(element, depth, root_tag, feed, typer):
                _free(element)
    except (etree.XMLSyntaxError, ValueError, ArithmeticError) as error:
        raise OneCProtocolError(
            f"cannot read the atom answer: {error}",
            url=strip_credentials(url),
            hint="Check the publication; the body may be cut or not OData at all.",
        ) from error
    return feed


def _free(element: etree._Element) -> None:
    element.clear()
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def _collect(
    element: etree._Element, depth: int, root_tag: str, feed: AtomFeed, typer: _Typer
) -> bool:
    """Take what a finished element contributes; True when it may be freed."""
    tag = element.tag
    if tag == _ENTRY and (depth == 1 or (depth == 0 and root_tag == _ENTRY)):
        feed.entries.append(_entry(element, typer))
        return True
    if tag == _DELETED:
        feed.deleted.append(_deleted(element))
        return True
    if tag == _COUNT and root_tag == _FEED:
        feed.count = int((element.text or "0").strip())
        return True
    if depth == 1 and root_tag != _FEED and tag == _ELEMENT:
        type_name = element.get(_TYPE_ATTR)
        properties = _properties(element, type_name, typer)
        feed.entries.append(AtomEntry(id=None, type_name=type_name, properties=properties))
        return True
    return False
