"""Talking to 1C: transport, resilience, OData v3 dialect, HTTP services.

>>> from onec_bridge.onec import OneCClient, OneCSettings
>>> settings = OneCSettings(url="http://localhost:8080/demo", user="Администратор", password="demo")
>>> async with OneCClient(settings) as client:                      # doctest: +SKIP
...     print(await client.odata.count("Catalog_Номенклатура"))
"""

from onec_bridge.onec.client import OneCClient
from onec_bridge.onec.errors import (
    OneCAuthError,
    OneCBusinessError,
    OneCCircuitOpen,
    OneCConflict,
    OneCError,
    OneCNotFound,
    OneCNotSupported,
    OneCPreconditionFailed,
    OneCProtocolError,
    OneCServerError,
    OneCTimeout,
    OneCUnavailable,
    OneCValidationError,
)
from onec_bridge.onec.filters import F, FilterExpr
from onec_bridge.onec.hs import HSResponse, HttpService
from onec_bridge.onec.literals import Guid
from onec_bridge.onec.odata import OData, RawFilter
from onec_bridge.onec.query import QueryOptions
from onec_bridge.onec.settings import OneCSettings, ResilienceSettings
from onec_bridge.onec.sync_facade import OneCClientSync
from onec_bridge.onec.transport import OneCRequest

__all__ = [
    "F",
    "FilterExpr",
    "Guid",
    "HSResponse",
    "HttpService",
    "OData",
    "OneCAuthError",
    "OneCBusinessError",
    "OneCCircuitOpen",
    "OneCClient",
    "OneCClientSync",
    "OneCConflict",
    "OneCError",
    "OneCNotFound",
    "OneCNotSupported",
    "OneCPreconditionFailed",
    "OneCProtocolError",
    "OneCRequest",
    "OneCServerError",
    "OneCSettings",
    "OneCTimeout",
    "OneCUnavailable",
    "OneCValidationError",
    "QueryOptions",
    "RawFilter",
    "ResilienceSettings",
]
