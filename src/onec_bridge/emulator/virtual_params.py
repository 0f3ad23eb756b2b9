"""Parameters of a virtual-table call, in both URL forms 1C accepts.

* ``Balance(Period=datetime'…',Condition='Склад_Key eq guid'…'',Dimensions='Номенклатура')``:
  a string value's nested quotes are **not** doubled, so the text is cut only where
  ``,<KnownName>=`` starts the next parameter and the outer quotes are removed.
* ``Balance()?Period=datetime'…'&Condition='Code eq ''x'''`` or ``Balance?…``: ordinary
  query parameters, string values with ``''`` escaping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from onec_bridge.emulator.errors import ODataError
from onec_bridge.emulator.filter_ast import Expr, Literal
from onec_bridge.emulator.filter_parser import parse_filter
from onec_bridge.emulator.model import EdmType

__all__ = ["PARAMETER_NAMES", "VirtualParams", "parse_virtual_params"]

PARAMETER_NAMES = (
    "Period",
    "StartPeriod",
    "EndPeriod",
    "Condition",
    "Dimensions",
    "AccountCondition",
    "BalancedAccountCondition",
    "ExtraDimensions",
    "BalancedExtraDimensions",
    "Periodicity",
)
_DATE_PARAMETERS = frozenset({"Period", "StartPeriod", "EndPeriod"})
_BOUNDARY = re.compile(r"(?:^|,)\s*(" + "|".join(PARAMETER_NAMES) + r")\s*=")


@dataclass(frozen=True, slots=True)
class VirtualParams:
    """Decoded parameters: dates as storage text, ``Condition`` parsed, ``Dimensions`` split."""

    raw: dict[str, str]
    period: str | None = None
    start: str | None = None
    end: str | None = None
    condition: Expr | None = None
    dimensions: tuple[str, ...] | None = None


def bad_argument(detail: str) -> ODataError:
    """1C's code 21: a function is called with arguments it does not accept."""
    return ODataError(400, "21", f"Неправильные параметры виртуальной таблицы: {detail}")


def _from_parentheses(args: str) -> dict[str, str]:
    matches = list(_BOUNDARY.finditer(args))
    if not matches:
        if args.strip():
            raise bad_argument(f"не удалось разобрать {args!r}")
        return {}
    if args[: matches[0].start()].strip():
        raise bad_argument(f"неизвестный параметр в {args!r}")
    values: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(args)
        text = args[match.end() : end].strip()
        if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
            text = text[1:-1]  # nested quotes stay as they are: they are not doubled here
        values[match.group(1)] = text
    return values


def _from_query(params: dict[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, text in params.items():
        if name.startswith("$") or name in ("allowedOnly",):
            continue
        if name not in PARAMETER_NAMES:
            raise bad_argument(f"неизвестный параметр {name!r}")
        text = text.strip()
        if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
            text = text[1:-1].replace("''", "'")
        values[name] = text
    return values


def _date(name: str, text: str) -> str:
    try:
        literal = parse_filter(text.strip(), option=name)
    except ODataError:
        literal = None
    if not isinstance(literal, Literal) or literal.type is not EdmType.DATETIME:
        raise bad_argument(f"{name}: ожидается datetime'YYYY-MM-DDTHH:MM:SS', получено {text!r}")
    return str(literal.value)


def parse_virtual_params(args: str | None, query: dict[str, str]) -> VirtualParams:
    """Merge both forms (the parenthesised one wins) and decode the values."""
    raw = _from_query(query)
    raw.update(_from_parentheses(args or ""))
    dates = {name: _date(name, raw[name]) for name in _DATE_PARAMETERS if raw.get(name)}
    condition_text = raw.get("Condition", "").strip()
    dimensions = raw.get("Dimensions")
    return VirtualParams(
        raw=raw,
        period=dates.get("Period"),
        start=dates.get("StartPeriod"),
        end=dates.get("EndPeriod"),
        condition=parse_filter(condition_text, option="Condition") if condition_text else None,
        dimensions=(
            tuple(item.strip() for item in dimensions.split(",") if item.strip())
            if dimensions is not None
            else None
        ),
    )
