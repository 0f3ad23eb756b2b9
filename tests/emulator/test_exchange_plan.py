"""Exchange plan (checklist 22): SelectChanges / NotifyChangesReceived through the real client."""

from __future__ import annotations

import httpx2

from onec_bridge.emulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    ITEMS_SET,
    EmulatorBase,
    EmulatorSettings,
    create_app,
    generate_demo_base,
)
from onec_bridge.emulator.demo_config import SALES_SET
from onec_bridge.onec import OneCClient
from tests.emulator.emulator_helpers import odata_client
from tests.emulator.registers_config import ITEM_A, ITEM_B, PLAN, registers_base
from tests.onec.fake_onec import fast_settings

ITEMS_PLAN = "ExchangePlan_ОбменССайтом"


def client_for(base: object) -> OneCClient:
    app = create_app(base, EmulatorSettings(base_name="demo"))  # type: ignore[arg-type]
    settings = fast_settings(
        url="http://emulator/demo", user=DEFAULT_USER, password=DEFAULT_PASSWORD
    )
    return OneCClient(settings, transport=httpx2.ASGITransport(app=app))


async def node_of(base: object) -> dict[str, object]:
    async with odata_client(base) as http:  # type: ignore[arg-type]
        nodes = (await http.get(f"{PLAN}?$format=json")).json()["value"]
    return next(node for node in nodes if not node["ThisNode"])


async def test_changes_deletions_resend_and_acknowledgement() -> None:
    base = registers_base()
    node = await node_of(base)
    assert (node["SentNo"], node["ReceivedNo"]) == ("0", "0")
    key = str(node["Ref_Key"])
    base.update_object("Catalog_Товары", ITEM_A, {"Description": "Чай чёрный"})
    base.delete_object("Catalog_Товары", ITEM_B)
    async with client_for(base) as client:
        first = await client.odata.select_changes(PLAN, key, 1)
        assert [e.properties["Description"] for e in first.entries] == ["Чай чёрный"]
        assert [d.ref.rsplit("/", 1)[-1] for d in first.deleted] == [
            f"Catalog_Товары(guid'{ITEM_B}')"
        ]
        # not acknowledged: the same changes come again with the next number, plus new ones
        base.update_object("Catalog_Товары", ITEM_A, {"Description": "Чай красный"})
        second = await client.odata.select_changes(PLAN, key, 2)
        assert [e.properties["Description"] for e in second.entries] == ["Чай красный"]
        assert len(second.deleted) == 1
        await client.odata.notify_changes_received(PLAN, key, 2)
        third = await client.odata.select_changes(PLAN, key, 3)
        assert (third.entries, third.deleted) == ([], [])
    node = await node_of(base)
    assert (node["SentNo"], node["ReceivedNo"]) == ("3", "2")


async def test_acknowledging_an_older_packet_keeps_newer_changes() -> None:
    base = registers_base()
    key = str((await node_of(base))["Ref_Key"])
    base.update_object("Catalog_Товары", ITEM_A, {"Description": "1"})
    async with client_for(base) as client:
        await client.odata.select_changes(PLAN, key, 1)
        base.update_object("Catalog_Товары", ITEM_B, {"Description": "2"})
        await client.odata.select_changes(PLAN, key, 2)  # A (still numbered 1) and B (2)
        await client.odata.notify_changes_received(PLAN, key, 1)
        again = await client.odata.select_changes(PLAN, key, 3)
    assert [e.properties["Description"] for e in again.entries] == ["2"]


async def test_top_and_filter_are_ignored_and_bad_arguments_rejected() -> None:
    base = registers_base()
    key = str((await node_of(base))["Ref_Key"])
    base.update_object("Catalog_Товары", ITEM_A, {"Description": "x"})
    base.update_object("Catalog_Товары", ITEM_B, {"Description": "y"})
    point = f"'http://onec.test/demo/odata/standard.odata/{PLAN}(guid'{key}')'"
    async with odata_client(base) as http:
        url = f"SelectChanges?DataExchangePoint={point}&MessageNo=1&$top=1&$filter=Code eq 'z'"
        response = await http.post(url)
        assert response.status_code == 200
        assert response.text.count("<entry>") == 2
        missing = await http.post(f"SelectChanges?DataExchangePoint={point}")
        assert (missing.status_code, "<m:code>12</m:code>" in missing.text) == (400, True)
        unknown = point.replace(key, "00000000-0000-0000-0000-000000000001")
        gone = await http.post(f"SelectChanges?DataExchangePoint={unknown}&MessageNo=1")
        assert gone.status_code == 404


async def test_a_large_packet_lists_every_change_in_registration_order() -> None:
    """More changes than one batched lookup takes; deletions in between stay tombstones."""
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=800, seed=4)
    node = next(
        row for row in base.query(f'SELECT "Ref_Key", "ThisNode" FROM "{ITEMS_PLAN}"') if not row[1]
    )
    changed = base.modify_items(700, seed=8)
    for ref_key in changed[100:103]:
        base.delete_object(ITEMS_SET, ref_key)
    async with client_for(base) as client:
        packet = await client.odata.select_changes(ITEMS_PLAN, str(node[0]), 1)
    kept = [ref for ref in changed if ref not in changed[100:103]]
    assert [entry.properties["Ref_Key"] for entry in packet.entries] == kept
    assert [entry.properties for entry in packet.entries[:3]] == [
        _wire_text(base.get(ITEMS_SET, ref)) for ref in kept[:3]
    ]
    assert [item.ref.rsplit("/", 1)[-1] for item in packet.deleted] == [
        f"{ITEMS_SET}(guid'{ref}')" for ref in changed[100:103]
    ]


def _wire_text(row: dict[str, object] | None) -> dict[str, str | None]:
    """A JSON-form row as atom reads without ``$metadata``: every value as text, or None."""
    assert row is not None
    return {name: _text(value) for name, value in row.items() if "@" not in name}


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


async def test_a_changed_document_comes_whole_with_its_tabular_section() -> None:
    """1C sends a changed object as it is now, its tabular sections inline (``d:Товары``
    elements), the same lines a GET of the document returns."""
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=50, seed=4)
    node = next(
        row for row in base.query(f'SELECT "Ref_Key", "ThisNode" FROM "{ITEMS_PLAN}"') if not row[1]
    )
    document = str(base.query(f'SELECT "Ref_Key" FROM "{SALES_SET}" LIMIT 1')[0][0])
    lines = base.section_lines(SALES_SET, document, "Товары")
    lines = [{**lines[0], "Количество": 7.5}, lines[0]]  # two lines, the first edited
    base.write_section(SALES_SET, document, "Товары", lines)
    async with odata_client(base) as http:
        url = f"{SALES_SET}(guid'{document}')?$format=json"
        stored = (await http.get(url)).json()["Товары"]
    async with client_for(base) as client:
        packet = await client.odata.select_changes(ITEMS_PLAN, str(node[0]), 1)
    [entry] = [e for e in packet.entries if e.properties.get("Ref_Key") == document]
    sent = entry.properties["Товары"]
    assert [line["LineNumber"] for line in sent] == ["1", "2"]
    assert sent[0]["Количество"] == "7.5"
    assert sent == [_wire_text(line) for line in stored]
