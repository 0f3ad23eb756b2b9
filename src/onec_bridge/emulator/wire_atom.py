"""Atom-xml bodies with the exact prefixes 1C uses (``feed``/``entry``/``m:properties``/``d:``).

Clients parse 1C's atom by literal prefixes, so the namespace declarations and
prefixes here copy the captured responses in ``shared/samples/1c`` verbatim.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
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
_NAMESPACES = f'xmlns="{ATOM_NS}" xmlns:d="{DATA_NS}" xmlns:m="{METADATA_NS}"'


def xml_value(value: Any) -> str:
    """The text of a ``d:`` element for a wire (JSON-form) value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _property(name: str, value: Any) -> str:
    if value is None:
        return f'<d:{name} m:null="true"/>'
    if isinstance(value, list):
        rows = "".join(f"<d:element>{_properties_xml(row)}</d:element>" for row in value)
        return f"<d:{name}>{rows}</d:{name}>" if rows else f"<d:{name}/>"
    text = xml_value(value)
    return f"<d:{name}>{text}</d:{name}>" if text else f"<d:{name}/>"


def _properties_xml(row: dict[str, Any]) -> str:
    return "".join(_property(name, value) for name, value in row.items() if "@" not in name)


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
        head = (
            f'<link rel="{_RELATED}{escape(nav)}" href={quoteattr(href)} '
            f'type="application/atom+xml;type=entry;charset=utf-8" title={quoteattr(nav)}'
        )
        if nav not in self.inline:
            return head + "/>"
        inner = self.inline[nav]
        entry = "" if inner is None else f"<entry>{inner.xml(root_url, updated)}</entry>"
        return f"{head}><m:inline>{entry}</m:inline></link>"

    def xml(self, root_url: str, updated: str) -> str:
        links = "".join(self._link(root_url, updated, nav, href) for nav, href in self.links)
        return (
            f"<id>{escape(root_url)}/{escape(self.key_text)}</id>"
            f'<category term="{EDM_NAMESPACE}.{escape(self.set_name)}" scheme="{_SCHEME}"/>'
            f'<title type="text"/><updated>{updated}</updated><author/><summary/>{links}'
            f'<link rel="edit" href={quoteattr(self.key_text)} title="edit-link"/>'
            f'<content type="application/xml"><m:properties xmlns:d="{DATA_NS}" '
            f'xmlns:m="{METADATA_NS}">{_properties_xml(self.row)}</m:properties></content>'
        )


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%dT%H:%M:%S")


def atom_feed(root_url: str, entries: Iterable[AtomEntry], count: int | None = None) -> bytes:
    updated = _now()
    parts = [_XML_HEAD, f'<feed {_NAMESPACES} xml:base="{escape(root_url)}/">']
    if count is not None:
        parts.append(f"<m:count>{count}</m:count>")
    parts += [f"<entry>{entry.xml(root_url, updated)}</entry>" for entry in entries]
    parts.append("</feed>")
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
