"""``$select``: exactly the properties a client asked for, plus ``*`` and ``**``."""

from __future__ import annotations

from onec_bridge.emulator.errors import ODataError
from onec_bridge.emulator.model import EntitySet

__all__ = ["PRESENTATION_SUFFIX", "selected_properties"]

PRESENTATION_SUFFIX = "____Presentation"


def selected_properties(
    entity_set: EntitySet, select: tuple[str, ...] | None
) -> frozenset[str] | None:
    """Names to output, or None for "all properties" (no ``$select``, ``*`` or ``**``)."""
    if select is None:
        return None
    if "*" in select or "**" in select:
        return None
    for name in select:
        if entity_set.get_property(name) is None and entity_set.tabular_section(name) is None:
            raise ODataError(
                400, "10", f"Свойство '{name}' не найдено у типа сущности '{entity_set.name}'."
            )
    return frozenset(select)
