"""Parse a resolved contract column type such as ``decimal(15,2)`` or ``string(25)``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ColumnType", "parse_column_type"]

_PARAMETERS = re.compile(r"\((\d+)(?:,(\d+))?\)")


@dataclass(frozen=True)
class ColumnType:
    """``base`` (``decimal``, ``string``, ``uuid``…) and its parameters, if any:
    ``length`` of ``string(n)``, ``precision``/``scale`` of ``decimal(p,s)``."""

    base: str
    first: int | None = None
    second: int | None = None

    @property
    def length(self) -> int | None:
        return self.first if self.base == "string" else None

    @property
    def precision(self) -> int:
        assert self.base == "decimal" and self.first is not None
        return self.first

    @property
    def scale(self) -> int:
        return self.second or 0


@lru_cache(maxsize=256)
def parse_column_type(text: str) -> ColumnType:
    base = text.split("(", 1)[0]
    params = _PARAMETERS.search(text)
    if params is None:
        return ColumnType(base)
    second = params.group(2)
    return ColumnType(base, int(params.group(1)), int(second) if second else None)
