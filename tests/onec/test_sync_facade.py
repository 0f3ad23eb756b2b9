"""The blocking facade drives the same async core from plain code."""

from __future__ import annotations

import httpx2

from onec_bridge.onec import OneCClientSync
from tests.onec.fake_onec import fast_settings, json_response, make_items, page_of, query_of


def test_sync_client_pages_counts_and_calls_services() -> None:
    rows = make_items(25)

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/$count"):
            return httpx2.Response(200, text=str(len(rows)))
        if "/hs/" in request.url.path:
            return json_response({"cid": request.headers["X-Correlation-ID"]})
        return json_response({"value": page_of(rows, query_of(request))})

    with OneCClientSync(
        fast_settings(), correlation_id="nb-1", transport=httpx2.MockTransport(handler)
    ) as onec:
        pages = list(onec.odata.iter_pages("Catalog_Items", page_size=10))
        count = onec.odata.count("Catalog_Items")
        answer = onec.hs("svc").get("x").json()
    assert [len(page) for page in pages] == [10, 10, 5]
    assert count == 25
    assert answer == {"cid": "nb-1"}


def test_breaking_out_of_a_page_loop_closes_cleanly() -> None:
    rows = make_items(100)

    def handler(request: httpx2.Request) -> httpx2.Response:
        return json_response({"value": page_of(rows, query_of(request))})

    with OneCClientSync(fast_settings(), transport=httpx2.MockTransport(handler)) as onec:
        for page in onec.odata.iter_pages("Catalog_Items", page_size=10, max_in_flight=3):
            assert len(page) == 10
            break
        assert len(onec.odata.get_many("Catalog_Items", [rows[0]["Ref_Key"]])) == 1
