"""JSON bodies as 1C writes them: ``odata.metadata``, ``value``, ``odata.count`` as a string."""

from __future__ import annotations

from typing import Any

import orjson

from onec_bridge.emulator.negotiation import ResponseFormat

__all__ = [
    "JSON_CONTENT_TYPE",
    "json_collection",
    "json_entity",
    "json_error",
    "json_service_document",
]

JSON_CONTENT_TYPE = "application/json;charset=utf-8"


def _head(fmt: ResponseFormat, metadata_url: str) -> dict[str, Any]:
    if fmt is ResponseFormat.JSON_NOMETADATA:
        return {}
    return {"odata.metadata": metadata_url}


def json_collection(
    fmt: ResponseFormat,
    root_url: str,
    set_name: str,
    rows: list[dict[str, Any]],
    total: int | None,
) -> bytes:
    body = _head(fmt, f"{root_url}/$metadata#{set_name}")
    if total is not None:
        body["odata.count"] = str(total)
    body["value"] = rows
    return orjson.dumps(body)


def json_entity(fmt: ResponseFormat, root_url: str, set_name: str, row: dict[str, Any]) -> bytes:
    body = _head(fmt, f"{root_url}/$metadata#{set_name}/@Element")
    body.update(row)
    return orjson.dumps(body)


def json_service_document(fmt: ResponseFormat, root_url: str, set_names: list[str]) -> bytes:
    body = _head(fmt, root_url)
    body["value"] = [{"name": name, "url": name} for name in set_names]
    return orjson.dumps(body)


def json_error(code: str, message: str) -> bytes:
    return orjson.dumps(
        {"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}
    )
