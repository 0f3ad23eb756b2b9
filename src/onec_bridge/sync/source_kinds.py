"""What kind of 1C source an entity reads, derived from its contract ``source:``.

The kind decides how rows are listed, whether the set has a ``DataVersion``
(else a row's version is a digest of its content), and which incremental
strategies apply:

- ``object``: catalogs, documents, exchange plans, charts, business processes,
  tasks (``Ref_Key`` + ``DataVersion``);
- ``tabular``: ``Document_X_Товары`` — child rows keyed (owner, LineNumber),
  read from the owner's inline array (see :mod:`onec_bridge.sync.readers`);
  ``data_version`` by the owners' DataVersion (:mod:`onec_bridge.sync.owner_versions`);
- ``register``: information/accumulation/accounting/calculation register records;
- ``constant``: ``Constant_X``, one row;
- ``virtual``: a virtual table ``Set/SliceLast(...)``, ``Set/Balance(...)``: a snapshot;
- ``http``: ``http_service: GET /root/template`` returning a list;
- ``enum``: an enumeration's values from ``$metadata``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from onec_bridge.contract.model import Source
from onec_bridge.contract.source_syntax import ARGUMENT as _ARGUMENT
from onec_bridge.contract.source_syntax import HTTP_LIST as _HTTP
from onec_bridge.contract.source_syntax import OBJECT_PREFIXES, REGISTER_PREFIXES
from onec_bridge.contract.source_syntax import VIRTUAL as _VIRTUAL

__all__ = ["SourceKind", "SourceSpec", "parse_source"]

#: owner keyset by owner prefix: documents page by Date, the others by Code
OWNER_KEYSETS = {"Document": "Date", "BusinessProcess": "Date", "Task": "Date"}


class SourceKind(StrEnum):
    OBJECT = "object"
    TABULAR = "tabular"
    REGISTER = "register"
    CONSTANT = "constant"
    VIRTUAL = "virtual"
    HTTP = "http"
    ENUM = "enum"


@dataclass(frozen=True)
class SourceSpec:
    kind: SourceKind
    #: the set the rows come from (for ``tabular``: the owner's set)
    entity_set: str = ""
    #: ``tabular``: the section's property on the owner, e.g. ``Товары``
    section: str | None = None
    #: ``virtual``: function name and its parameters (sent in the query string)
    function: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    #: ``http``: service root and template path
    http_root: str | None = None
    http_path: str = ""

    @property
    def has_data_version(self) -> bool:
        return self.kind is SourceKind.OBJECT

    @property
    def owner_keyset(self) -> str:
        return OWNER_KEYSETS.get(self.entity_set.partition("_")[0], "Code")


def parse_source(source: Source, where: str) -> SourceSpec:
    """The kind of ``source``; ``where`` (e.g. ``entities.prices.source``) prefixes errors."""
    if source.http_service is not None:
        return _http(source.http_service, where)
    if source.enum is not None:
        return SourceSpec(SourceKind.ENUM, entity_set=source.enum.removeprefix("Enum_"))
    if source.odata is None:
        raise NotImplementedError(
            f"{where}: only `odata:`, `http_service:` and `enum:` sources are pulled "
            "(CommerceML is read by the exchange endpoint)"
        )
    text = source.odata.strip()
    if "/" in text:
        return _virtual(text, where)
    prefix, _, rest = text.partition("_")
    if prefix == "Constant":
        return SourceSpec(SourceKind.CONSTANT, entity_set=text)
    if prefix in REGISTER_PREFIXES:
        return SourceSpec(SourceKind.REGISTER, entity_set=text.removesuffix("_RecordType"))
    if prefix in OBJECT_PREFIXES:
        owner, _, section = rest.partition("_")
        if section:  # Document_X_Товары: one more suffix is a tabular section
            return SourceSpec(SourceKind.TABULAR, entity_set=f"{prefix}_{owner}", section=section)
        return SourceSpec(SourceKind.OBJECT, entity_set=text)
    raise ValueError(
        f"{where}.odata: {text!r} is not an entity set this engine reads; use a name like "
        "Catalog_X, Document_X, Document_X_Товары, InformationRegister_X, "
        "AccumulationRegister_X, Constant_X or InformationRegister_X/SliceLast()"
    )


def _virtual(text: str, where: str) -> SourceSpec:
    match = _VIRTUAL.match(text)
    if match is None or not match.group("set").startswith(REGISTER_PREFIXES):
        raise ValueError(
            f"{where}.odata: {text!r} is not a virtual table; write it as "
            "InformationRegister_X/SliceLast() or "
            "AccumulationRegister_X/Balance(Period=datetime'2024-01-01T00:00:00')"
        )
    params: dict[str, Any] = {}
    args = (match.group("args") or "").strip()
    position = 0
    while position < len(args):
        argument = _ARGUMENT.match(args, position)
        if argument is None or argument.end() == position:
            raise ValueError(
                f"{where}.odata: cannot read the parameters {args!r} of {text!r}; "
                "write Name=value pairs separated by commas, e.g. Period=datetime'…'"
            )
        params[argument.group("name")] = _param_value(argument.group("value").strip())
        position = argument.end()
    return SourceSpec(
        SourceKind.VIRTUAL,
        entity_set=match.group("set"),
        function=match.group("function"),
        params=params,
    )


def _param_value(text: str) -> Any:
    """``datetime'…'`` -> datetime, ``'…'`` -> its text, true/false, integers; else as is."""
    if text.startswith("datetime'") and text.endswith("'"):
        return datetime.fromisoformat(text[len("datetime'") : -1])
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    return int(text) if text.lstrip("-").isdigit() else text


def _http(text: str, where: str) -> SourceSpec:
    match = _HTTP.match(text.strip())
    if match is None:
        raise ValueError(
            f"{where}.http_service: {text!r} is not a list endpoint; write "
            "`GET /<root>/<template>`, e.g. `GET /loyalty/products`"
        )
    return SourceSpec(
        SourceKind.HTTP, http_root=match.group("root"), http_path=match.group("path").strip("/")
    )
