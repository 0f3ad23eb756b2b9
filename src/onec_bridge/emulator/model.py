"""The configuration model: which entity sets a 1C base publishes and their typed properties.

It is plain data (frozen dataclasses), so a YAML file can describe a configuration
as well as code can. Storage, query compilation, serialisation and ``$metadata``
are all driven by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "Configuration",
    "EdmType",
    "EntitySet",
    "ObjectKind",
    "Property",
    "RegisterSpec",
    "TabularSection",
]


class EdmType(StrEnum):
    """The EDM types 1C uses on the wire (there is no Edm.Decimal in 1C)."""

    STRING = "Edm.String"
    GUID = "Edm.Guid"
    BOOLEAN = "Edm.Boolean"
    DOUBLE = "Edm.Double"
    INT16 = "Edm.Int16"
    INT32 = "Edm.Int32"
    INT64 = "Edm.Int64"
    DATETIME = "Edm.DateTime"


class ObjectKind(StrEnum):
    """1C metadata object kinds, named by their OData entity-set prefix."""

    CATALOG = "Catalog"
    DOCUMENT = "Document"
    INFORMATION_REGISTER = "InformationRegister"
    ACCUMULATION_REGISTER = "AccumulationRegister"
    CONSTANT = "Constant"
    EXCHANGE_PLAN = "ExchangePlan"
    TABULAR_SECTION = "TabularSection"


@dataclass(frozen=True, slots=True)
class Property:
    """One published property.

    ``ref_to`` names the target entity set of a reference (the property is then
    ``<Nav>_Key`` of type Edm.Guid and ``<Nav>`` is its navigation property).
    ``fixed_length`` pads string values with spaces as 1C does for fixed-length
    strings. ``enum`` names the enumeration of an Edm.String enum value.
    """

    name: str
    type: EdmType
    ref_to: str | None = None
    fixed_length: int | None = None
    enum: str | None = None
    nullable: bool = True
    composite: bool = False
    composite_type: bool = False

    @property
    def navigation_name(self) -> str | None:
        """``Parent`` for ``Parent_Key`` when the property is a reference."""
        if self.ref_to is None or not self.name.endswith("_Key"):
            return None
        return self.name[: -len("_Key")]


@dataclass(frozen=True, slots=True)
class TabularSection:
    """A tabular section of an object: rows keyed by owner ``Ref_Key`` and ``LineNumber``."""

    name: str
    properties: tuple[Property, ...]


@dataclass(frozen=True, slots=True)
class RegisterSpec:
    """What a register's virtual tables need: dimension and resource property names.

    ``balance`` is False for a turnover-kind accumulation register; ``periodic`` is False
    for an information register without ``Period``.
    """

    dimensions: tuple[str, ...]
    resources: tuple[str, ...]
    periodic: bool = True
    balance: bool = True


@dataclass(frozen=True, slots=True)
class EntitySet:
    """An entity set such as ``Catalog_Номенклатура`` with its key and properties."""

    name: str
    kind: ObjectKind
    properties: tuple[Property, ...]
    key: tuple[str, ...] = ("Ref_Key",)
    tabular_sections: tuple[TabularSection, ...] = ()
    presentation: tuple[str, ...] = ("Description",)
    code_length: int = 0
    number_length: int = 0
    hierarchical: bool = False
    register: RegisterSpec | None = None
    _by_name: dict[str, Property] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({prop.name: prop for prop in self.properties})

    def get_property(self, name: str) -> Property | None:
        return self._by_name.get(name)

    @property
    def object_name(self) -> str:
        """``Номенклатура`` for ``Catalog_Номенклатура``."""
        return self.name.split("_", 1)[1]

    def tabular_section(self, name: str) -> TabularSection | None:
        for section in self.tabular_sections:
            if section.name == name:
                return section
        return None


@dataclass(frozen=True, slots=True)
class Configuration:
    """Everything a base publishes: entity sets by name, enumerations by name."""

    name: str
    entity_sets: tuple[EntitySet, ...]
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _by_name: dict[str, EntitySet] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({entity_set.name: entity_set for entity_set in self.entity_sets})
        for entity_set in self.entity_sets:
            for prop in entity_set.properties:
                if prop.ref_to is not None and prop.ref_to not in self._by_name:
                    raise ValueError(
                        f"{entity_set.name}.{prop.name} refers to unknown entity set "
                        f"{prop.ref_to!r}; declare {prop.ref_to} in the configuration"
                    )

    def entity_set(self, name: str) -> EntitySet | None:
        return self._by_name.get(name)
