"""Atom-xml bodies with the exact prefixes 1C uses (``feed``/``entry``/``m:properties``/``d:``).

Clients parse 1C's atom by literal prefixes, so the namespace declarations and
prefixes here copy the captured responses in ``shared/samples/1c`` verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from onec_bridge.mapping.onec_values import EDM_NAMESPACE

__all__ = [
    "ATOM_CONTENT_TYPE",
    "ATOM_ENTRY_CONTENT_TYPE",
    "ATOM_NS",
    "DATA_NS",
    "METADATA_NS",
    "AtomEntry",
    "atom_entry_document",
    "atom_feed",
    "atom_service_document",
    "xml_value",
]

ATOM_CONTENT_TYPE = "application/atom+xml;type=feed;charset=utf-8"
ATOM_ENTRY_CONTENT_TYPE = "application/atom+xml;type=entry;charset=utf-8"
ATOM_NS = "http://www.w3.org/2005/Atom"
DATA_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices"
METADATA_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
_SCHEME = "http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"
_RELATED = "http://schemas.microsoft.com/ado/2007/08/dataservices/related/"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_ATTRIBUTE_SPECIALS = re.compile('[&<>"\n\r\t]')
_NAMESPACES = f'xmlns="{ATOM_NS}" xmlns:d="{DATA_NS}" xmlns:m="{METADATA_NS}"'


def xml_value(value: Any) -> str:
    """The text of a ``d:`` element for a wire (JSON-form) value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _escaped(text: str) -> str:
    """``escape(text)``, without its three copies for the usual text that needs none."""
    if "&" in text or "<" in text or ">" in text:
        return escape(text)
    return text


def _attribute(text: str) -> str:
    """``quoteattr(text)``: the text in double quotes when nothing in it needs escaping."""
    if _ATTRIBUTE_SPECIALS.search(text) is None:
        return f'"{text}"'
    return quoteattr(text)


class _Tags:
    """The literal markup of one ``d:`` property (built once per name: a page repeats them)."""

    __slots__ = ("close", "empty", "false", "null", "open", "true")

    def __init__(self, name: str) -> None:
        self.open = f"<d:{name}>"
        self.close = f"</d:{name}>"
        self.empty = f"<d:{name}/>"
        self.null = f'<d:{name} m:null="true"/>'
        self.true = f"{self.open}true{self.close}"
        self.false = f"{self.open}false{self.close}"


_TAGS: dict[str, _Tags] = {}


def _tags(name: str) -> _Tags:
    tags = _TAGS.get(name)
    if tags is None:
        tags = _TAGS[name] = _Tags(name)
    return tags


def _properties_xml(row: dict[str, Any], set_name: str = "") -> str:
    """The ``d:`` elements of a wire row; what ``xml_value`` gives, inlined for the usual kinds
    (this runs for every property of every entry). A list is a tabular section of the
    object in ``set_name``, typed as 1C types it: ``m:type="Collection(StandardODATA.
    <set>_<section>_RowType)"``, each ``d:element`` with the row type."""
    parts: list[str] = []
    append = parts.append
    for name, value in row.items():
        if "@" in name:
            continue
        tags = _TAGS.get(name) or _tags(name)
        kind = value.__class__
        if kind is str:  # exactly str: a subclass may print differently
            if not value:
                append(tags.empty)
                continue
            text = escape(value) if "&" in value or "<" in value or ">" in value else value
        elif value is None:
            append(tags.null)
            continue
        elif kind is bool:
            append(tags.true if value else tags.false)
            continue
        elif isinstance(value, list):
            collection, row_type = _section_types(set_name, name)
            items = "".join(
                f"<d:element m:type={row_type}>{_properties_xml(item)}</d:element>"
                for item in value
            )
            append(f"<d:{name} m:type={collection}>{items}</d:{name}>")
            continue
        else:
            text = xml_value(value)
            if not text:
                append(tags.empty)
                continue
        append(tags.open)
        append(text)
        append(tags.close)
    return "".join(parts)


class AtomEntry:
    """One entry: its canonical key text, nav links and wire properties."""

    __slots__ = ("inline", "key_text", "links", "row", "set_name")

    def __init__(
        self, set_name: str, key_text: str, links: list[tuple[str, str]], row: dict[str, Any]
    ) -> None:
        self.set_name = set_name
        self.key_text = key_text
        self.links = links
        self.row = row
        self.inline: dict[str, AtomEntry | None] = {}  # $expand: navigation -> entry

    def _link(self, root_url: str, updated: str, nav: str, href: str) -> str:
        rel, title = _link_parts(nav)
        head = f"{rel}{_attribute(href)}{title}"
        if nav not in self.inline:
            return head + "/>"
        inner = self.inline[nav]
        entry = "" if inner is None else f"<entry>{inner.xml(root_url, updated)}</entry>"
        return f"{head}><m:inline>{entry}</m:inline></link>"

    def xml(self, root_url: str, updated: str) -> str:
        links = "".join(self._link(root_url, updated, nav, href) for nav, href in self.links)
        return (
            f"<id>{_escaped(root_url)}/{_escaped(self.key_text)}</id>"
            f"{_category(self.set_name)}"
            f'<title type="text"/><updated>{updated}</updated><author/><summary/>{links}'
            f'<link rel="edit" href={_attribute(self.key_text)} title="edit-link"/>'
            f"{_CONTENT_HEAD}{_properties_xml(self.row, self.set_name)}</m:properties></content>"
        )


_CONTENT_HEAD = (
    f'<content type="application/xml"><m:properties xmlns:d="{DATA_NS}" xmlns:m="{METADATA_NS}">'
)


@lru_cache(maxsize=1024)
def _section_types(set_name: str, section: str) -> tuple[str, str]:
    """The quoted ``m:type`` of a tabular section and of its rows."""
    row_type = f"{EDM_NAMESPACE}.{set_name}_{section}_RowType"
    return _attribute(f"Collection({row_type})"), _attribute(row_type)


@lru_cache(maxsize=1024)
def _category(set_name: str) -> str:
    return f'<category term="{EDM_NAMESPACE}.{escape(set_name)}" scheme="{_SCHEME}"/>'


@lru_cache(maxsize=1024)
def _link_parts(nav: str) -> tuple[str, str]:
    """A navigation link's text before and after its ``href`` value."""
    return (
        f'<link rel="{_RELATED}{escape(nav)}" href=',
        f' type="application/atom+xml;type=entry;charset=utf-8" title={quoteattr(nav)}',
    )


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%dT%H:%M:%S")


def atom_feed(
    root_url: str, entries: Iterable[AtomEntry], count: int | None = None, *, tail: str = ""
) -> bytes:
    """The feed of ``entries``; ``tail`` is markup put after the last entry (tombstones)."""
    updated = _now()
    parts = [_XML_HEAD, f'<feed {_NAMESPACES} xml:base="{escape(root_url)}/">']
    if count is not None:
        parts.append(f"<m:count>{count}</m:count>")
    parts += [f"<entry>{entry.xml(root_url, updated)}</entry>" for entry in entries]
    parts.append(f"{tail}</feed>")
    return "".join(parts).encode()


def atom_entry_document(root_url: str, entry: AtomEntry) -> bytes:
    body = (
        f'<entry {_NAMESPACES} xml:base="{escape(root_url)}/">{entry.xml(root_url, _now())}</entry>'
    )
    return (_XML_HEAD + body).encode()


def atom_service_document(root_url: str, set_names: Iterable[str]) -> bytes:
    collections = "".join(
        f'<collection href="{escape(name)}"><atom:title>{escape(name)}</atom:title></collection>'
        for name in set_names
    )
    body = (
        f'<service xmlns="http://www.w3.org/2007/app" xmlns:atom="{ATOM_NS}" '
        f'xml:base="{escape(root_url)}/"><workspace><atom:title>Default</atom:title>'
        f"{collections}</workspace></service>"
    )
    return (_XML_HEAD + body).encode()
