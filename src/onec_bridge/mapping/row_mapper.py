"""Map 1C wire rows to destination rows as the contract says, one compiled plan per entity."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from onec_bridge.contract.model import Entity
from onec_bridge.mapping.converters import Converter, converter_for

__all__ = ["MappedPage", "RejectedRow", "RowMapper"]


@dataclass(frozen=True)
class RejectedRow:
    """A row that could not be mapped, with the reason; it goes to the dead-letter table."""

    key: str | None
    reason: str
    row: dict[str, Any]


@dataclass
class MappedPage:
    rows: list[dict[str, Any]]
    rejected: list[RejectedRow]


class RowMapper:
    """Turns wire rows into column dicts; a bad value rejects its row, never the page."""

    def __init__(self, entity: Entity) -> None:
        self._plan: list[tuple[str, str, Converter]] = [
            (column, spec.source, converter_for(spec.resolved_type))
            for column, spec in entity.fields.items()
        ]
        self._key_source = entity.key_sources()[0]
        self.source_fields = sorted({spec.source for spec in entity.fields.values()})

    def map_rows(self, rows: Iterable[dict[str, Any]]) -> MappedPage:
        mapped: list[dict[str, Any]] = []
        rejected: list[RejectedRow] = []
        plan = self._plan
        for row in rows:
            try:
                mapped.append(
                    {column: convert(row.get(source)) for column, source, convert in plan}
                )
            except ValueError as exc:
                rejected.append(RejectedRow(row.get(self._key_source), self._reason(row, exc), row))
        return MappedPage(mapped, rejected)

    def _reason(self, row: dict[str, Any], error: ValueError) -> str:
        for column, source, convert in self._plan:
            try:
                convert(row.get(source))
            except ValueError as exc:
                return f"column {column} (1C {source}): {exc}"
        return str(error)
