"""Issue 4: a full read by ``OneCClient.iter_pages`` (keyset, requests in flight) against a
plain ``requests`` loop doing the same work (keyset pages of 1,000, JSON decoded)."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote

import requests

from bench.auth import PASSWORD, USER, auth_header
from bench.limit import FULL_SELECT
from bench.naive import SET
from onec_bridge.onec.client import OneCClient
from onec_bridge.onec.settings import OneCSettings

__all__ = ["client_read", "requests_read"]


def client_read(url: str, in_flight: int = 4, page: int = 1000) -> tuple[float, int, int]:
    """Seconds, pages and rows of a full read of the item set by ``OneCClient``."""
    settings = OneCSettings.model_validate(
        {
            "url": url,
            "user": USER,
            "password": PASSWORD,
            "page_size": page,
            "resilience": {"rate_limit_per_second": 10_000, "max_concurrency": in_flight},
        }
    )

    async def read() -> tuple[int, int]:
        pages = rows = 0
        async with OneCClient(settings) as client:
            async for chunk in client.odata.iter_pages(
                SET, select=FULL_SELECT.split(","), keyset="Code", max_in_flight=in_flight
            ):
                pages += 1
                rows += len(chunk)
        return pages, rows

    started = time.perf_counter()
    pages, rows = asyncio.run(read())
    return time.perf_counter() - started, pages, rows


def requests_read(odata_url: str, page: int = 1000) -> tuple[float, int, int]:
    """The same read as a plain loop: one ``requests.Session``, keyset pages one by one."""
    session = requests.Session()
    session.headers.update(auth_header())
    started = time.perf_counter()
    last = None
    pages = rows = 0
    while True:
        query = f"$format=json&$orderby=Code&$top={page}&$select={quote(FULL_SELECT)}"
        if last is not None:
            query += "&$filter=" + quote(f"Code gt '{last}'")
        response = session.get(f"{odata_url}/{SET}?{query}", timeout=120)
        response.raise_for_status()
        value = response.json()["value"]
        pages += 1
        rows += len(value)
        if len(value) < page:
            break
        last = value[-1]["Code"]
    return time.perf_counter() - started, pages, rows
