"""``$select``: exactly the properties a client asked for, plus ``*`` and ``**``.

Items that are not properties of the set are handled elsewhere: ``Presentation`` and
``X____Presentation`` (``presentation.py``) and ``Товары`` / ``Товары/Поле`` (tabular
sections, ``tabular_rows.py``); they are validated here.
"""

from __future__ import annotations

from onec_bridge.emulator.errors import ODataError
from onec_bridge.emulator.model import EntitySet

__all__ = ["PRESENTATION", "PRESENTATION_SUFFIX", "section_fields", "selected_properties"]

PRESENTATION = "Presentation"
PRESENTATION_SUFFIX = "____Presentation"


def _not_found(entity_set: EntitySet, name: str) -> ODataError:
    return ODataError(
        400, "10", f"Свойство '{name}' не найдено у типа сущности '{entity_set.name}'."
    )


def _is_extra(entity_set: EntitySet, name: str) -> bool:
    """A presentation or a tabular-section item (valid or not: checked by the caller)."""
    if name == PRESENTATION or name.endswith(PRESENTATION_SUFFIX):
        return True
    head, _, field = name.partition("/")
    section = entity_set.tabular_section(head)
    if section is None:
        return False
    if (
        field
        and all(prop.name != field for prop in section.properties)
        and field
        not in (
            "Ref_Key",
            "LineNumber",
        )
    ):
        raise _not_found(entity_set, name)
    return True


def section_fields(
    entity_set: EntitySet, section_name: str, select: tuple[str, ...] | None
) -> frozenset[str] | None:
    """Row fields of a section picked by ``$select=Товары/Поле``; None = all of them."""
    fields = [
        item.partition("/")[2] for item in select or () if item.startswith(section_name + "/")
    ]
    return frozenset(fields) if fields else None


def selected_properties(
    entity_set: EntitySet, select: tuple[str, ...] | None
) -> frozenset[str] | None:
    """Names to output, or None for "all properties" (no ``$select``, ``*`` or ``**``)."""
    if select is None:
        return None
    if "*" in select or "**" in select:
        for name in select:
            known = name in ("*", "**") or _is_extra(entity_set, name)
            if not known and entity_set.get_property(name) is None:
                raise _not_found(entity_set, name)
        return None
    plain = []
    for name in select:
        if _is_extra(entity_set, name):
            continue
        if entity_set.get_property(name) is None:
            raise _not_found(entity_set, name)
        plain.append(name)
    return frozenset(plain)
