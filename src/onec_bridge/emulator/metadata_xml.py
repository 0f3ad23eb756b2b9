"""``$metadata``: the EDMX 1C publishes (one ``StandardODATA`` Schema, container ``EnterpriseV8``).

Reference properties give a ``NavigationProperty`` plus an ``Association``; tabular
sections give an EntityType (key ``Ref_Key`` + ``LineNumber``) and a ``_RowType``
ComplexType used as ``Collection(…)``; documents get bindable ``Post``/``Unpost``.
``padding_bytes`` appends filler types to reach the multi-MB size of a real base.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from onec_bridge.emulator.model import Configuration, EntitySet, ObjectKind, Property
from onec_bridge.emulator.virtual_metadata import virtual_table_metadata
from onec_bridge.mapping.onec_values import EDM_NAMESPACE

__all__ = ["METADATA_CONTENT_TYPE", "metadata_document"]

METADATA_CONTENT_TYPE = "application/xml;charset=utf-8"
_NS = EDM_NAMESPACE


def _property(prop: Property) -> str:
    nullable = "true" if prop.nullable else "false"
    return f'<Property Name="{escape(prop.name)}" Type="{prop.type.value}" Nullable="{nullable}"/>'


def _navigation(entity_set: EntitySet, prop: Property) -> str:
    name = escape(prop.navigation_name or "")
    return (
        f'<NavigationProperty Name="{name}" Relationship="{_NS}.{escape(entity_set.name)}_{name}" '
        'FromRole="Begin" ToRole="End"/>'
    )


def _entity_type(entity_set: EntitySet) -> str:
    keys = "".join(f'<PropertyRef Name="{escape(name)}"/>' for name in entity_set.key)
    props = [_property(prop) for prop in entity_set.properties]
    props += [
        f'<Property Name="{escape(section.name)}" Type="Collection({_NS}.{escape(entity_set.name)}'
        f'_{escape(section.name)}_RowType)" Nullable="true"/>'
        for section in entity_set.tabular_sections
    ]
    navs = [_navigation(entity_set, p) for p in entity_set.properties if p.navigation_name]
    return (
        f'<EntityType Name="{escape(entity_set.name)}" OpenType="true"><Key>{keys}</Key>'
        f"{''.join(props)}{''.join(navs)}</EntityType>"
    )


def _tabular_types(entity_set: EntitySet) -> list[str]:
    types = []
    for section in entity_set.tabular_sections:
        name = escape(f"{entity_set.name}_{section.name}")
        props = "".join(_property(prop) for prop in section.properties)
        head = (
            '<Property Name="Ref_Key" Type="Edm.Guid" Nullable="false"/>'
            '<Property Name="LineNumber" Type="Edm.Int64" Nullable="false"/>'
        )
        types.append(
            f'<EntityType Name="{name}"><Key><PropertyRef Name="Ref_Key"/>'
            f'<PropertyRef Name="LineNumber"/></Key>{head}{props}</EntityType>'
            f'<ComplexType Name="{name}_RowType">{head}{props}</ComplexType>'
        )
    return types


def _associations(entity_set: EntitySet) -> tuple[list[str], list[str]]:
    associations, association_sets = [], []
    for prop in entity_set.properties:
        if not prop.navigation_name or prop.ref_to is None:
            continue
        name = escape(f"{entity_set.name}_{prop.navigation_name}")
        begin, end = escape(entity_set.name), escape(prop.ref_to)
        associations.append(
            f'<Association Name="{name}"><End Role="Begin" Type="{_NS}.{begin}" Multiplicity="*"/>'
            f'<End Role="End" Type="{_NS}.{end}" Multiplicity="0..1"/></Association>'
        )
        association_sets.append(
            f'<AssociationSet Name="{name}" Association="{_NS}.{name}">'
            f'<End Role="Begin" EntitySet="{begin}"/><End Role="End" EntitySet="{end}"/>'
            "</AssociationSet>"
        )
    return associations, association_sets


def _function_imports(entity_set: EntitySet) -> list[str]:
    if entity_set.kind is not ObjectKind.DOCUMENT:
        return []
    binding = f'<Parameter Name="bindingParameter" Type="{_NS}.{escape(entity_set.name)}"/>'
    mode = '<Parameter Name="PostingModeOperational" Type="Edm.Boolean"/>'
    return [
        f'<FunctionImport Name="Post" IsBindable="true" IsSideEffecting="true">{binding}{mode}'
        "</FunctionImport>",
        f'<FunctionImport Name="Unpost" IsBindable="true" IsSideEffecting="true">{binding}'
        "</FunctionImport>",
    ]


def _enum_types(configuration: Configuration) -> list[str]:
    return [
        f'<EnumType Name="{escape(name)}" UnderlyingType="Edm.Int32">'
        + "".join(f'<Member Name="{escape(member)}"/>' for member in members)
        + "</EnumType>"
        for name, members in configuration.enums.items()
    ]


def _padding(padding_bytes: int) -> str:
    parts: list[str] = []
    size, number = 0, 0
    while size < padding_bytes:
        number += 1
        props = "".join(
            f'<Property Name="Реквизит{i}" Type="Edm.String" Nullable="true"/>' for i in range(40)
        )
        part = (
            f'<EntityType Name="Catalog_Справочник{number}" OpenType="true"><Key>'
            f'<PropertyRef Name="Ref_Key"/></Key>{props}</EntityType>'
        )
        parts.append(part)
        size += len(part.encode())
    return "".join(parts)


def metadata_document(configuration: Configuration, padding_bytes: int = 0) -> bytes:
    """The whole EDMX for ``configuration``; it does not depend on the request, so cache it."""
    schema: list[str] = []
    association_sets: list[str] = []
    container: list[str] = []
    for entity_set in configuration.entity_sets:
        schema.append(_entity_type(entity_set))
        schema += _tabular_types(entity_set)
        associations, sets = _associations(entity_set)
        schema += associations
        association_sets += sets
        container.append(
            f'<EntitySet Name="{escape(entity_set.name)}" '
            f'EntityType="{_NS}.{escape(entity_set.name)}"/>'
        )
        for section in entity_set.tabular_sections:
            name = escape(f"{entity_set.name}_{section.name}")
            container.append(f'<EntitySet Name="{name}" EntityType="{_NS}.{name}"/>')
    functions = [f for s in configuration.entity_sets for f in _function_imports(s)]
    virtual_types, virtual_functions = virtual_table_metadata(configuration)
    schema += virtual_types
    functions += virtual_functions
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">'
        '<edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"'
        ' m:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0">'
        f'<Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="{_NS}">'
        + "".join(schema)
        + "".join(_enum_types(configuration))
        + _padding(padding_bytes)
        + '<EntityContainer Name="EnterpriseV8" m:IsDefaultEntityContainer="true">'
        + "".join(container + association_sets + functions)
        + "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>"
    )
    return body.encode()
