"""Writes against the emulator: create, patch with If-Match, delete, deletion mark, tabular
sections, Post/Unpost (and a posting handler's refusal), data-load mode."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import unquote

import pytest

from onec_bridge.onec import (
    F,
    OneCBusinessError,
    OneCClient,
    OneCNotFound,
    OneCPreconditionFailed,
    OneCServerError,
    QueryOptions,
)
from tests.onec.emulator_support import (
    ITEMS,
    SALES,
    STOCK,
    demo_app,
    demo_base,
    in_process_client,
    served,
    socket_settings,
)

POSTING_FAILURE = "Error running processor — 'ОбработкаПроведения'"


def sale(*quantities: str) -> dict[str, object]:
    """A sales document body with one ``Товары`` row per quantity."""
    rows = [
        {"LineNumber": str(number), "Количество": Decimal(quantity)}
        for number, quantity in enumerate(quantities, start=1)
    ]
    return {"Date": "2024-12-30T10:00:00", "Товары": rows}


async def test_create_answers_201_with_location_and_a_generated_code() -> None:
    client, recorder = in_process_client(demo_app(demo_base()))
    async with client:
        created = await client.odata.create(ITEMS, {"Description": "Мёд", "Unknown": 1})
        answer = recorder.last.response
        again = await client.odata.get(ITEMS, created["Ref_Key"])
    assert answer.status_code == 201
    location = unquote(answer.headers["Location"])
    assert location.endswith(f"/odata/standard.odata/{ITEMS}(guid'{created['Ref_Key']}')")
    assert answer.headers["Location"].isascii()  # headers are latin-1: Cyrillic is encoded
    assert created["Code"].strip()
    assert created["Description"] == "Мёд"
    assert created["DataVersion"]
    assert "Unknown" not in created  # unknown properties are ignored, as 1C does
    assert again == created


async def test_created_document_gets_the_next_number_and_is_not_posted() -> None:
    client, _ = in_process_client(demo_app(demo_base()))
    async with client:
        last = await client.odata.query(SALES, QueryOptions(orderby=["Number desc"], top=1))
        created = await client.odata.create(SALES, sale("2"))
    prefix, _, digits = last[0]["Number"].rpartition("-")
    assert created["Number"] == f"{prefix}-{int(digits) + 1:0{len(digits)}d}"
    assert created["Posted"] is False
    assert [row["LineNumber"] for row in created["Товары"]] == ["1"]


async def test_patch_sends_data_version_as_if_match_and_a_stale_one_is_refused() -> None:
    client, recorder = in_process_client(demo_app(demo_base()))
    async with client:
        created = await client.odata.create(ITEMS, {"Description": "Мёд"})
        updated = await client.odata.patch(
            ITEMS,
            created["Ref_Key"],
            {"Description": "Мёд липовый"},
            if_match=created["DataVersion"],
        )
        sent = recorder.last.request
        assert recorder.last.response.status_code == 200
        with pytest.raises(OneCPreconditionFailed) as stale:
            await client.odata.patch(
                ITEMS, created["Ref_Key"], {"Description": "lost"}, if_match=created["DataVersion"]
            )
        attempts = len(recorder.requests("PATCH"))
        current = await client.odata.get(ITEMS, created["Ref_Key"])
    assert sent.headers["If-Match"] == created["DataVersion"]  # raw, without quotes
    assert updated["Description"] == "Мёд липовый"
    assert updated["DataVersion"] != created["DataVersion"]
    assert stale.value.status == 412
    assert "DataVersion" in stale.value.hint  # not code -1's generic "business rule" hint
    assert attempts == 2  # a 412 is never retried
    assert current["Description"] == "Мёд липовый"


async def test_delete_is_physical_and_honours_if_match() -> None:
    client, _ = in_process_client(demo_app(demo_base()))
    async with client:
        created = await client.odata.create(ITEMS, {"Description": "на удаление"})
        with pytest.raises(OneCPreconditionFailed):
            await client.odata.delete(ITEMS, created["Ref_Key"], if_match="AAAAAAAAAAA=")
        await client.odata.delete(ITEMS, created["Ref_Key"], if_match=created["DataVersion"])
        with pytest.raises(OneCNotFound) as missing:
            await client.odata.get(ITEMS, created["Ref_Key"])
    assert missing.value.code == "9"


async def test_deletion_mark_is_set_and_cleared() -> None:
    client, _ = in_process_client(demo_app(demo_base()))
    async with client:
        created = await client.odata.create(ITEMS, {"Description": "пометка"})
        marked = await client.odata.set_deletion_mark(ITEMS, created["Ref_Key"])
        marked_count = await client.odata.count(
            ITEMS,
            filter=(F("Ref_Key") == created["Ref_Key"]) & (F("DeletionMark") == True),  # noqa: E712
        )
        cleared = await client.odata.set_deletion_mark(ITEMS, created["Ref_Key"], mark=False)
    assert marked["DeletionMark"] is True
    assert marked_count == 1
    assert cleared["DeletionMark"] is False
    assert cleared["Description"] == "пометка"  # the object is kept


async def test_a_tabular_section_is_replaced_whole() -> None:
    client, _ = in_process_client(demo_app(demo_base()))
    async with client:
        created = await client.odata.create(SALES, sale("2", "3", "4"))
        updated = await client.odata.patch(
            SALES,
            created["Ref_Key"],
            {
                "Товары@odata.type": f"Collection(StandardODATA.{SALES}_Товары_RowType)",
                **sale("7.5"),
            },
            if_match=created["DataVersion"],
        )
        rows = await client.odata.query(
            f"{SALES}_Товары", QueryOptions(filter=F("Ref_Key") == created["Ref_Key"])
        )
        with pytest.raises(OneCServerError) as no_line_number:
            await client.odata.patch(SALES, created["Ref_Key"], {"Товары": [{"Количество": 1}]})
        after = await client.odata.get(SALES, created["Ref_Key"])
    assert [(row["LineNumber"], row["Количество"]) for row in updated["Товары"]] == [
        ("1", Decimal("7.5"))
    ]
    assert [(row["LineNumber"], row["Количество"]) for row in rows] == [("1", Decimal("7.5"))]
    assert no_line_number.value.code == "-1"
    assert after["Товары"] == updated["Товары"]  # nothing written


async def records_of(client: OneCClient, recorder_key: str) -> list[dict[str, object]]:
    return await client.odata.query(STOCK, QueryOptions(filter=F("Recorder") == recorder_key))


async def test_post_and_unpost_toggle_posted_and_the_register_records() -> None:
    client, recorder = in_process_client(demo_app(demo_base()))
    async with client:
        created = await client.odata.create(SALES, sale("2", "5"))
        await client.odata.post_document(SALES, created["Ref_Key"])
        post = recorder.last
        posted = await client.odata.get(SALES, created["Ref_Key"])
        records = await records_of(client, created["Ref_Key"])
        await client.odata.unpost_document(SALES, created["Ref_Key"])
        unposted = await client.odata.get(SALES, created["Ref_Key"])
        records_after = await records_of(client, created["Ref_Key"])
    assert post.response.status_code == 200
    assert post.request.url.params["PostingModeOperational"] == "false"
    assert posted["Posted"] is True
    assert sorted((r["RecordType"], r["Количество"]) for r in records) == [
        ("Expense", 2),
        ("Expense", 5),
    ]
    assert {r["Recorder_Type"] for r in records} == {f"StandardODATA.{SALES}"}
    assert unposted["Posted"] is False
    assert records_after == []


async def test_a_posting_handlers_refusal_is_a_business_error_sent_once() -> None:
    app = demo_app(demo_base(), posting_failures={SALES: POSTING_FAILURE})
    client, recorder = in_process_client(app, resilience={"breaker_threshold": 1})
    async with client:
        created = await client.odata.create(SALES, sale("2"))
        with pytest.raises(OneCBusinessError) as refused:
            await client.odata.post_document(SALES, created["Ref_Key"])
        posts = recorder.requests("POST", "/Post")
        breaker = client.breaker.state
        still = await client.odata.get(SALES, created["Ref_Key"])  # the base is not cut off
    error = refused.value
    assert isinstance(error, OneCServerError)
    assert (error.status, error.code, error.message) == (500, "-1", POSTING_FAILURE)
    assert "posting" in error.hint
    assert len(posts) == 1  # the same refusal would come again: not retried
    assert breaker == "closed"  # a healthy 1C saying no does not open the breaker
    assert still["Posted"] is False


async def test_data_load_mode_header_is_sent_on_create_and_patch() -> None:
    client, recorder = in_process_client(demo_app(demo_base()))
    async with client:
        created = await client.odata.create(ITEMS, {"Description": "обмен"}, load_mode=True)
        create_headers = recorder.last.request.headers
        patched = await client.odata.patch(
            ITEMS, created["Ref_Key"], {"Description": "обмен 2"}, load_mode=True
        )
        patch_headers = recorder.last.request.headers
        await client.odata.patch(ITEMS, created["Ref_Key"], {"Description": "обычно"})
        plain_headers = recorder.last.request.headers
    assert create_headers["1C_OData-DataLoadMode"] == "true"
    assert patch_headers["1C_OData-DataLoadMode"] == "true"
    assert "1C_OData-DataLoadMode" not in plain_headers
    assert patched["Description"] == "обмен 2"


async def test_writes_and_posting_over_a_real_socket() -> None:
    with served(demo_app(demo_base())) as url:
        async with OneCClient(socket_settings(url)) as client:
            item = await client.odata.create(ITEMS, {"Description": "Сокет"})
            item = await client.odata.patch(
                ITEMS, item["Ref_Key"], {"Description": "Сокет 2"}, if_match=item["DataVersion"]
            )
            with pytest.raises(OneCPreconditionFailed):
                await client.odata.delete(ITEMS, item["Ref_Key"], if_match="AAAAAAAAAAA=")
            await client.odata.delete(ITEMS, item["Ref_Key"], if_match=item["DataVersion"])
            document = await client.odata.create(SALES, sale("1"))
            await client.odata.post_document(SALES, document["Ref_Key"])
            posted = await client.odata.get(SALES, document["Ref_Key"])
            with pytest.raises(OneCNotFound):
                await client.odata.get(ITEMS, item["Ref_Key"])
    assert item["Description"] == "Сокет 2"
    assert posted["Posted"] is True
