"""Helpers that add 1C's standard properties to a configuration object's own attributes."""

from __future__ import annotations

from onec_bridge.emulator.model import EdmType, EntitySet, ObjectKind, Property, TabularSection

__all__ = ["attr", "catalog", "composite", "document", "exchange_plan", "ref", "tabular"]


def attr(name: str, edm_type: EdmType = EdmType.STRING, **options: object) -> Property:
    """An attribute of a configuration object (``options`` as in :class:`Property`)."""
    return Property(name, edm_type, **options)  # type: ignore[arg-type]


def ref(name: str, target_set: str) -> Property:
    """A reference attribute: ``<name>_Key`` pointing at ``target_set``."""
    return Property(f"{name}_Key", EdmType.GUID, ref_to=target_set)


def composite(name: str) -> tuple[Property, Property]:
    """A composite-type attribute: the value ``<name>`` and its type ``<name>_Type`` (strings)."""
    return (
        Property(name, EdmType.STRING, composite=True),
        Property(f"{name}_Type", EdmType.STRING, composite_type=True),
    )


def tabular(name: str, *properties: Property) -> TabularSection:
    return TabularSection(name, properties)


def catalog(
    object_name: str,
    *attributes: Property,
    code_length: int = 9,
    hierarchical: bool = False,
    owner: str | None = None,
    tabular_sections: tuple[TabularSection, ...] = (),
) -> EntitySet:
    """A catalog with 1C's standard fields in the order 1C publishes them."""
    name = f"Catalog_{object_name}"
    head = list(_reference_head())
    if owner is not None:
        head.append(Property("Owner_Key", EdmType.GUID, ref_to=owner))
    if hierarchical:
        head += [
            Property("Parent_Key", EdmType.GUID, ref_to=name),
            Property("IsFolder", EdmType.BOOLEAN),
        ]
    if code_length:
        head.append(Property("Code", EdmType.STRING, fixed_length=code_length))
    head.append(Property("Description", EdmType.STRING))
    return EntitySet(
        name,
        ObjectKind.CATALOG,
        (*head, *attributes, *_predefined_tail()),
        tabular_sections=tabular_sections,
        code_length=code_length,
        hierarchical=hierarchical,
    )


def document(
    object_name: str,
    *attributes: Property,
    number_length: int = 11,
    tabular_sections: tuple[TabularSection, ...] = (),
) -> EntitySet:
    """A document with 1C's standard fields; it is presented as Number + Date."""
    head = (
        *_reference_head(),
        Property("Number", EdmType.STRING, fixed_length=number_length),
        Property("Date", EdmType.DATETIME),
        Property("Posted", EdmType.BOOLEAN),
    )
    return EntitySet(
        f"Document_{object_name}",
        ObjectKind.DOCUMENT,
        (*head, *attributes),
        tabular_sections=tabular_sections,
        presentation=("Date", "Number"),
        number_length=number_length,
    )


def exchange_plan(object_name: str, *attributes: Property, code_length: int = 9) -> EntitySet:
    """An exchange plan: nodes with ``ThisNode``, ``SentNo`` and ``ReceivedNo``."""
    return EntitySet(
        f"ExchangePlan_{object_name}",
        ObjectKind.EXCHANGE_PLAN,
        (
            *_reference_head(),
            Property("Code", EdmType.STRING, fixed_length=code_length),
            Property("Description", EdmType.STRING),
            Property("SentNo", EdmType.INT64),
            Property("ReceivedNo", EdmType.INT64),
            Property("ThisNode", EdmType.BOOLEAN),
            *attributes,
            *_predefined_tail(),
        ),
        code_length=code_length,
    )


def _reference_head() -> tuple[Property, ...]:
    """The fields every reference object (catalog, document, exchange plan) starts with."""
    return (
        Property("Ref_Key", EdmType.GUID, nullable=False),
        Property("DataVersion", EdmType.STRING),
        Property("DeletionMark", EdmType.BOOLEAN),
    )


def _predefined_tail() -> tuple[Property, ...]:
    """The fields catalogs and exchange plans end with."""
    return (Property("Predefined", EdmType.BOOLEAN), Property("PredefinedDataName", EdmType.STRING))
