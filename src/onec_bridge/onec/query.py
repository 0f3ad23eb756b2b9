"""OData v3 query URLs for 1C: options, entity paths with keys, URL-length-safe ``in``.

Filters come from ``onec_bridge.onec.filters`` (re-exported here). Percent-encoding
is done once, here: Cyrillic as UTF-8 ``%XX``, ``+``/``&``/``#``/``%``/``=`` escaped,
quotes left as ``'``.

>>> QueryOptions(select=["Ref_Key", "Code"], filter=F("Code") > "А-1", top=2).to_query_string()
"$select=Ref_Key,Code&$filter=Code%20gt%20'%D0%90-1'&$top=2&$format=json"
>>> entity_path("Document_X_Товары", {"Ref_Key": Guid("8ce32335-8726-11e3-8054-0015e9b8c48d"),
...     "LineNumber": 1}, encoded=False)
"Document_X_Товары(Ref_Key=guid'8ce32335-8726-11e3-8054-0015e9b8c48d',LineNumber=1)"
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias
from urllib.parse import quote

from onec_bridge.onec.filter_functions import (
    cast,
    concat,
    day,
    dayofweek,
    dayofyear,
    endswith,
    hour,
    isof,
    like,
    minute,
    month,
    quarter,
    round_,
    second,
    startswith,
    substring,
    substringof,
    year,
)
from onec_bridge.onec.filters import And, Comparison, F, FilterExpr, Or, validate_path
from onec_bridge.onec.literals import Guid, LiteralValue, encode_literal

__all__ = [
    "DEFAULT_MAX_URL_LENGTH",
    "F",
    "FilterExpr",
    "Guid",
    "KeyValue",
    "ParamValue",
    "QueryOptions",
    "cast",
    "chunk_in_filters",
    "concat",
    "day",
    "dayofweek",
    "dayofyear",
    "encode_query_value",
    "encoded_length",
    "endswith",
    "entity_path",
    "function_path",
    "hour",
    "isof",
    "like",
    "minute",
    "month",
    "quarter",
    "round_",
    "second",
    "startswith",
    "substring",
    "substringof",
    "year",
]

DEFAULT_MAX_URL_LENGTH = 2048
_QUERY_SAFE = "'(),/:*"
_PATH_SAFE = "'(),=:*"
_FILTER_OPTION = "&$filter="
_SELECT_ITEM = re.compile(r"^(\*\*?|[^\W\d]\w*(/[^\W\d]\w*)*(/\*)?)$")
_ORDER_ITEM = re.compile(r"^([^\W\d]\w*(/[^\W\d]\w*)*)(\s+(asc|desc))?$", re.IGNORECASE)

KeyValue: TypeAlias = Guid | uuid.UUID | Mapping[str, LiteralValue]
ParamValue: TypeAlias = LiteralValue | FilterExpr | Sequence[str]


def encode_query_value(text: str) -> str:
    """Percent-encode one query-option value (UTF-8; quotes, commas, slashes stay)."""
    return quote(text, safe=_QUERY_SAFE)


def encoded_length(text: str) -> int:
    """Length of ``text`` once percent-encoded as a query value."""
    return len(encode_query_value(text))


@dataclass(frozen=True, kw_only=True)
class QueryOptions:
    """System query options of one request; ``to_query_string()`` renders them.

    ``params`` are extra named parameters, e.g. for virtual tables
    (``Period``, ``Condition``, ``Dimensions``) or ``PostingModeOperational``;
    a ``FilterExpr`` there becomes a quoted condition string. Note 1C ignores
    ``$top``/``$skip`` when ``inlinecount`` is on (documented).
    """

    select: Sequence[str] | None = None
    filter: FilterExpr | None = None
    orderby: Sequence[str] | None = None
    top: int | None = None
    skip: int | None = None
    expand: Sequence[str] | None = None
    inlinecount: bool = False
    allowed_only: bool = False
    format: str | None = "json"
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("top", "skip"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"${name} must be a non-negative int, got {value!r}")
        for item in self.select or ():
            _check(_SELECT_ITEM, item, "$select item", "'Code', 'Товары/Цена', '*' or '**'")
        for item in self.orderby or ():
            _check(_ORDER_ITEM, item, "$orderby item", "'Code', 'Date desc'")
        for item in self.expand or ():
            if item != "*":
                validate_path(item, "$expand item")
        for name in self.params:
            validate_path(name, "parameter")
        if isinstance(self.select, str) or isinstance(self.orderby, str):
            raise TypeError("select/orderby take a list of names, not one string")

    def pairs(self) -> list[tuple[str, str]]:
        """The options as (name, raw value) pairs in a stable order, not yet encoded."""
        out: list[tuple[str, str]] = []
        if self.select:
            out.append(("$select", ",".join(self.select)))
        if self.filter is not None:
            out.append(("$filter", self.filter.to_odata()))
        if self.orderby:
            out.append(("$orderby", ",".join(" ".join(item.split()) for item in self.orderby)))
        if self.top is not None:
            out.append(("$top", str(self.top)))
        if self.skip is not None:
            out.append(("$skip", str(self.skip)))
        if self.expand:
            out.append(("$expand", ",".join(self.expand)))
        if self.inlinecount:
            out.append(("$inlinecount", "allpages"))
        if self.allowed_only:
            out.append(("allowedOnly", "true"))
        out.extend((name, _render_param(value)) for name, value in self.params.items())
        if self.format:
            out.append(("$format", self.format))
        return out

    def to_query_string(self) -> str:
        """``$select=…&$filter=…`` percent-encoded, without the leading ``?``."""
        return "&".join(f"{name}={encode_query_value(value)}" for name, value in self.pairs())


def _check(pattern: re.Pattern[str], item: object, what: str, example: str) -> None:
    if not isinstance(item, str) or not pattern.match(item.strip()):
        raise ValueError(f"invalid {what} {item!r}; expected something like {example}")


def _render_param(value: ParamValue) -> str:
    if isinstance(value, FilterExpr):
        return encode_literal(value.to_odata())
    if isinstance(value, list | tuple):
        names = [validate_path(name, "dimension") for name in value]
        return encode_literal(",".join(names))
    return encode_literal(value)  # type: ignore[arg-type]


def entity_path(set_name: str, key: KeyValue | None = None, *, encoded: bool = True) -> str:
    """``Set``, ``Set(guid'…')`` or ``Set(Name=literal,…)`` — percent-encoded unless told not.

    Key forms: a ``Guid``/``uuid.UUID`` (catalogs, documents, accounting record
    sets); a mapping for composite keys, e.g. ``{"Ref_Key": Guid(…), "LineNumber": 1}``,
    ``{"Period": datetime(…), "Валюта_Key": Guid(…)}`` or a register record
    ``{"Recorder": "…", "Recorder_Type": "StandardODATA.Document_Y", "LineNumber": 1}``.
    """
    validate_path(set_name, "entity set")
    if "/" in set_name:
        raise ValueError(f"entity set {set_name!r} must not contain '/'; use function_path")
    path = set_name if key is None else f"{set_name}({_render_key(set_name, key)})"
    return quote(path, safe=_PATH_SAFE) if encoded else path


def _render_key(set_name: str, key: KeyValue) -> str:
    if isinstance(key, Guid | uuid.UUID):
        return encode_literal(key)
    if isinstance(key, str):
        raise TypeError(
            f"key of {set_name} given as a plain string {key!r}: wrap a GUID as Guid('…') "
            "or give a mapping {'Name': value} for a composite key"
        )
    if isinstance(key, Mapping):
        if not key:
            raise ValueError(f"empty composite key for {set_name}; give at least one key property")
        return ",".join(
            f"{validate_path(name, 'key property')}={encode_literal(value)}"
            for name, value in key.items()
        )
    raise TypeError(f"unsupported key {key!r} for {set_name}: use Guid, uuid.UUID or a mapping")


def function_path(
    set_name: str, function: str, key: KeyValue | None = None, *, encoded: bool = True
) -> str:
    """``Set(key)/Post``, ``AccumulationRegister_X/Balance`` — parameters go in ``params``.

    Parameters travel in the query string (``?Period=…&Condition=…``), a form
    1C documents, because IIS caps one path segment at 260 characters.
    """
    validate_path(function, "function")
    return f"{entity_path(set_name, key, encoded=encoded)}/{function}"


def chunk_in_filters(
    field: str,
    values: Iterable[LiteralValue],
    *,
    base_url_length: int,
    max_url_length: int = DEFAULT_MAX_URL_LENGTH,
    extra_filter: FilterExpr | None = None,
) -> list[FilterExpr]:
    """Split ``field in values`` into ``or`` chains whose URLs all fit ``max_url_length``.

    ``base_url_length`` is the length of the encoded URL without the ``$filter``
    option; lengths count percent-encoding (a Cyrillic letter is 6 bytes).
    Each chunk is ``extra_filter and (field eq v1 or …)`` when ``extra_filter``
    is given. Raises ValueError when even one value cannot fit.
    """
    target = F(field)
    terms = [Comparison("eq", target, value) for value in _unique(values)]
    if not terms:
        return []
    budget = max_url_length - base_url_length - len(_FILTER_OPTION)
    overhead = encoded_length(_wrap(extra_filter, terms[0]).to_odata()) - _term_length(terms[0])
    separator = encoded_length(" or ")
    chunks: list[list[FilterExpr]] = [[]]
    used = overhead
    for term in terms:
        cost = _term_length(term) + (separator if chunks[-1] else 0)
        if chunks[-1] and used + cost > budget:
            chunks.append([])
            used, cost = overhead, _term_length(term)
        if used + cost > budget:
            raise ValueError(
                f"one '{field}' condition alone makes the URL longer than {max_url_length} "
                f"bytes ({term.to_odata()[:60]}…); shorten the base URL or raise max_url_length"
            )
        chunks[-1].append(term)
        used += cost
    return [_wrap(extra_filter, *chunk) for chunk in chunks]


def _unique(values: Iterable[LiteralValue]) -> list[LiteralValue]:
    return [value for _, value in dict.fromkeys((type(v), v) for v in values)]


def _term_length(term: FilterExpr) -> int:
    return encoded_length(term.to_odata())


def _wrap(extra_filter: FilterExpr | None, *terms: FilterExpr) -> FilterExpr:
    # Always an explicit Or node, so "extra and (…)" keeps its parentheses even for one term.
    chain = Or(tuple(terms))
    return chain if extra_filter is None else And((extra_filter, chain))
