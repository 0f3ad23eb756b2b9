"""Map 1C wire rows to destination rows as the contract says, one compiled plan per entity."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from onec_bridge.contract.model import Entity
from onec_bridge.mapping.converters import Converter, converter_for
from onec_bridge.mapping.wire_rows import WireRow

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
        #: resolved contract type of each column, in ``self.columns`` order
        self.column_types: tuple[str, ...] = tuple(
            spec.resolved_type for spec in entity.fields.values()
        )
        self.sources: tuple[str, ...] = tuple(source for _, source, _ in self._plan)
        self.converters: tuple[Converter, ...] = tuple(convert for _, _, convert in self._plan)
        self._key_source = entity.key_sources()[0]
        self.source_fields = sorted({spec.source for spec in entity.fields.values()})
        #: destination column names, in the order of the tuples ``map_tuples`` makes
        self.columns: tuple[str, ...] = tuple(column for column, _, _ in self._plan)
        self._to_tuple = compile_tuple_mapper(self.sources, self.converters, "row mapper")

    def map_tuples(
        self, rows: Iterable[dict[str, Any]]
    ) -> tuple[list[tuple[Any, ...]], list[RejectedRow]]:
        """Like :meth:`map_rows`, but each row is a tuple in ``self.columns`` order."""
        mapped: list[tuple[Any, ...]] = []
        rejected: list[RejectedRow] = []
        append, to_tuple = mapped.append, self._to_tuple
        for row in rows:
            try:
                append(to_tuple(row))
            except ValueError as exc:
                rejected.append(self.rejected(row, exc))
        return mapped, rejected

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

    def rejected(self, row: dict[str, Any], error: ValueError) -> RejectedRow:
        """The dead letter of ``row``, with the first column that does not convert."""
        payload = row.to_dict() if isinstance(row, WireRow) else row
        return RejectedRow(row.get(self._key_source), self._reason(row, error), payload)

    def _reason(self, row: dict[str, Any], error: ValueError) -> str:
        for column, source, convert in self._plan:
            try:
                convert(row.get(source))
            except ValueError as exc:
                return f"column {column} (1C {source}): {exc}"
        return str(error)


def compile_tuple_mapper(
    sources: Sequence[str], functions: Sequence[Converter], label: str
) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """One generated function per entity: ``row -> (function_0(row.get(src_0)), …)``.

    Only the functions and the source names (as ``repr`` literals) enter the
    generated code, so a field name cannot inject anything."""
    namespace: dict[str, Any] = {f"c{index}": function for index, function in enumerate(functions)}
    items = "".join(f"c{index}(get({source!r}))," for index, source in enumerate(sources))
    code = f"def to_tuple(row):\n    get = row.get\n    return ({items})\n"
    exec(compile(code, f"<onec_bridge {label}>", "exec"), namespace)
    to_tuple: Callable[[dict[str, Any]], tuple[Any, ...]] = namespace["to_tuple"]
    return to_tuple
