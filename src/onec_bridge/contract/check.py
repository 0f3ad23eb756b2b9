"""Check a contract against 1C's ``$metadata``: sets, attributes, types, keys, paging, references.

:func:`load_contract` proves a contract is well-formed; this proves it fits the
1C base it names. Every problem points at the key in the YAML that causes it.

>>> problems = check_contract(["contract.yaml"], parse_metadata("metadata.xml"))  # doctest: +SKIP
>>> print(problems[0].render())                                                  # doctest: +SKIP
contract.yaml:31:7: entities.products.fields.sku.from: unknown attribute `Артикл` of …
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from onec_bridge.contract.check_shapes import (
    Shape,
    check_arguments,
    closest_set,
    tabular_parts,
    tabular_shape,
)
from onec_bridge.contract.check_sources import (
    NOT_PUBLISHED,
    Reporter,
    check_enum,
    check_exchange_plan,
    check_local_source,
    closest,
    listing,
)
from onec_bridge.contract.edm_types import (
    accepts,
    default_column_type,
    is_collection,
    string_length,
)
from onec_bridge.contract.errors import ContractError, ContractProblem
from onec_bridge.contract.loader import Origins, load_contract_with_origins
from onec_bridge.contract.model import Contract, Entity, FieldSpec
from onec_bridge.onec.metadata import NavigationProperty, Property, Schema, collection_item_type

__all__ = ["check_against_metadata", "check_contract"]

_ODATA_SOURCE = re.compile(r"^(?P<set>[^/(?]+)(?:/(?P<function>[A-Za-z]+))?")
_DATE_TYPES = ("Edm.DateTime", "Edm.DateTimeOffset")
_KEYSET_CANDIDATES = ("Code", "Date", "Period", "LineNumber")


def check_contract(
    contract_paths: str | Path | Sequence[str | Path],
    schema: Schema | None,
    environ: Mapping[str, str] | None = None,
) -> list[ContractProblem]:
    """Every problem of the contract: load-time ones, the ones of its sources that need no
    1C, then (with ``schema``) metadata ones."""
    try:
        contract, origins = load_contract_with_origins(contract_paths, environ)
    except ContractError as exc:
        return list(exc.problems)
    paths = [contract_paths] if isinstance(contract_paths, str | Path) else contract_paths
    return check_against_metadata(contract, origins, schema, default_file=str(paths[-1]))


def check_against_metadata(
    contract: Contract,
    origins: Origins,
    schema: Schema | None,
    default_file: str = "contract.yaml",
) -> list[ContractProblem]:
    """Problems of an already loaded contract, located through ``origins``: its sources'
    own (HTTP form, paging keys) and, with ``schema``, those against ``$metadata``."""
    local = Reporter(origins, default_file)
    for name, entity in contract.entities.items():
        check_local_source(local, ("entities", name), entity)
    if schema is None:
        return local.problems
    checker = _Checker(contract, origins, schema, default_file)
    for name, entity in contract.entities.items():
        checker.check_entity(name, entity)
    return local.problems + checker.problems


class _Checker(Reporter):
    def __init__(
        self, contract: Contract, origins: Origins, schema: Schema, default_file: str
    ) -> None:
        super().__init__(origins, default_file)
        self.contract = contract
        self.schema = schema

    # -- entities ----------------------------------------------------------------------------

    def check_entity(self, name: str, entity: Entity) -> None:
        base = ("entities", name)
        check_exchange_plan(self, base, entity, self.schema)
        if entity.source.enum is not None:
            check_enum(self, base, entity, self.schema)
            return
        if entity.source.odata is None:
            return  # HTTP services and CommerceML have no $metadata to check against
        shape = self._shape(base, entity.source.odata)
        if shape is None:
            return
        for column, spec in entity.fields.items():
            self._check_field((*base, "fields", column), spec, shape)
        self._check_key(base, entity, shape)
        self._check_keyset(base, entity, shape)
        self._check_modified_field(base, entity, shape)

    def _shape(self, base: tuple[str, ...], source: str) -> Shape | None:
        match = _ODATA_SOURCE.match(source.strip())
        set_name = match.group("set").strip() if match else source
        function = match.group("function") if match else None
        entity_type = self._entity_type_of(set_name)
        parts = tabular_parts(set_name) if entity_type is None and function is None else None
        if parts:
            owner = self._entity_type_of(parts[0])
            return tabular_shape(self, self.schema, (*base, "source", "odata"), set_name, owner)
        if entity_type is None:
            self.report(
                (*base, "source", "odata"),
                f"unknown entity set `{set_name}`: $metadata has no such set",
                closest_set(set_name, list(self.schema.entity_sets)) or NOT_PUBLISHED,
            )
            return None
        owner = _owner_of_tabular_set(self.schema, entity_type)
        navigation = {nav.name: nav for nav in self.schema.entity_types[entity_type].navigation}
        if function is None:
            typed = self.schema.entity_types[entity_type]
            properties = {prop.name: prop for prop in typed.properties}
            return Shape(set_name, entity_type, properties, typed.key, navigation, owner)
        shape = self._function_shape(base, set_name, entity_type, function, navigation)
        if shape is not None:
            path = (*base, "source", "odata")
            check_arguments(self, self.schema, path, source.strip(), entity_type)
        return shape

    def _function_shape(
        self,
        base: tuple[str, ...],
        set_name: str,
        entity_type: str,
        function: str,
        navigation: Mapping[str, NavigationProperty],
    ) -> Shape | None:
        bound = {item.name: item for item in self.schema.functions_for(entity_type)}
        found = bound.get(function)
        if found is None:
            self.report(
                (*base, "source", "odata"),
                f"`{set_name}` has no virtual table `{function}`",
                closest(function, list(bound)) or listing("available", list(bound)),
            )
            return None
        row_type_name = collection_item_type(found.return_type or "") or found.return_type
        if not row_type_name:
            return None
        try:
            row_type = self.schema.row_type_of(row_type_name)
        except KeyError:
            return None
        properties = {prop.name: prop for prop in row_type.properties}
        return Shape(set_name, row_type.name, properties, None, navigation, None)

    def _entity_type_of(self, set_name: str) -> str | None:
        entity_set = self.schema.entity_sets.get(set_name)
        type_name = self.schema.local_name(entity_set.entity_type) if entity_set else set_name
        return type_name if type_name in self.schema.entity_types else None

    # -- fields ------------------------------------------------------------------------------

    def _check_field(self, path: tuple[str, ...], spec: FieldSpec, shape: Shape) -> None:
        prop = self._known_property((*path, "from"), spec.source, shape)
        if prop is None:
            return
        column_type = spec.resolved_type
        type_path = (*path, "type") if spec.type else path
        if not accepts(prop.type, column_type):
            self.report(
                type_path,
                f"`{spec.source}` is {prop.type} in $metadata; column type "
                f"{column_type} cannot hold every value of it",
                f"use type: {default_column_type(prop.type)}",
            )
        else:
            self._check_length(type_path, spec.source, prop, column_type)
        if spec.references:
            self._check_reference((*path, "references"), spec, prop, shape)

    def _known_property(self, path: tuple[str, ...], name: str, shape: Shape) -> Property | None:
        prop = shape.properties.get(name)
        if prop is not None:
            return prop
        if name in shape.navigation and f"{name}_Key" in shape.properties:
            suggestion = f"`{name}` is a navigation link; map its key: `{name}_Key`"
        else:
            suggestion = closest(name, list(shape.properties)) or listing(
                "attributes", list(shape.properties)
            )
        self.report(path, f"unknown attribute `{name}` of {shape.set_name}", suggestion)
        return None

    def _check_length(
        self, path: tuple[str, ...], source: str, prop: Property, column_type: str
    ) -> None:
        # The parser exposes MaxLength only when $metadata carries it (1C usually omits it).
        max_length = getattr(prop, "max_length", None)
        length = string_length(column_type)
        if isinstance(max_length, int) and length is not None and length < max_length:
            self.report(
                path,
                f"`{source}` holds up to {max_length} characters in $metadata; "
                f"{column_type} would cut them",
                f"use type: string({max_length}) or text",
            )

    def _check_reference(
        self, path: tuple[str, ...], spec: FieldSpec, prop: Property, shape: Shape
    ) -> None:
        expected = self._reference_target(spec.source, shape)
        if expected is None:
            if prop.type != "Edm.Guid":
                self.report(
                    path,
                    f"`{spec.source}` is {prop.type}, not a reference; "
                    f"`references: {spec.references}` cannot point anywhere",
                    "map the `…_Key` attribute of the reference, or drop `references`",
                )
            return
        assert spec.references is not None
        target_entity = self.contract.entities[spec.references]
        target_set = target_entity.source.odata
        target_type = self._entity_type_of(_set_of(target_set)) if target_set else None
        if target_type is None or target_type == expected:
            return
        readers = [
            name
            for name, other in self.contract.entities.items()
            if other.source.odata and self._entity_type_of(_set_of(other.source.odata)) == expected
        ]
        self.report(
            path,
            f"`{spec.source}` points to {expected} in $metadata, but entity "
            f"`{spec.references}` reads {target_type}",
            f"references: {readers[0]}"
            if readers
            else f"add an entity with source: {{odata: {expected}}} or drop `references`",
        )

    def _reference_target(self, source: str, shape: Shape) -> str | None:
        """The entity type ``source`` refers to, when $metadata says so."""
        if source == "Ref_Key" and shape.owner_type is not None:
            return shape.owner_type
        nav = shape.navigation.get(source.removesuffix("_Key")) if source.endswith("_Key") else None
        if nav is None or nav.target_type is None:
            return None
        return self.schema.local_name(nav.target_type)

    # -- key, keyset, modified field ----------------------------------------------------------

    def _check_key(self, base: tuple[str, ...], entity: Entity, shape: Shape) -> None:
        if shape.key is None:
            return
        sources = {column: entity.fields[column].source for column in entity.key}
        if any(source not in shape.properties for source in sources.values()):
            return  # already reported as an unknown attribute
        expected = f"{shape.set_name} is keyed by ({', '.join(shape.key)})"
        wanted = _suggested_key(entity, shape.key)
        for column, source in sources.items():
            if source not in shape.key:
                self.report(
                    (*base, "key"),
                    f"key column `{column}` (from `{source}`) is not a key: {expected}",
                    wanted,
                )
        # GUIDs are unique across types, so `Recorder_Type` need not be part of the key.
        missing = [
            part
            for part in shape.key
            if part not in sources.values() and not part.endswith("_Type")
        ]
        if missing:
            self.report(
                (*base, "key"),
                f"the key is incomplete: {expected}; missing {', '.join(missing)}",
                wanted,
            )

    def _check_keyset(self, base: tuple[str, ...], entity: Entity, shape: Shape) -> None:
        if entity.keyset is None:
            return
        path = (*base, "keyset")
        prop = self._known_property(path, entity.keyset, shape)
        if prop is None:
            return
        alternatives = [name for name in _KEYSET_CANDIDATES if name in shape.properties]
        advice = (
            f"use keyset: {alternatives[0]}"
            if alternatives
            else "remove `keyset` to page with $top/$skip"
        )
        composite = f"{entity.keyset}_Type" in shape.properties
        if is_collection(prop.type) or composite or not prop.type.startswith("Edm."):
            self.report(
                path,
                f"keyset `{entity.keyset}` is not a scalar ({prop.type}"
                f"{', composite' if composite else ''}); 1C cannot page on it",
                advice,
            )
        elif prop.type == "Edm.Guid" or entity.keyset.endswith("_Key"):
            self.report(
                path,
                f"keyset `{entity.keyset}` is a reference: real 1C refuses "
                "`gt guid'…'` (HTTP 500) and orders references by presentation",
                advice,
            )

    def _check_modified_field(self, base: tuple[str, ...], entity: Entity, shape: Shape) -> None:
        if entity.modified_field is None:
            return
        path = (*base, "modified_field")
        prop = self._known_property(path, entity.modified_field, shape)
        if prop is not None and prop.type not in _DATE_TYPES:
            dates = [name for name, item in shape.properties.items() if item.type in _DATE_TYPES]
            self.report(
                path,
                f"modified_field `{entity.modified_field}` is {prop.type}, not a date",
                listing("date attributes", dates)
                if dates
                else "use incremental: data_version or full",
            )


def _set_of(source: str) -> str:
    match = _ODATA_SOURCE.match(source.strip())
    return match.group("set").strip() if match else source


def _owner_of_tabular_set(schema: Schema, type_name: str) -> str | None:
    owner, _, section = type_name.rpartition("_")
    if owner not in schema.entity_types:
        return None
    return owner if any(item.name == section for item in schema.tabular_sections(owner)) else None


def _suggested_key(entity: Entity, key: tuple[str, ...]) -> str:
    by_source = {spec.source: column for column, spec in entity.fields.items()}
    parts = [by_source.get(part) for part in key if not part.endswith("_Type")]
    if all(parts):
        return f"key: [{', '.join(str(part) for part in parts)}]"
    unmapped = [part for part in key if part not in by_source and not part.endswith("_Type")]
    return f"map {', '.join(unmapped)} to columns and list them under `key:`"
