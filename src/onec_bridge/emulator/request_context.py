"""Everything an OData handler needs to know about one request."""

from __future__ import annotations

from dataclasses import dataclass

from onec_bridge.emulator.base import EmulatorBase
from onec_bridge.emulator.negotiation import ResponseFormat
from onec_bridge.emulator.query_options import QueryOptions
from onec_bridge.emulator.settings import EmulatorSettings

__all__ = ["RequestContext"]


@dataclass(frozen=True, slots=True)
class RequestContext:
    """``root_url`` is the absolute OData root: ``http://host:port/demo/odata/standard.odata``."""

    base: EmulatorBase
    settings: EmulatorSettings
    root_url: str
    method: str
    fmt: ResponseFormat
    options: QueryOptions
    headers: dict[str, str]
    body: bytes
