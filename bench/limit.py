"""Baseline (c), the limit: the time the emulator alone needs to serve every page to a
client that discards the bodies; and the emulator's requests/s for one 1,000-row page.

The limit client sends the requests onec-bridge sends for a full read (a ``Code`` key
scan, then ``Code gt a and Code le b`` ranges of 1,000 rows, 4 in flight) over
keep-alive connections and never parses a body.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import requests

from bench.auth import auth_header
from bench.naive import SET

__all__ = ["FULL_SELECT", "emulator_alone", "page_urls", "range_url", "requests_per_second"]

FULL_SELECT = (
    "Code,DataVersion,DeletionMark,Description,IsFolder,Parent_Key,Вес,ВидНоменклатуры,"
    "ДатаСоздания,ЕдиницаИзмерения_Key,СрокГодности,ЦенаПродажи,ШтрихКод,Артикул,Ref_Key"
)
_local = threading.local()


def _session() -> requests.Session:
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers.update(auth_header())
        _local.session = session
    return session


def _get(url: str) -> int:
    total = 0
    with _session().get(url, stream=True, timeout=120) as response:
        response.raise_for_status()
        for chunk in response.iter_content(1 << 16):
            total += len(chunk)
    return total


def range_url(odata_url: str, low: str | None, high: str | None) -> str:
    parts = []
    if low is not None:
        parts.append(f"Code gt '{low}'")
    if high is not None:
        parts.append(f"Code le '{high}'")
    query = f"$format=json&$orderby=Code&$select={quote(FULL_SELECT)}"
    if parts:
        query += "&$filter=" + quote(" and ".join(parts))
    return f"{odata_url}/{SET}?{query}"


def page_urls(odata_url: str, session: requests.Session, page: int = 1000) -> list[str]:
    """The URLs onec-bridge reads the item set by: a ``Code`` scan cut every ``page`` rows
    into ranges, the last one open-ended."""
    scan = session.get(
        f"{odata_url}/{SET}?$format=json&$orderby=Code&$select=Code", timeout=120
    ).json()["value"]
    codes = [row["Code"] for row in scan]
    bounds: list[str | None] = [codes[index] for index in range(page - 1, len(codes), page)]
    if not bounds or bounds[-1] != codes[-1]:
        bounds.append(None)
    urls, low = [], None
    for high in bounds:
        urls.append(range_url(odata_url, low, high))
        low = high
    return urls


def emulator_alone(odata_url: str, page: int = 1000, in_flight: int = 4) -> tuple[float, int]:
    """Seconds to be served every page of the item set, and the number of pages."""
    started = time.perf_counter()
    urls = page_urls(odata_url, _session(), page)
    with ThreadPoolExecutor(in_flight) as pool:
        list(pool.map(_get, urls))
    return time.perf_counter() - started, len(urls) + 1


def requests_per_second(odata_url: str, seconds: float = 3.0, clients: int = 1) -> float:
    """Requests/s the emulator serves for the first 1,000-row page (full rows, JSON)."""
    url = f"{odata_url}/{SET}?$format=json&$orderby=Code&$top=1000&$select={quote(FULL_SELECT)}"
    deadline = time.perf_counter() + seconds
    counts = [0] * clients

    def worker(index: int) -> None:
        while time.perf_counter() < deadline:
            _get(url)
            counts[index] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    return sum(counts) / (time.perf_counter() - started)
