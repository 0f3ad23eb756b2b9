"""Exchange plans against the emulator: SelectChanges -> NotifyChangesReceived -> nothing left;
an unacknowledged packet is sent again; deletions arrive as tombstones."""

from __future__ import annotations

from typing import Any

from onec_bridge.onec import F, OneCClient, QueryOptions
from onec_bridge.onec.atom import AtomFeed
from tests.onec.emulator_support import (
    EXCHANGE_PLAN,
    ITEMS,
    demo_app,
    demo_base,
    in_process_client,
    served,
    socket_settings,
)


async def site_node(client: OneCClient) -> dict[str, Any]:
    """The node other than this base (``ThisNode`` false): the web site."""
    nodes = await client.odata.query(EXCHANGE_PLAN, QueryOptions(filter=F("ThisNode") == False))  # noqa: E712
    (node,) = nodes
    return node


def changed_refs(feed: AtomFeed) -> set[str]:
    return {str(entry.properties["Ref_Key"]) for entry in feed.entries}


def deleted_refs(feed: AtomFeed) -> set[str]:
    return {tombstone.ref.rsplit("guid'", 1)[1].rstrip("')") for tombstone in feed.deleted}


async def make_changes(client: OneCClient) -> tuple[str, str, str]:
    """Create one item, rename another, delete a third; their Ref_Keys."""
    created = await client.odata.create(ITEMS, {"Description": "Новый товар"})
    existing = await client.odata.query(
        ITEMS,
        QueryOptions(filter=F("IsFolder") == False, top=2),  # noqa: E712
    )
    renamed, doomed = (row["Ref_Key"] for row in existing)
    await client.odata.patch(ITEMS, renamed, {"Description": "Переименован"})
    await client.odata.delete(ITEMS, doomed)
    return created["Ref_Key"], renamed, doomed


async def test_select_notify_and_the_next_select_is_empty() -> None:
    client, recorder = in_process_client(demo_app(demo_base()))
    async with client:
        await client.odata.metadata()  # entries are then typed by the schema
        node = await site_node(client)
        assert await client.odata.select_changes(EXCHANGE_PLAN, node["Ref_Key"], 1) == AtomFeed()
        created, renamed, doomed = await make_changes(client)
        message_no = int(node["ReceivedNo"]) + 1
        feed = await client.odata.select_changes(EXCHANGE_PLAN, node["Ref_Key"], message_no)
        select = recorder.last.request
        await client.odata.notify_changes_received(EXCHANGE_PLAN, node["Ref_Key"], message_no)
        after_ack = await client.odata.select_changes(
            EXCHANGE_PLAN, node["Ref_Key"], message_no + 1
        )
        node_after = await client.odata.get(EXCHANGE_PLAN, node["Ref_Key"])
    assert select.method == "POST"
    point = select.url.params["DataExchangePoint"]
    assert point == f"'{client.odata.root}/{EXCHANGE_PLAN}(guid'{node['Ref_Key']}')'"  # not doubled
    assert changed_refs(feed) == {created, renamed}
    assert deleted_refs(feed) == {doomed}
    by_ref = {str(entry.properties["Ref_Key"]): entry for entry in feed.entries}
    assert by_ref[renamed].properties["Description"] == "Переименован"
    assert by_ref[created].type_name == f"StandardODATA.{ITEMS}"
    assert after_ack == AtomFeed()
    assert node_after["ReceivedNo"] == str(message_no)


async def test_an_unacknowledged_packet_is_sent_again() -> None:
    with served(demo_app(demo_base())) as url:  # over a real socket
        async with OneCClient(socket_settings(url)) as client:
            node = await site_node(client)
            created, renamed, doomed = await make_changes(client)
            first = await client.odata.select_changes(EXCHANGE_PLAN, node["Ref_Key"], 1)
            # the consumer crashed before saving: no NotifyChangesReceived
            again = await client.odata.select_changes(EXCHANGE_PLAN, node["Ref_Key"], 1)
            await client.odata.notify_changes_received(EXCHANGE_PLAN, node["Ref_Key"], 1)
            done = await client.odata.select_changes(EXCHANGE_PLAN, node["Ref_Key"], 2)
    assert changed_refs(first) == changed_refs(again) == {created, renamed}
    assert deleted_refs(first) == deleted_refs(again) == {doomed}
    assert done == AtomFeed()
