"""The standard OData interface: route a request to its handler and turn errors into 1C bodies."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from onec_bridge.emulator.base import EmulatorBase
from onec_bridge.emulator.document_actions import ACTIONS, handle_document_action
from onec_bridge.emulator.error_bodies import error_body
from onec_bridge.emulator.errors import ODataError, internal_error, unknown_entity_set
from onec_bridge.emulator.exchange_plan import EXCHANGE_ACTIONS, exchange_action
from onec_bridge.emulator.metadata_xml import METADATA_CONTENT_TYPE, metadata_document
from onec_bridge.emulator.model import EntitySet
from onec_bridge.emulator.negotiation import ResponseFormat, choose_format
from onec_bridge.emulator.query_options import parse_query_options, parse_query_string
from onec_bridge.emulator.read_handlers import (
    get_collection,
    get_count,
    get_entity,
    get_service_document,
)
from onec_bridge.emulator.replies import Reply
from onec_bridge.emulator.request_context import RequestContext
from onec_bridge.emulator.resource_path import Segment, bad_url, parse_key, split_path
from onec_bridge.emulator.settings import EmulatorSettings
from onec_bridge.emulator.tabular_rows import find_tabular_set, handle_tabular_set
from onec_bridge.emulator.virtual_tables import get_virtual_table, is_virtual_table_call
from onec_bridge.emulator.write_handlers import create_entity, delete_entity, update_entity

__all__ = ["ODataService"]

_log = logging.getLogger(__name__)
_METHOD_NOT_ALLOWED = "Метод HTTP {method} не допускается для этого ресурса."


class ODataService:
    """Serves ``/{base}/odata/standard.odata/…`` from an :class:`EmulatorBase`."""

    def __init__(self, base: EmulatorBase, settings: EmulatorSettings) -> None:
        self.base = base
        self.settings = settings
        self._metadata_cache: bytes | None = None

    async def handle(self, request: Request) -> Response:
        fmt = ResponseFormat.ATOM
        try:
            params = parse_query_string(request.scope.get("query_string", b""))
            fmt = choose_format(params.get("$format"), request.headers.get("accept"))
            ctx = RequestContext(
                base=self.base,
                settings=self.settings,
                root_url=_root_url(request),
                method=request.method,
                fmt=fmt,
                options=parse_query_options(params),
                headers=dict(request.headers),
                body=await request.body(),
            )
            reply = await self.dispatch(ctx, split_path(request.path_params.get("rest", "")))
        except ODataError as error:
            reply = _error_reply(fmt, error)
        except UnicodeDecodeError:
            reply = _error_reply(fmt, bad_url("адрес не в кодировке UTF-8"))
        except Exception:  # a bug in the emulator still answers as 1C does: 500 and code -1
            _log.exception("emulator failed on %s %s", request.method, request.url.path)
            reply = _error_reply(fmt, internal_error())
        return _to_response(reply)

    async def dispatch(self, ctx: RequestContext, segments: list[Segment]) -> Reply:
        if not segments:
            _require_method(ctx, "GET")
            return get_service_document(ctx)
        head, *rest = segments
        if head.name == "$metadata" and not rest:
            _require_method(ctx, "GET")
            return Reply(200, self._metadata(), METADATA_CONTENT_TYPE)
        if head.name in EXCHANGE_ACTIONS and head.args is None and not rest:
            _require_method(ctx, "POST")
            return exchange_action(ctx, head.name)
        if head.args is None and len(rest) == 1 and is_virtual_table_call(rest[0].name):
            _require_method(ctx, "GET")
            return await get_virtual_table(ctx, head.name, rest[0].name, rest[0].args)
        entity_set = self.base.entity_set(head.name)
        if entity_set is None:
            rows_set = find_tabular_set(self.base.configuration, head.name)
            if rows_set is not None:
                return handle_tabular_set(ctx, rows_set, head, rest)
            raise unknown_entity_set(head.name)
        if head.args is None and not rest:
            return await self._collection(ctx, entity_set)
        if head.args is None and [s.name for s in rest] == ["$count"]:
            _require_method(ctx, "GET")
            return get_count(ctx, entity_set)
        if head.args is not None and not rest:
            return self._entity(ctx, entity_set, parse_key(entity_set, head.args))
        if head.args is not None and len(rest) == 1 and rest[0].name in ACTIONS:
            key = parse_key(entity_set, head.args)
            return handle_document_action(ctx, entity_set, key, rest[0].name)
        raise bad_url(f"ресурс '{'/'.join(s.name for s in segments)}' не поддерживается")

    def _metadata(self) -> bytes:
        if self._metadata_cache is None:
            padding = self.settings.large_metadata_bytes
            self._metadata_cache = metadata_document(self.base.configuration, padding)
        return self._metadata_cache

    async def _collection(self, ctx: RequestContext, entity_set: EntitySet) -> Reply:
        _require_method(ctx, "GET", "POST")
        if ctx.method == "POST":
            return create_entity(ctx, entity_set)
        return await get_collection(ctx, entity_set)

    def _entity(self, ctx: RequestContext, entity_set: EntitySet, key: dict[str, Any]) -> Reply:
        _require_method(ctx, "GET", "PATCH", "MERGE", "PUT", "DELETE")
        if ctx.method == "GET":
            return get_entity(ctx, entity_set, key)
        if ctx.method == "DELETE":
            return delete_entity(ctx, entity_set, key)
        return update_entity(ctx, entity_set, key, replace=ctx.method == "PUT")


def _require_method(ctx: RequestContext, *allowed: str) -> None:
    if ctx.method not in allowed:
        raise ODataError(405, "19", _METHOD_NOT_ALLOWED.format(method=ctx.method))


def _root_url(request: Request) -> str:
    path = request.url.path
    marker = "/odata/standard.odata"
    root_path = path[: path.index(marker) + len(marker)] if marker in path else path
    return f"{request.url.scheme}://{request.url.netloc}{root_path}"


def _error_reply(fmt: ResponseFormat, error: ODataError) -> Reply:
    content_type, body = error_body(fmt, error.code, error.message)
    return Reply(error.status, body, content_type)


def _to_response(reply: Reply) -> Response:
    headers = {"DataServiceVersion": "3.0", **reply.headers}
    if reply.content_type is not None:
        headers["Content-Type"] = reply.content_type
    return Response(content=reply.body, status_code=reply.status, headers=headers)
