"""Test helpers for the client I/O layer: a tiny fake 1C entity set and a uvicorn runner.

The fake understands exactly the query shapes the client sends for paging
(``Code gt/ge/le '…'``, ``$top``, ``$skip``, ``Ref_Key eq guid'…' or …``); the real
dialect is tested against the emulator.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx2
import orjson
import uvicorn

from onec_bridge.onec.settings import OneCSettings, ResilienceSettings

BASE = "http://1c.test/demo"
SET_PATH = "/demo/odata/standard.odata/Catalog_Items"
_CONDITION = re.compile(r"(Code|Date) (gt|ge|le|lt) (?:'((?:[^']|'')*)'|datetime'([^']*)')")
_GUID = re.compile(r"guid'([0-9a-f-]{36})'")


def fast_settings(**overrides: Any) -> OneCSettings:
    """Settings whose retries do not sleep for real (backoff 0), for tests."""
    resilience = {
        "retry_attempts": 3,
        "retry_min_backoff": 0.0,
        "retry_max_backoff": 0.0,
        "retry_after_floor": 0.0,
        "retry_after_cap": 0.0,
        "breaker_threshold": 100,
        "rate_limit_per_second": 10_000,
        **overrides.pop("resilience", {}),
    }
    return OneCSettings(
        url=overrides.pop("url", BASE),
        user=overrides.pop("user", "Администратор"),
        password=overrides.pop("password", "секрет-pass"),
        resilience=ResilienceSettings(**resilience),
        **overrides,
    )


def make_items(count: int, *, date_repeats: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "Ref_Key": str(uuid.uuid1()),
            "Code": f"{index:08d}",
            "Date": f"2024-01-{1 + (index // date_repeats) % 28:02d}T00:00:00",
            "Description": f"Товар '{index}'",
            "Цена": Decimal("12345678901234567.891") + index,
        }
        for index in range(count)
    ]


def query_of(request: httpx2.Request) -> dict[str, str]:
    raw = request.url.raw_path.decode("ascii").split("?", 1)
    return {
        k: unquote(v) for k, v in parse_qsl(raw[1] if len(raw) > 1 else "", keep_blank_values=True)
    }


def filter_rows(rows: list[dict[str, Any]], text: str | None) -> list[dict[str, Any]]:
    if not text:
        return rows
    keys = set(_GUID.findall(text))
    if keys:
        return [row for row in rows if row["Ref_Key"] in keys]
    out = rows
    for field, op, string, date in _CONDITION.findall(text):
        value = (string or date).replace("''", "'")
        compare: Callable[[str], bool] = {
            "gt": lambda v, x=value: v > x,
            "ge": lambda v, x=value: v >= x,
            "le": lambda v, x=value: v <= x,
            "lt": lambda v, x=value: v < x,
        }[op]
        out = [row for row in out if compare(row[field])]
    return out


def page_of(rows: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    order = [item.split()[0] for item in query.get("$orderby", "Code").split(",")]
    selected = sorted(filter_rows(rows, query.get("$filter")), key=lambda r: [r[f] for f in order])
    skip = int(query.get("$skip", "0"))
    top = query.get("$top")
    selected = selected[skip:] if top is None else selected[skip : skip + int(top)]
    if "$select" in query:
        names = query["$select"].split(",")
        selected = [{name: row[name] for name in names} for row in selected]
    return selected


def json_response(document: Any, status: int = 200, **headers: str) -> httpx2.Response:
    body = orjson.dumps(document, default=_decimal_as_number)
    return httpx2.Response(
        status, content=body, headers={"Content-Type": "application/json;charset=utf-8", **headers}
    )


def _decimal_as_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value).encode())
    raise TypeError


def odata_error(status: int, code: str, message: str, **headers: str) -> httpx2.Response:
    document = {"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}
    return json_response(document, status, **headers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app with uvicorn on a loopback port in a thread; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def gather_pages(pages: Any) -> list[list[dict[str, Any]]]:
    return [page async for page in pages]
