"""1C HTTP services (``{url}/hs/{root}/{template}``) with the client's resilience and errors.

>>> loyalty = client.hs("loyalty")                                  # doctest: +SKIP
>>> products = (await loyalty.get("products", params={"limit": 10})).json()
>>> await loyalty.post("transactions", json={"card": "A-1", "amount": Decimal("9.90")})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

import httpx2

from onec_bridge.onec.settings import OneCSettings
from onec_bridge.onec.transport import OneCRequest, RequestRunner, decode_json, encode_json

__all__ = ["HSResponse", "HttpService"]

ParamValue = str | int | Decimal | bool


@dataclass(frozen=True, slots=True)
class HSResponse:
    """A successful answer of an HTTP service."""

    status: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return decode_json(self.content)


def _to_hs_response(response: httpx2.Response) -> HSResponse:
    return HSResponse(response.status_code, dict(response.headers), response.content)


class HttpService:
    """One published HTTP service: ``get``/``post``/``put``/``delete`` on its templates."""

    def __init__(self, runner: RequestRunner, settings: OneCSettings, root: str) -> None:
        if not root.strip("/"):
            raise ValueError(
                "HTTP service root must not be empty; pass its RootURL, e.g. 'loyalty'"
            )
        self._runner = runner
        self.url = f"{settings.hs_root}/{quote(root.strip('/'))}"

    def __repr__(self) -> str:
        return f"HttpService(url={self.url!r})"

    async def get(
        self,
        path: str = "",
        *,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HSResponse:
        return await self.request("GET", path, params=params, headers=headers)

    async def delete(
        self,
        path: str = "",
        *,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HSResponse:
        return await self.request("DELETE", path, params=params, headers=headers)

    async def post(
        self,
        path: str = "",
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
    ) -> HSResponse:
        """POST is not retried after it may have reached 1C unless ``idempotent=True``
        (e.g. the service de-duplicates by an idempotency key)."""
        return await self.request(
            "POST",
            path,
            json=json,
            content=content,
            params=params,
            headers=headers,
            idempotent=idempotent,
        )

    async def put(
        self,
        path: str = "",
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HSResponse:
        return await self.request(
            "PUT", path, json=json, content=content, params=params, headers=headers
        )

    async def request(
        self,
        method: str,
        path: str = "",
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> HSResponse:
        """Any method on ``{root}/{path}``; a non-2xx answer raises the mapped ``OneCError``."""
        if json is not None and content is not None:
            raise ValueError("pass either json= or content=, not both")
        all_headers = dict(headers or {})
        if json is not None:
            content = encode_json(json)
            all_headers.setdefault("Content-Type", "application/json; charset=utf-8")
        request = OneCRequest(
            method.upper(), self._url_for(path, params), all_headers, content, idempotent
        )
        return await self._runner.execute(request, _to_hs_response)

    def _url_for(self, path: str, params: Mapping[str, ParamValue] | None) -> str:
        url = f"{self.url}/{quote(path.lstrip('/'), safe='/')}" if path else self.url
        if params:
            url += "?" + urlencode({k: _param_text(v) for k, v in params.items()}, quote_via=quote)
        return url


def _param_text(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
