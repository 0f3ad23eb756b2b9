"""The streaming atom reader gives exactly what a plain walk of the whole document gives.

``reference_feed`` below is the obvious reading of an atom answer (the whole tree,
``find`` for each part of an entry, every property through one generic function);
``parse_feed`` reads the same answers entry by entry with shortcuts for bare text
properties, and must agree with it on real 1C samples, on what the emulator sends and
on generated feeds full of awkward shapes.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from onec_bridge.emulator import EmulatorBase, generate_demo_base
from onec_bridge.emulator.wire_atom import AtomEntry as WireEntry
from onec_bridge.emulator.wire_atom import atom_feed
from onec_bridge.onec.atom import AtomEntry, AtomFeed, DeletedEntry, parse_feed
from onec_bridge.onec.metadata import Schema, collection_item_type, parse_metadata
from tests.samples import METADATA_SAMPLE, SAMPLES_1C

ATOM = "http://www.w3.org/2005/Atom"
DATA = "http://schemas.microsoft.com/ado/2007/08/dataservices"
META = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
NAMESPACES = f'xmlns="{ATOM}" xmlns:d="{DATA}" xmlns:m="{META}" xmlns:at="{TOMBSTONES}"'


def _typed(text: str, edm: str | None) -> Any:
    if edm in ("Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"):
        return int(text)
    if edm in ("Edm.Double", "Edm.Decimal", "Edm.Single"):
        return Decimal(text)
    if edm == "Edm.Boolean":
        return text.strip().lower() == "true"
    if edm == "Edm.DateTime":
        return datetime.fromisoformat(text.strip())
    if edm == "Edm.Guid":
        return text.strip().lower()
    return text


class Reference:
    def __init__(self, schema: Schema | None) -> None:
        self.schema = schema

    def types(self, type_name: str | None) -> dict[str, str]:
        if self.schema is None or not type_name:
            return {}
        try:
            definition = self.schema.row_type_of(type_name)
        except KeyError:
            return {}
        return {prop.name: prop.type for prop in definition.properties}

    def value(self, element: Any, declared: str | None) -> Any:
        if element.get(f"{{{META}}}null") == "true":
            return None
        edm = element.get(f"{{{META}}}type") or declared
        item_type = collection_item_type(edm) if edm else None
        if item_type is not None:
            return [
                self.properties(child, child.get(f"{{{META}}}type") or item_type)
                if len(child)
                else self.value(child, item_type)
                for child in element
                if child.tag == f"{{{DATA}}}element"
            ]
        if len(element):
            return self.properties(element, edm)
        return _typed(element.text or "", edm)

    def properties(self, container: Any, type_name: str | None) -> dict[str, Any]:
        types = self.types(type_name)
        out: dict[str, Any] = {}
        for child in container:
            if isinstance(child.tag, str):
                name = child.tag.rpartition("}")[2]
                out[name] = self.value(child, types.get(name))
        return out

    def entry(self, element: Any) -> AtomEntry:
        category = element.find(f"{{{ATOM}}}category")
        type_name = category.get("term") if category is not None else None
        container = element.find(f"{{{ATOM}}}content/{{{META}}}properties")
        if container is None:
            container = element.find(f"{{{META}}}properties")
        links = element.iterfind(f"{{{ATOM}}}link")
        return AtomEntry(
            id=element.findtext(f"{{{ATOM}}}id"),
            type_name=type_name,
            properties={} if container is None else self.properties(container, type_name),
            updated=element.findtext(f"{{{ATOM}}}updated"),
            edit_link=next((link.get("href") for link in links if link.get("rel") == "edit"), None),
        )

    def feed(self, body: bytes) -> AtomFeed:
        root = etree.fromstring(body)
        feed = AtomFeed()
        if root.tag == f"{{{ATOM}}}entry":
            feed.entries.append(self.entry(root))
        for child in root:
            if child.tag == f"{{{ATOM}}}entry":
                feed.entries.append(self.entry(child))
            elif child.tag == f"{{{DATA}}}element" and root.tag != f"{{{ATOM}}}feed":
                type_name = child.get(f"{{{META}}}type")
                properties = self.properties(child, type_name)
                feed.entries.append(AtomEntry(None, type_name, properties))
        for tombstone in root.iter(f"{{{TOMBSTONES}}}deleted-entry"):
            when = tombstone.get("when")
            feed.deleted.append(
                DeletedEntry(
                    tombstone.get("ref", ""), datetime.fromisoformat(when) if when else None
                )
            )
        if root.tag == f"{{{ATOM}}}feed":
            for count in root.iter(f"{{{META}}}count"):
                feed.count = int((count.text or "0").strip())
        return feed


def assert_same(body: bytes, schema: Schema | None = None) -> None:
    expected = Reference(schema).feed(body)
    got = parse_feed(body, schema=schema)
    assert got.entries == expected.entries
    assert got.deleted == expected.deleted
    assert got.count == expected.count


@pytest.fixture(scope="module")
def schema() -> Schema:
    return parse_metadata(METADATA_SAMPLE)


@pytest.mark.parametrize(
    "name",
    sorted(
        path.name for path in SAMPLES_1C.glob("datareducer_*.xml") if "metadata" not in path.name
    ),
)
def test_real_samples(name: str, schema: Schema) -> None:
    body = (SAMPLES_1C / name).read_bytes()
    assert_same(body)
    assert_same(body, schema)


@pytest.mark.parametrize("name", ["Catalog", "ChartOfCharacteristicTypes", "TabularSection"])
def test_samples_typed_by_the_schema_alone(name: str, schema: Schema) -> None:
    """Without ``m:type`` an empty tabular section is a list only because the schema says so."""
    body = re.sub(rb' m:type="[^"]*"', b"", (SAMPLES_1C / f"datareducer_{name}.xml").read_bytes())
    assert_same(body, schema)
    if name == "Catalog":
        assert (
            parse_feed(body, schema=schema).entries[0].properties["ДополнительныеРеквизиты"] == []
        )


# -- generated feeds --------------------------------------------------------------------

NAMES = st.sampled_from(["Ref_Key", "Цена", "Code", "Товары", "X_Type", "LineNumber"])
TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=8,
).filter(lambda text: all(ord(c) >= 0x20 or c in "\t\n" for c in text))
EDM = st.sampled_from(["Edm.String", "Edm.Int64", "Edm.Boolean", "Edm.Guid", "Edm.Other"])
RELS = st.sampled_from(["edit", "self"])
NUMBERS = st.integers(-(10**20), 10**20).map(str)


@st.composite
def leaf(draw: st.DrawFn) -> str:
    name = draw(NAMES)
    kind = draw(st.sampled_from(["text", "empty", "null", "typed", "spaced", "comment"]))
    if kind == "empty":
        return f"<d:{name}/>"
    if kind == "null":
        return f'<d:{name} m:null="true"/>'
    if kind == "typed":
        edm = draw(EDM)
        text = {
            "Edm.Int64": draw(NUMBERS),
            "Edm.Boolean": draw(st.sampled_from(["true", " False"])),
        }
        return f'<d:{name} m:type="{edm}">{escape(text.get(edm, draw(TEXTS)))}</d:{name}>'
    if kind == "spaced":
        return f'<d:{name} xml:space="preserve">{escape(draw(TEXTS))}</d:{name}>'
    if kind == "comment":
        return f"<!-- c --><d:{name}>{escape(draw(TEXTS))}</d:{name}>"
    return f"<d:{name}>{escape(draw(TEXTS))}</d:{name}>"


@st.composite
def prop(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 4)):
        return draw(leaf())
    rows = draw(st.lists(st.lists(leaf(), max_size=3), max_size=3))
    items = "".join(f"<d:element>{''.join(row)}</d:element>" for row in rows)
    typed = draw(st.booleans())
    kind = ' m:type="Collection(StandardODATA.X_RowType)"' if typed else ""
    gap = draw(st.sampled_from(["", "\n  "]))
    return f"<d:Товары{kind}>{gap}{items}</d:Товары>"


@st.composite
def entry(draw: st.DrawFn) -> str:
    properties = "".join(draw(st.lists(prop(), max_size=6)))
    parts = [
        f"<id>{escape(draw(TEXTS))}</id>",
        f'<category term="StandardODATA.{draw(st.sampled_from(["Catalog_A", "Catalog_B"]))}"/>',
        "<title/>",
        f"<updated>{escape(draw(TEXTS))}</updated>",
        '<link rel="http://x/related/Parent" href="a/Parent"/>',
        f"<link rel={quoteattr(draw(RELS))} href={quoteattr(draw(TEXTS))}/>",
    ]
    where = draw(st.sampled_from(["content", "bare", "both", "empty content", "none"]))
    if where in ("content", "both"):
        parts.append(
            f'<content type="application/xml"><m:properties>{properties}</m:properties></content>'
        )
    if where == "empty content":
        parts.append('<content type="application/xml"/>')
    if where in ("bare", "both", "empty content"):
        parts.append(f"<m:properties><d:Bare>{escape(draw(TEXTS))}</d:Bare></m:properties>")
    if draw(st.booleans()):  # an expanded navigation: not an entry of the feed
        parts.append(
            '<link rel="x" href="y"><m:inline><entry><id>inner</id></entry></m:inline></link>'
        )
    shuffled = draw(st.permutations(parts))
    return f"<entry>{''.join(shuffled)}</entry>"


@st.composite
def feed(draw: st.DrawFn) -> bytes:
    items = draw(st.lists(entry(), max_size=4))
    if draw(st.booleans()):
        items.insert(0, f"<m:count>{draw(st.integers(0, 99))}</m:count>")
    if draw(st.booleans()):
        items.append('<at:deleted-entry ref="Catalog_A(guid\'x\')" when="2024-03-02T08:00:00"/>')
    return f'<?xml version="1.0"?><feed {NAMESPACES}>{"".join(items)}</feed>'.encode()


@settings(max_examples=300)
@given(feed())
def test_generated_feeds(body: bytes) -> None:
    assert_same(body)


@settings(max_examples=100)
@given(st.lists(st.lists(leaf(), max_size=4), max_size=4))
def test_generated_virtual_table_results(rows: list[list[str]]) -> None:
    elements = "".join(
        f'<d:element m:type="StandardODATA.R_Balance">{"".join(row)}</d:element>' for row in rows
    )
    body = (
        f'<d:Result {NAMESPACES} m:type="Collection(StandardODATA.R_Balance)">{elements}</d:Result>'
    )
    assert_same(body.encode())


def test_emulator_feed() -> None:
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=50, seed=2)
    shape = base.shape("Catalog_Номенклатура")
    rows = base.query('SELECT * FROM "Catalog_Номенклатура"')
    entries = [
        WireEntry(
            "Catalog_Номенклатура",
            shape.key_text(row),
            shape.navigation_links(row),
            shape.to_wire(row),
        )
        for row in rows
    ]
    assert_same(atom_feed("http://h/demo/odata/standard.odata", entries, count=len(entries)))
