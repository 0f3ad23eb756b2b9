"""``OneCClientSync`` against the emulator over a real socket: the same basics as the async
client, from plain blocking code."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from onec_bridge.onec import (
    OneCBusinessError,
    OneCClientSync,
    OneCConflict,
    OneCPreconditionFailed,
    QueryOptions,
)
from onec_bridge.onec.atom import AtomFeed
from onec_bridge.onec.metadata import MetadataCache
from tests.onec.emulator_support import (
    CUSTOMERS,
    EXCHANGE_PLAN,
    ITEMS,
    SALES,
    STOCK,
    demo_app,
    demo_base,
    served,
    socket_settings,
)


def test_sync_client_reads_writes_posts_and_calls_services(tmp_path: Path) -> None:
    app = demo_app(demo_base(), posting_failures={"Document_ПоступлениеТоваровУслуг": "Нет"})
    with (
        served(app) as url,
        OneCClientSync(socket_settings(url), metadata_cache=MetadataCache(tmp_path)) as onec,
    ):
        odata = onec.odata
        count = odata.count(ITEMS)
        codes = [row["Code"] for page in odata.iter_pages(ITEMS, page_size=50) for row in page]

        item = odata.create(ITEMS, {"Description": "Синхронно"})
        item = odata.patch(
            ITEMS, item["Ref_Key"], {"Description": "Синхронно 2"}, if_match=item["DataVersion"]
        )
        with pytest.raises(OneCPreconditionFailed):
            odata.patch(ITEMS, item["Ref_Key"], {"Description": "x"}, if_match="AAAAAAAAAAA=")
        marked = odata.set_deletion_mark(ITEMS, item["Ref_Key"])
        odata.delete(ITEMS, item["Ref_Key"])

        sale = odata.create(SALES, {"Товары": [{"LineNumber": "1", "Количество": 1}]})
        odata.post_document(SALES, sale["Ref_Key"])
        posted = odata.get(SALES, sale["Ref_Key"])["Posted"]
        receipt = odata.query("Document_ПоступлениеТоваровУслуг", QueryOptions(top=1))[0]
        with pytest.raises(OneCBusinessError, match="Нет"):
            odata.post_document("Document_ПоступлениеТоваровУслуг", receipt["Ref_Key"])

        balance = odata.virtual_table(STOCK, "Balance", {"Period": datetime(2024, 6, 1)}, top=5)
        schema = odata.metadata()
        (node,) = [n for n in odata.query(EXCHANGE_PLAN, QueryOptions()) if not n["ThisNode"]]
        feed = odata.select_changes(EXCHANGE_PLAN, node["Ref_Key"], 1)
        odata.notify_changes_received(EXCHANGE_PLAN, node["Ref_Key"], 1)
        after_ack = odata.select_changes(EXCHANGE_PLAN, node["Ref_Key"], 2)

        loyalty = onec.hs("loyalty")
        products = loyalty.get("products", params={"limit": 3}).json()["items"]
        customer = odata.query(CUSTOMERS, QueryOptions(top=1))[0]["Ref_Key"]
        body = {"id": "sync-1", "customer": customer, "amount": 5}
        created = loyalty.post("transactions", json=body)
        with pytest.raises(OneCConflict) as repeated:
            loyalty.post("transactions", json=body)

    assert codes == sorted(codes) and len(codes) == count
    assert item["Description"] == "Синхронно 2" and marked["DeletionMark"] is True
    assert posted is True
    assert 0 < len(balance) <= 5
    assert schema.entity_type_of(ITEMS).key == ("Ref_Key",)
    assert any(path.suffix == ".msgpack" for path in tmp_path.iterdir())
    changed = {entry.properties.get("Ref_Key") for entry in feed.entries}
    assert {sale["Ref_Key"]} <= {str(ref) for ref in changed}
    assert item["Ref_Key"] in {tombstone.ref.split("guid'")[1][:36] for tombstone in feed.deleted}
    assert after_ack == AtomFeed()
    assert len(products) == 3
    assert repeated.value.ref_key == created.json()["Ref_Key"]
