"""Split the resource path after ``/odata/standard.odata/`` into segments and parse keys.

``Catalog_X(guid'…')/Parent`` → segments ``Catalog_X`` with key text ``guid'…'`` and
``Parent``. Slashes inside parentheses (a virtual table's ``Condition``) do not split.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from onec_bridge.emulator.errors import ODataError
from onec_bridge.emulator.filter_ast import Literal
from onec_bridge.emulator.filter_parser import parse_filter
from onec_bridge.emulator.model import EdmType, EntitySet

__all__ = ["Segment", "bad_url", "parse_key", "split_path"]


@dataclass(frozen=True, slots=True)
class Segment:
    """``name`` and the raw text between its parentheses (None when it has none)."""

    name: str
    args: str | None


def bad_url(detail: str) -> ODataError:
    return ODataError(400, "6", f"Неправильный адрес ресурса: {detail}")


def _paren_depths_ok(text: str, honour_quotes: bool) -> list[int] | None:
    """Positions of top-level slashes, or None when parentheses do not balance."""
    depth, in_quote, cuts = 0, False, []
    for index, char in enumerate(text):
        if honour_quotes and char == "'":
            in_quote = not in_quote
        elif in_quote:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char == "/" and depth == 0:
            cuts.append(index)
    return cuts if depth == 0 and not in_quote else None


def _segment(text: str) -> Segment:
    if "(" not in text:
        return Segment(text, None)
    if not text.endswith(")"):
        raise bad_url(f"сегмент {text!r} должен заканчиваться ')'")
    name, _, rest = text.partition("(")
    return Segment(name, rest[:-1])


def split_path(path: str) -> list[Segment]:
    """Segments of ``path`` (leading/trailing slashes ignored)."""
    text = path.strip("/")
    if not text:
        return []
    # 1C nests raw quotes in virtual-table arguments, so quote tracking may not balance.
    cuts = _paren_depths_ok(text, honour_quotes=True) or _paren_depths_ok(text, honour_quotes=False)
    if cuts is None:
        raise bad_url(f"несбалансированные скобки в {text!r}")
    pieces, start = [], 0
    for cut in [*cuts, len(text)]:
        pieces.append(text[start:cut])
        start = cut + 1
    if any(not piece for piece in pieces):
        raise bad_url(f"пустой сегмент в {text!r}")
    return [_segment(piece) for piece in pieces]


def _split_top_level_commas(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    in_quote = False
    for char in text:
        if char == "'":
            in_quote = not in_quote
        if char == "," and not in_quote:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _key_value(text: str, where: str) -> Literal:
    try:
        value = parse_filter(text.strip(), option="key")
    except ODataError:
        raise bad_url(f"неправильное значение ключа {text.strip()!r} в {where}") from None
    if not isinstance(value, Literal) or value.type is None:
        raise bad_url(f"значение ключа {text.strip()!r} в {where} должно быть литералом")
    return value


def parse_key(entity_set: EntitySet, args: str) -> dict[str, Any]:
    """Key values by property name from ``guid'…'`` or ``Name=value, …``; 400 code 7 if short."""
    where = f"{entity_set.name}({args})"
    parts = _split_top_level_commas(args)
    if len(parts) == 1 and "=" not in parts[0].split("'")[0]:
        if len(entity_set.key) != 1:
            raise ODataError(400, "7", f"Не указана часть ключа в {where}")
        return {entity_set.key[0]: _key_value(parts[0], where).value}
    values: dict[str, Any] = {}
    for part in parts:
        name, equals, value_text = part.partition("=")
        name = name.strip()
        if not equals or name not in entity_set.key:
            raise bad_url(f"{name!r} не является частью ключа {where}")
        values[name] = _key_literal_value(entity_set, name, _key_value(value_text, where))
    missing = [name for name in entity_set.key if name not in values]
    if missing:
        raise ODataError(400, "7", f"Не указана часть ключа {', '.join(missing)} в {where}")
    return values


def _key_literal_value(entity_set: EntitySet, name: str, literal: Literal) -> Any:
    prop = entity_set.get_property(name)
    if prop is not None and prop.type is EdmType.BOOLEAN:
        return int(bool(literal.value))
    if isinstance(literal.value, Decimal):  # SQLite stores Edm.Double as REAL
        return float(literal.value)
    return literal.value
