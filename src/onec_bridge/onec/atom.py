"""Atom (OData v3 XML) answers of 1C: feeds, single entries, virtual-table results, deletions.

Namespaces are matched by URI, never by prefix. Values take their type from
``m:type`` when present, else from the ``Schema`` when one is given (1C sends
most primitives untyped), else stay text; ``m:null="true"`` is None; nested
``d:element`` collections (tabular sections, ``d:Result`` of virtual tables)
become lists. ``at:deleted-entry`` (RFC 6721, in exchange-plan packets) become
``DeletedEntry``. The feed is read by streaming, entry by entry: only the ends of
entries, tombstones, ``m:count`` and ``d:element`` reach Python, each finished entry is
freed (memory stays flat on long feeds), and a property that is bare text (no attribute,
no child, the usual case) is read without the generic typed walk.

>>> feed = parse_feed(SAMPLE_BYTES)                               # doctest: +SKIP
>>> feed.entries[0].properties["Ref_Key"], feed.deleted, feed.count  # doctest: +SKIP
"""

from __future__ import annotations

import io
from collections.abc import Callable
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
_ID = f"{{{ATOM_NS}}}id"
_UPDATED = f"{{{ATOM_NS}}}updated"
_CATEGORY = f"{{{ATOM_NS}}}category"
_LINK = f"{{{ATOM_NS}}}link"
#: the children of an ``entry`` it is read from
_ENTRY_PARTS = (_ID, _CATEGORY, _UPDATED, _LINK, _CONTENT, _PROPERTIES)
#: the elements whose end the reader acts on; every other one is read as part of these
_COLLECTED = (_ENTRY, _DELETED, _COUNT, _ELEMENT)
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


def _boolean(text: str) -> bool:
    return text.strip().lower() == "true"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.strip())


def _guid(text: str) -> str:
    return text.strip().lower()


_READERS: dict[str, Callable[[str], Any]] = {
    **dict.fromkeys(_INT_TYPES, int),
    **dict.fromkeys(_DECIMAL_TYPES, Decimal),
    "Edm.Boolean": _boolean,
    "Edm.DateTime": _moment,
    "Edm.Guid": _guid,
}


def edm_value(text: str, edm_type: str | None) -> Any:
    """Text of an element as the Python value of its EDM type (unknown types stay text)."""
    if edm_type is None:
        return text
    reader = _READERS.get(edm_type)
    return text if reader is None else reader(text)


class _Typer:
    """EDM types of properties by type name, from the schema, cached; local names by tag."""

    def __init__(self, schema: Schema | None) -> None:
        self.schema = schema
        self._cache: dict[str, dict[str, str]] = {}
        self._collections: dict[str, frozenset[str]] = {}
        #: ``{namespace}Name`` -> ``Name``; a page repeats the same few dozen tags
        self.names: dict[str, str] = {}

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

    def collections_of(self, type_name: str | None) -> frozenset[str]:
        """The properties ``type_name`` declares as ``Collection(…)``."""
        if not type_name or self.schema is None:
            return frozenset()
        found = self._collections.get(type_name)
        if found is None:
            types = self.types_of(type_name).items()
            found = frozenset(name for name, edm in types if collection_item_type(edm))
            self._collections[type_name] = found
        return found

    def local_name(self, tag: str) -> str:
        name = self.names[tag] = tag.rpartition("}")[2]
        return name


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
    """The child elements as ``{local name: value}``. Most are a bare text leaf (no
    attribute, no child, not a declared collection): read here directly, the rest by
    ``_value``. This runs for every property of every entry."""
    types = typer.types_of(type_name)
    collections = typer.collections_of(type_name)
    names = typer.names
    values: dict[str, Any] = {}
    for child in container:
        tag = child.tag
        name = names.get(tag)
        if name is None:
            if not isinstance(tag, str):
                continue  # a comment or processing instruction
            name = typer.local_name(tag)
        declared = types.get(name) if types else None
        if child.keys() or len(child) or (collections and name in collections):
            values[name] = _value(child, declared, typer)
        elif declared is None:
            values[name] = child.text or ""
        else:
            values[name] = edm_value(child.text or "", declared)
    return values


def _entry(element: etree._Element, typer: _Typer) -> AtomEntry:
    """One ``entry``, its children read in one pass; the first of each kind counts, as
    ``find`` would take it."""
    entry_id = updated = type_name = edit_link = None
    category_seen = edit_seen = False
    content_properties = bare_properties = None
    for child in element.iterchildren(*_ENTRY_PARTS):
        tag = child.tag
        if tag == _CONTENT:
            if content_properties is None:
                content_properties = child.find(_PROPERTIES)
        elif tag == _LINK:
            if not edit_seen and child.get("rel") == "edit":
                edit_seen, edit_link = True, child.get("href")
        elif tag == _ID:
            if entry_id is None:
                entry_id = child.text or ""
        elif tag == _UPDATED:
            if updated is None:
                updated = child.text or ""
        elif tag == _CATEGORY:
            if not category_seen:
                category_seen, type_name = True, child.get("term")
        elif bare_properties is None:  # ``m:properties`` right in the entry (media entries)
            bare_properties = child
    container = content_properties if content_properties is not None else bare_properties
    properties = {} if container is None else _properties(container, type_name, typer)
    return AtomEntry(
        id=entry_id,
        type_name=type_name,
        properties=properties,
        updated=updated,
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
    reader = _FeedReader(_Typer(schema))
    context = etree.iterparse(
        io.BytesIO(body),
        events=("end",),
        tag=_COLLECTED,
        huge_tree=True,
        resolve_entities=False,
    )
    try:
        for _event, element in context:
            reader.take(element)
    except (etree.XMLSyntaxError, ValueError, ArithmeticError) as error:
        raise OneCProtocolError(
            f"cannot read the atom answer: {error}",
            url=strip_credentials(url),
            hint="Check the publication; the body may be cut or not OData at all.",
        ) from error
    return reader.feed


class _FeedReader:
    """Takes each finished element of interest (``_COLLECTED``) into the feed and frees
    what it took, so memory stays flat however long the feed is."""

    def __init__(self, typer: _Typer) -> None:
        self.typer = typer
        self.feed = AtomFeed()
        self._root: etree._Element | None = None

    def take(self, element: etree._Element) -> None:
        parent = element.getparent()
        if self._root is None:
            self._root = _root_of(element)
        on_top = parent is not None and parent is self._root  # a child of the root
        root_tag = self._root.tag
        tag = element.tag
        feed = self.feed
        if tag == _ENTRY:
            if not on_top and not (parent is None and root_tag == _ENTRY):
                return  # an expanded (``m:inline``) entry: part of its parent entry
            feed.entries.append(_entry(element, self.typer))
        elif tag == _DELETED:
            feed.deleted.append(_deleted(element))
        elif tag == _COUNT:
            if root_tag != _FEED:
                return
            feed.count = int((element.text or "0").strip())
        else:  # ``d:element``: an entry only as a row of a virtual-table result
            if not on_top or root_tag == _FEED:
                return  # a row of a tabular section or collection: part of its entry
            type_name = element.get(_TYPE_ATTR)
            properties = _properties(element, type_name, self.typer)
            feed.entries.append(AtomEntry(id=None, type_name=type_name, properties=properties))
        _free(element, parent)


def _root_of(element: etree._Element) -> etree._Element:
    while (parent := element.getparent()) is not None:
        element = parent
    return element


def _free(element: etree._Element, parent: etree._Element | None) -> None:
    element.clear()
    while parent is not None and element.getprevious() is not None:
        del parent[0]
