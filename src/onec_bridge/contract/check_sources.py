"""``contract check`` for the source kinds that are not a plain entity set.

- ``http_service``: the ``GET /root/template`` form the engine pulls, and its paging keys
  (checked without ``$metadata``: an HTTP service has none);
- ``paging``/``items`` given to a source that is not an HTTP service (ignored otherwise);
- ``enum``: the enumeration exists in ``$metadata``; its rows have ``Name`` and ``Order``;
- ``exchange_plan: {plan, node}``: the plan's set exists in ``$metadata``.

Object sets, tabular sections and virtual tables are checked in :mod:`.check`.
"""

from __future__ import annotations

import difflib
import re

from onec_bridge.contract.errors import ContractProblem
from onec_bridge.contract.loader import Origin, Origins
from onec_bridge.contract.model import Entity, Source
from onec_bridge.contract.source_syntax import HTTP_ANY_METHOD, HTTP_LIST
from onec_bridge.onec.metadata import Schema

__all__ = [
    "ENUM_COLUMNS",
    "NOT_PUBLISHED",
    "Reporter",
    "check_enum",
    "check_exchange_plan",
    "check_local_source",
    "closest",
    "listing",
]

NOT_PUBLISHED = "is it in the OData composition? (УстановитьСоставСтандартногоИнтерфейсаOData)"
#: what the engine makes of an enumeration member (sync/readers.py)
ENUM_COLUMNS = ("Name", "Order")
_QUERY_NAME = re.compile(r"^[A-Za-z0-9_.~-]+$")
_HTTP_EXAMPLE = "write `GET /<root>/<template>`, e.g. `GET /loyalty/products`"


class Reporter:
    """Collects problems, each located at the YAML key its path names (or the nearest one)."""

    def __init__(self, origins: Origins, default_file: str) -> None:
        self.origins = origins
        self.default_file = default_file
        self.problems: list[ContractProblem] = []

    def report(self, path: tuple[str, ...], message: str, suggestion: str | None) -> None:
        file, line, column = self._locate(path)
        self.problems.append(
            ContractProblem(message, file, line, column, ".".join(path), suggestion)
        )

    def _locate(self, path: tuple[str, ...]) -> Origin:
        for cut in range(len(path), 0, -1):
            if path[:cut] in self.origins:
                return self.origins[path[:cut]]
        return self.default_file, None, None


# -- without $metadata ------------------------------------------------------------------------


def check_local_source(reporter: Reporter, base: tuple[str, ...], entity: Entity) -> None:
    """Problems of ``source:`` that need no 1C: the HTTP form, paging keys, misplaced keys."""
    source, path = entity.source, (*base, "source")
    if source.http_service is not None:
        _check_http(reporter, path, source.http_service)
        _check_paging(reporter, path, source)
        return
    for key in ("paging", "items"):
        if getattr(source, key) is not None:
            reporter.report(
                (*path, key),
                f"`{key}` applies to `http_service` sources only; this source ignores it",
                f"remove `{key}`",
            )


def _check_http(reporter: Reporter, path: tuple[str, ...], text: str) -> None:
    text = text.strip()
    if HTTP_LIST.match(text):
        return
    where = (*path, "http_service")
    other = HTTP_ANY_METHOD.match(text)
    if other is not None:
        method = other.group("method")
        reporter.report(
            where,
            f"`{text}`: only GET list endpoints are pulled; a {method.upper()} may change "
            "data in 1C and is never sent by a pull",
            f"http_service: GET {text[len(method) :].strip()} (if the service lists with GET)",
        )
        return
    fixed = f"GET {text}" if text.startswith("/") and HTTP_LIST.match(f"GET {text}") else None
    reporter.report(
        where,
        f"`{text}` is not an HTTP-service list endpoint",
        f"http_service: {fixed}" if fixed else _HTTP_EXAMPLE,
    )


def _check_paging(reporter: Reporter, path: tuple[str, ...], source: Source) -> None:
    paging = source.paging
    if paging is None:
        return
    for key in ("limit_param", "offset_param"):
        value = getattr(paging, key)
        if not _QUERY_NAME.fullmatch(value):
            reporter.report(
                (*path, "paging", key),
                f"paging {key} `{value}` is not a query-parameter name",
                "letters, digits, `_`, `-`, `.` only, e.g. `limit` / `offset`",
            )
    if paging.limit_param == paging.offset_param:
        other = "offset" if paging.limit_param != "offset" else "skip"
        reporter.report(
            (*path, "paging", "offset_param"),
            f"paging sends `{paging.limit_param}` as both the page size and the offset",
            f"offset_param: {other}",
        )


# -- against $metadata ------------------------------------------------------------------------


def check_enum(reporter: Reporter, base: tuple[str, ...], entity: Entity, schema: Schema) -> None:
    """The enumeration exists (the engine looks it up without ``Enum_``); fields map
    ``Name`` or ``Order``, the only columns of an enumeration's rows."""
    assert entity.source.enum is not None
    written = entity.source.enum
    name = written.removeprefix("Enum_")
    if name not in schema.enum_types:
        known = list(schema.enum_types)
        reporter.report(
            (*base, "source", "enum"),
            f"unknown enumeration `{written}`: $metadata has no EnumType `{name}`",
            closest(name, known) or listing("enumerations", known),
        )
        return
    for column, spec in entity.fields.items():
        if spec.source not in ENUM_COLUMNS:
            reporter.report(
                (*base, "fields", column, "from"),
                f"unknown attribute `{spec.source}` of enumeration {name}: its rows are "
                "`Name` (the member) and `Order` (its position)",
                closest(spec.source, list(ENUM_COLUMNS)) or "map `Name` or `Order`",
            )


def check_exchange_plan(
    reporter: Reporter, base: tuple[str, ...], entity: Entity, schema: Schema
) -> None:
    """The plan named by ``exchange_plan.plan`` is a set of ``$metadata``."""
    node = entity.exchange_plan
    if node is None or node.entity_set in schema.entity_sets:
        return
    prefixed = node.plan.startswith("ExchangePlan_")
    plans = [name for name in schema.entity_sets if name.startswith("ExchangePlan_")]
    spelled = plans if prefixed else [name.removeprefix("ExchangePlan_") for name in plans]
    reporter.report(
        (*base, "exchange_plan", "plan"),
        f"unknown exchange plan `{node.plan}`: $metadata has no set {node.entity_set}",
        closest(node.plan, spelled)
        or (listing("exchange plans", spelled) if plans else None)
        or NOT_PUBLISHED,
    )


def closest(word: str, candidates: list[str]) -> str | None:
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None


def listing(what: str, names: list[str], limit: int = 8) -> str:
    if not names:
        return f"no {what} in $metadata"
    shown = ", ".join(sorted(names)[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{what}: {shown}{more}"
