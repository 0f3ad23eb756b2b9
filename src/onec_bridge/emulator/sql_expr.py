"""A compiled SQL fragment with its parameters and EDM type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onec_bridge.emulator.model import EdmType

__all__ = ["SqlExpr"]


@dataclass(frozen=True, slots=True)
class SqlExpr:
    """SQL text with its parameters; ``type`` None means a predicate or a null literal.

    ``type_sql`` is the ``<Name>_Type`` column of a composite attribute; ``ref_type`` the
    ``StandardODATA.<Set>`` a ``cast(guid'…','<Set>')`` gives its reference.
    """

    sql: str
    params: tuple[Any, ...]
    type: EdmType | None
    is_predicate: bool = False
    is_null: bool = False
    type_sql: str | None = None
    ref_type: str | None = None
