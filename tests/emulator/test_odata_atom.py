"""Atom-xml and $metadata compared structurally with real 1C responses (shared/samples/1c)."""

from __future__ import annotations

import re

import httpx2
from lxml import etree

from onec_bridge.emulator import ITEMS_SET, EmulatorBase, EmulatorSettings
from tests.emulator.emulator_helpers import ODATA_ROOT, odata_client
from tests.samples import SAMPLES_1C

SAMPLES = SAMPLES_1C
ATOM = "{http://www.w3.org/2005/Atom}"
DATA = "{http://schemas.microsoft.com/ado/2007/08/dataservices}"
META = "{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}"
EDM = "{http://schemas.microsoft.com/ado/2009/11/edm}"


def _sample(name: str) -> etree._Element:
    return etree.parse(str(SAMPLES / name)).getroot()


def _entry_outline(entry: etree._Element) -> list[str]:
    """Child tags of an entry with runs of <link> collapsed: the shape clients rely on."""
    tags: list[str] = []
    for child in entry:
        tag = str(child.tag)
        if not tags or tags[-1] != tag or not tag.endswith("link"):
            tags.append(tag)
    return tags


async def test_feed_has_the_structure_of_a_real_1c_feed(client: httpx2.AsyncClient) -> None:
    response = await client.get(
        f"{ITEMS_SET}?$top=5&$filter=Parent_Key ne guid'00000000-0000-0000-0000-000000000000'"
    )
    assert response.headers["content-type"].startswith("application/atom+xml")
    ours, real = etree.fromstring(response.content), _sample("datareducer_Catalog.xml")
    assert ours.tag == real.tag == f"{ATOM}feed"
    assert ours.nsmap == real.nsmap
    assert {str(c.tag) for c in ours} == {str(c.tag) for c in real} == {f"{ATOM}entry"}
    our_entry, real_entry = ours[0], real[0]
    assert _entry_outline(our_entry) == _entry_outline(real_entry)
    our_category, real_category = (
        our_entry.find(f"{ATOM}category"),
        real_entry.find(f"{ATOM}category"),
    )
    assert our_category is not None
    assert real_category is not None
    assert our_category.get("scheme") == real_category.get("scheme")
    assert our_category.get("term") == f"StandardODATA.{ITEMS_SET}"
    related = [link for link in our_entry.findall(f"{ATOM}link") if link.get("rel") != "edit"]
    real_related = [link for link in real_entry.findall(f"{ATOM}link") if link.get("rel") != "edit"]
    assert related[0].attrib.keys() == real_related[0].attrib.keys()
    assert related[0].get("type") == real_related[0].get("type")
    assert (
        related[0].get("rel", "").rsplit("/", 1)[0]
        == real_related[0].get("rel", "").rsplit("/", 1)[0]
    )
    edit = our_entry.findall(f"{ATOM}link")[-1]
    assert (edit.get("rel"), edit.get("title")) == ("edit", "edit-link")
    entry_id = our_entry.findtext(f"{ATOM}id") or ""
    assert re.fullmatch(rf"{re.escape(ODATA_ROOT)}{ITEMS_SET}\(guid'[0-9a-f-]{{36}}'\)", entry_id)


async def test_properties_look_like_1c_properties(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS_SET}?$top=20")
    feed = etree.fromstring(response.content)
    real = _sample("datareducer_Catalog.xml")
    our_props = feed.find(f"{ATOM}entry/{ATOM}content/{META}properties")
    real_props = real.find(f"{ATOM}entry/{ATOM}content/{META}properties")
    assert our_props is not None
    assert real_props is not None
    assert our_props.nsmap == real_props.nsmap
    assert all(str(p.tag).startswith(DATA) for p in our_props)
    values = {str(p.tag).removeprefix(DATA): p.text for p in our_props}
    assert values["DeletionMark"] in ("true", "false")  # as in the real file
    assert list(values)[:3] == ["Ref_Key", "DataVersion", "DeletionMark"]
    empty = [p for p in feed.iter(f"{DATA}PredefinedDataName")]
    assert empty
    assert all(p.text is None and len(p) == 0 for p in empty)


async def test_inlinecount_in_atom(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS_SET}?$top=1&$inlinecount=allpages")
    assert etree.fromstring(response.content).findtext(f"{META}count") == "510"


async def test_single_entry_and_error_in_atom(
    client: httpx2.AsyncClient, demo_base: EmulatorBase
) -> None:
    ref = demo_base.scalar(f'SELECT "Ref_Key" FROM "{ITEMS_SET}" LIMIT 1')
    entry = etree.fromstring((await client.get(f"{ITEMS_SET}(guid'{ref}')")).content)
    assert entry.tag == f"{ATOM}entry"
    missing = await client.get(f"{ITEMS_SET}(guid'00000000-0000-0000-0000-000000000000')")
    error = etree.fromstring(missing.content)
    assert (missing.status_code, error.tag, error.findtext(f"{META}code")) == (
        404,
        f"{META}error",
        "9",
    )


async def test_service_document_in_atom(client: httpx2.AsyncClient) -> None:
    service = etree.fromstring((await client.get(ODATA_ROOT)).content)
    titles = [t.text for t in service.iter("{http://www.w3.org/2005/Atom}title")]
    assert titles[0] == "Default"
    assert ITEMS_SET in titles


async def test_metadata_is_edmx_like_1c(client: httpx2.AsyncClient) -> None:
    response = await client.get("$metadata", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("application/xml")
    ours, real = etree.fromstring(response.content), _sample("datareducer_metadata.xml")
    assert ours.tag == real.tag
    assert ours.get("Version") == real.get("Version") == "1.0"
    our_services, real_services = ours[0], real[0]
    assert our_services.attrib == real_services.attrib
    schemas = our_services.findall(f"{EDM}Schema")
    assert len(schemas) == 1
    assert schemas[0].get("Namespace") == "StandardODATA"
    container = schemas[0].find(f"{EDM}EntityContainer")
    assert container is not None
    assert container.get("Name") == "EnterpriseV8"
    assert container.get(f"{META}IsDefaultEntityContainer") == "true"
    items = schemas[0].find(f"{EDM}EntityType[@Name='{ITEMS_SET}']")
    assert items is not None
    assert [r.get("Name") for r in items.iter(f"{EDM}PropertyRef")] == ["Ref_Key"]
    navs = {n.get("Name") for n in items.iter(f"{EDM}NavigationProperty")}
    assert navs == {"Parent", "ЕдиницаИзмерения"}
    real_tags = {str(e.tag) for e in real.iter()}
    our_schema_tags = {str(e.tag) for e in schemas[0].iter()} - {
        f"{EDM}EntityContainer",
        f"{EDM}EntitySet",
        f"{EDM}AssociationSet",
        f"{EDM}FunctionImport",
        f"{EDM}Parameter",
        f"{EDM}EnumType",
        f"{EDM}Member",
    }
    assert our_schema_tags <= real_tags
    enum = schemas[0].find(f"{EDM}EnumType[@Name='ВидыНоменклатуры']")
    assert enum is not None
    assert enum.get("UnderlyingType") == "Edm.Int32"


async def test_large_metadata_option(demo_base: EmulatorBase) -> None:
    async with odata_client(demo_base, EmulatorSettings(large_metadata_bytes=3_000_000)) as http:
        response = await http.get("$metadata")
    assert len(response.content) > 3_000_000
    assert etree.fromstring(response.content).tag.endswith("Edmx")
