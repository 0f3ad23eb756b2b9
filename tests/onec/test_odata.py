"""OData facade: paging orders and shapes, get_many chunks, count, writes, decoding."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx2
import pytest

from onec_bridge.onec import F, OneCClient, OneCProtocolError, QueryOptions
from tests.onec.fake_onec import (
    SET_PATH,
    fast_settings,
    filter_rows,
    gather_pages,
    json_response,
    make_items,
    page_of,
    query_of,
)
from tests.samples import METADATA_SAMPLE


class FakeSet:
    """An entity set served by MockTransport; records every query it answers."""

    def __init__(self, rows: list[dict[str, Any]], delay: float = 0.0) -> None:
        self.rows = rows
        self.delay = delay
        self.queries: list[dict[str, str]] = []
        self.in_flight = 0
        self.peak = 0

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == SET_PATH
        query = query_of(request)
        self.queries.append(query)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return json_response({"odata.metadata": "x", "value": page_of(self.rows, query)})
        finally:
            self.in_flight -= 1


def client_for(fake: Any, **settings: Any) -> OneCClient:
    return OneCClient(fast_settings(**settings), transport=httpx2.MockTransport(fake))


def codes(pages: list[list[dict[str, Any]]]) -> list[str]:
    return [row["Code"] for page in pages for row in page]


async def test_keyset_pages_stream_every_row_once_in_code_order() -> None:
    fake = FakeSet(make_items(2_345))
    async with client_for(fake) as client:
        pages = await gather_pages(
            client.odata.iter_pages("Catalog_Items", select=["Ref_Key"], page_size=1000)
        )
    assert [len(page) for page in pages] == [1000, 1000, 345]
    assert codes(pages) == sorted(row["Code"] for row in fake.rows)
    assert fake.queries[1]["$filter"] == "Code gt '00000999'"
    assert fake.queries[1]["$orderby"] == "Code"
    assert fake.queries[1]["$select"] == "Ref_Key,Code"  # the keyset column is always fetched
    assert all("Ref_Key" not in q.get("$filter", "") for q in fake.queries)


async def test_keyset_with_user_filter_keeps_both_conditions() -> None:
    fake = FakeSet(make_items(50))
    async with client_for(fake) as client:
        pages = await gather_pages(
            client.odata.iter_pages("Catalog_Items", filter=F("Code") > "00000009", page_size=20)
        )
    assert codes(pages) == [f"{i:08d}" for i in range(10, 50)]
    assert fake.queries[1]["$filter"] == "Code gt '00000009' and Code gt '00000029'"


async def test_repeating_keyset_column_loses_and_repeats_nothing_across_ties() -> None:
    rows = make_items(100, date_repeats=7)  # 7 rows per Date: ties straddle every page
    fake = FakeSet(rows)
    async with client_for(fake) as client:
        pages = await gather_pages(
            client.odata.iter_pages(
                "Catalog_Items", keyset="Date", order_by=("Date", "Code"), page_size=5
            )
        )
    assert codes(pages) == [
        row["Code"] for row in sorted(rows, key=lambda r: (r["Date"], r["Code"]))
    ]
    assert fake.queries[1]["$filter"].startswith("Date ge datetime'")
    assert fake.queries[1]["$orderby"] == "Date,Code"


async def test_skip_paging_without_keyset() -> None:
    fake = FakeSet(make_items(25))
    async with client_for(fake) as client:
        pages = await gather_pages(
            client.odata.iter_pages("Catalog_Items", keyset=None, page_size=10)
        )
    assert codes(pages) == [f"{i:08d}" for i in range(25)]
    assert [q.get("$skip") for q in fake.queries] == ["0", "10", "20"]


@pytest.mark.parametrize("keyset", ["Code", None])
async def test_pages_in_flight_arrive_in_order_and_complete(keyset: str | None) -> None:
    fake = FakeSet(make_items(1_037), delay=0.002)
    async with client_for(fake, resilience={"max_concurrency": 4}) as client:
        pages = await gather_pages(
            client.odata.iter_pages("Catalog_Items", keyset=keyset, page_size=50, max_in_flight=8)
        )
        assert client.limits.peak_in_flight <= 4  # capped at resilience.max_concurrency
    assert codes(pages) == [f"{i:08d}" for i in range(1_037)]
    assert fake.peak > 1  # several requests really were in flight at once
    assert fake.peak <= 4


async def test_range_paging_sees_rows_added_past_the_end_during_the_read() -> None:
    fake = FakeSet(make_items(120))
    async with client_for(fake) as client:
        pages = client.odata.iter_pages("Catalog_Items", page_size=10, max_in_flight=3)
        first = await anext(pages)
        fake.rows.append({**make_items(1)[0], "Code": "99999999"})
        rest = await gather_pages(pages)
    assert codes([first, *rest])[-1] == "99999999"
    assert len(codes([first, *rest])) == 121


async def test_numbers_are_decimal_and_exact() -> None:
    fake = FakeSet(make_items(3))
    async with client_for(fake) as client:
        (page,) = await gather_pages(client.odata.iter_pages("Catalog_Items"))
    assert page[0]["Цена"] == Decimal("12345678901234567.891")
    assert isinstance(page[0]["Цена"], Decimal)


async def test_get_many_splits_or_chains_under_the_url_limit() -> None:
    rows = make_items(200)
    fake = FakeSet(rows)
    wanted = [row["Ref_Key"] for row in rows[::3]]
    urls: list[int] = []

    async def handler(request: httpx2.Request) -> httpx2.Response:
        urls.append(len(str(request.url.raw_path)) + len("http://1c.test"))
        return await fake(request)

    async with client_for(handler, url_max_length=1024) as client:
        found = await client.odata.get_many("Catalog_Items", wanted, select=["Ref_Key", "Code"])
    assert sorted(row["Ref_Key"] for row in found) == sorted(wanted)
    assert len(urls) > 1
    assert max(urls) <= 1024


async def test_count_get_and_writes_use_the_1c_shapes() -> None:
    seen: list[httpx2.Request] = []
    key = "8ce32335-8726-11e3-8054-0015e9b8c48d"

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        path = request.url.path
        if path.endswith("/$count"):
            return httpx2.Response(200, content=b"42", headers={"Content-Type": "text/plain"})
        if path.endswith("/Post") or request.method == "DELETE":
            return httpx2.Response(200)
        if request.method == "POST":
            return json_response({"odata.metadata": "m", "Ref_Key": key, "Цена": 1.5}, 201)
        return json_response({"odata.metadata": "m", "Ref_Key": key, "DataVersion": "AAA="})

    async with client_for(handler) as client:
        assert await client.odata.count("Catalog_Items", filter=F("Code") > "1") == 42
        entity = await client.odata.get("Catalog_Items", key)
        created = await client.odata.create("Catalog_Items", {"Цена": Decimal("1.5")})
        await client.odata.patch("Catalog_Items", key, {"Description": "x"}, if_match="AAA=")
        await client.odata.post_document("Document_X", key, operational=False)
        await client.odata.delete("Catalog_Items", key)
    assert entity == {"Ref_Key": key, "DataVersion": "AAA="}
    assert created["Цена"] == Decimal("1.5")
    assert query_of(seen[0]) == {"$filter": "Code gt '1'"}
    assert seen[1].url.raw_path.decode().endswith(f"Catalog_Items(guid'{key}')?$format=json")
    assert seen[2].content == '{"Цена":1.5}'.encode()
    assert seen[3].method == "PATCH"
    assert seen[3].headers["If-Match"] == "AAA="
    assert query_of(seen[4])["PostingModeOperational"] == "false"
    assert seen[5].method == "DELETE"


async def test_html_page_with_200_is_a_protocol_error_not_data() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=b"<html><body>Login</body></html>")

    async with client_for(handler) as client:
        with pytest.raises(OneCProtocolError, match="HTML"):
            await gather_pages(client.odata.iter_pages("Catalog_Items"))


async def test_truncated_json_of_a_read_is_fetched_again() -> None:
    fake = FakeSet(make_items(3))
    answers = 0

    async def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal answers
        answers += 1
        response = await fake(request)
        if answers == 1:
            return httpx2.Response(200, content=response.content[:40])
        return response

    async with client_for(handler) as client:
        pages = await gather_pages(client.odata.iter_pages("Catalog_Items"))
    assert codes(pages) == ["00000000", "00000001", "00000002"]
    assert answers == 2


async def test_truncated_json_names_the_defect_when_retries_run_out() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=b'{"value": [{"Code": "0001", "Descr')

    async with client_for(handler, resilience={"retry_attempts": 2}) as client:
        with pytest.raises(OneCProtocolError, match="truncated"):
            await client.odata.query("Catalog_Items", QueryOptions())


def test_filter_rows_helper_understands_the_shapes_the_client_sends() -> None:
    rows = make_items(5)
    assert [r["Code"] for r in filter_rows(rows, "Code gt '00000001' and Code le '00000003'")] == [
        "00000002",
        "00000003",
    ]


def generated_set(total: int) -> Callable[[httpx2.Request], httpx2.Response]:
    """A set of ``total`` rows made on demand, so the server side holds no rows at all."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        query = query_of(request)
        after = query.get("$filter", "Code gt '-1'").split("'")[1]
        start = int(after) + 1
        stop = min(total, start + int(query["$top"]))
        rows = [{"Code": f"{i:08d}", "Description": "x" * 200} for i in range(start, stop)]
        return json_response({"value": rows})

    return handler


async def test_memory_stays_flat_whatever_the_number_of_pages() -> None:
    async def peak_for(total: int) -> int:
        async with client_for(generated_set(total)) as client:
            tracemalloc.start()
            async for page in client.odata.iter_pages("Catalog_Items", page_size=100):
                del page
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        return peak

    await peak_for(2_000)  # warm bounded caches (urllib, prometheus label sets) first
    small, large = await peak_for(2_000), await peak_for(20_000)
    # The 180 extra pages hold ~8 MB of rows; keeping even an eighth of them would fail this.
    assert large - small < 1_000_000


@pytest.fixture
def metadata_sample() -> bytes:
    sample = METADATA_SAMPLE
    if not sample.exists():
        pytest.skip("the shared 1C samples are not on this machine")
    return sample.read_bytes()


async def test_metadata_is_fetched_once_and_parsed_from_the_real_sample(
    metadata_sample: bytes,
) -> None:
    calls = 0

    def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal calls
        calls += 1
        assert request.url.path.endswith("/$metadata")
        return httpx2.Response(
            200, content=metadata_sample, headers={"Content-Type": "application/xml"}
        )

    async with client_for(handler) as client:
        first = await client.odata.metadata()
        again = await client.odata.metadata()
    assert first is again
    assert calls == 1
    assert first.entity_sets
