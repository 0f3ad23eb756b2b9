"""System query options of a request, decoded as 1C decodes them.

Option names may arrive percent-encoded (``%24top``); values are percent-decoded as
UTF-8 and ``+`` stays a literal plus (it is not a space in 1C's query strings).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from onec_bridge.emulator.errors import bad_option
from onec_bridge.emulator.filter_ast import Expr
from onec_bridge.emulator.filter_parser import parse_filter

__all__ = ["OrderItem", "QueryOptions", "parse_query_options", "parse_query_string"]

_KNOWN_SYSTEM_OPTIONS = frozenset(
    {
        "$top",
        "$skip",
        "$orderby",
        "$select",
        "$filter",
        "$format",
        "$inlinecount",
        "$expand",
        "$count",
        "$allowedOnly",
        "$skiptoken",
        "$callback",
    }
)


@dataclass(frozen=True, slots=True)
class OrderItem:
    path: tuple[str, ...]
    descending: bool


@dataclass(frozen=True, slots=True)
class QueryOptions:
    """Parsed options; ``params`` keeps every parameter (also non-$ ones) by decoded name."""

    params: dict[str, str]
    top: int | None = None
    skip: int = 0
    order_by: tuple[OrderItem, ...] = ()
    select: tuple[str, ...] | None = None
    filter: Expr | None = None
    inline_count: bool = False
    expand: tuple[str, ...] = ()
    allowed_only: bool = False


def parse_query_string(raw: bytes | str) -> dict[str, str]:
    """Split ``a=b&c=d``; names and values percent-decoded, ``+`` kept as ``+``."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    params: dict[str, str] = {}
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        params[unquote(name, errors="strict")] = unquote(value, errors="strict")
    return params


def _non_negative(params: dict[str, str], name: str) -> int | None:
    text = params.get(name)
    if text is None:
        return None
    if not text.strip().isdigit():
        raise bad_option(name, f"ожидается неотрицательное целое число, получено {text!r}")
    return int(text)


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _order_by(text: str) -> tuple[OrderItem, ...]:
    items = []
    for part in _split_list(text):
        words = part.split()
        direction = words[1].lower() if len(words) == 2 else "asc"
        if len(words) > 2 or direction not in ("asc", "desc"):
            raise bad_option("$orderby", f"ожидается 'Поле [asc|desc]', получено {part!r}")
        items.append(OrderItem(tuple(words[0].split("/")), direction == "desc"))
    return tuple(items)


def _flag(params: dict[str, str], *names: str) -> bool:
    return any(params.get(name, "").strip().lower() == "true" for name in names)


def parse_query_options(params: dict[str, str]) -> QueryOptions:
    """Validate and parse the system options; a malformed one gives 400 with code 14."""
    for name in params:
        if name.startswith("$") and name not in _KNOWN_SYSTEM_OPTIONS:
            raise bad_option(name, f"неизвестный параметр запроса {name!r}")
    inline = params.get("$inlinecount")
    if inline not in (None, "allpages", "none"):
        raise bad_option("$inlinecount", f"ожидается allpages или none, получено {inline!r}")
    filter_text = params.get("$filter")
    select = params.get("$select")
    return QueryOptions(
        params=params,
        top=_non_negative(params, "$top"),
        skip=_non_negative(params, "$skip") or 0,
        order_by=_order_by(params.get("$orderby", "")),
        select=_split_list(select) if select is not None else None,
        filter=parse_filter(filter_text) if filter_text is not None else None,
        inline_count=inline == "allpages",
        expand=_split_list(params.get("$expand", "")),
        allowed_only=_flag(params, "allowedOnly", "$allowedOnly"),
    )
