"""1C's ``$metadata`` (EDMX, OData v3) parsed by streaming into a ``Schema``; cached on disk.

Real documents are 14-15 MB (thousands of entity types), so the parser walks
them with ``lxml.etree.iterparse`` and frees every element once read.

>>> schema = parse_metadata(SAMPLE)                                 # doctest: +SKIP
>>> schema.entity_type_of("Catalog_Организации").key                # doctest: +SKIP
('Ref_Key',)
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import msgspec
from lxml import etree

from onec_bridge.onec.errors import OneCProtocolError

__all__ = [
    "Association",
    "ComplexType",
    "EntitySet",
    "EntityType",
    "EnumType",
    "FunctionImport",
    "MetadataCache",
    "NavigationProperty",
    "Parameter",
    "Property",
    "Schema",
    "TabularSection",
    "collection_item_type",
    "parse_metadata",
]

CACHE_FORMAT_VERSION = 1
_COLLECTION_PREFIX = "Collection("
_RECORD_SET = "RecordSet"
_TAGS = ("EntityType", "ComplexType", "EnumType", "Association", "FunctionImport", "EntitySet")


class Property(msgspec.Struct, frozen=True):
    name: str
    type: str
    nullable: bool = True


class NavigationProperty(msgspec.Struct, frozen=True):
    name: str
    relationship: str
    to_role: str
    target_type: str | None = None


class TabularSection(msgspec.Struct, frozen=True):
    """A ``Collection(…_RowType)`` property and the set listing all its rows, if exposed."""

    name: str
    row_type: str
    table_set: str | None


class EntityType(msgspec.Struct, frozen=True):
    name: str
    key: tuple[str, ...]
    properties: tuple[Property, ...]
    navigation: tuple[NavigationProperty, ...] = ()
    open_type: bool = False

    def property(self, name: str) -> Property | None:
        return next((item for item in self.properties if item.name == name), None)


class ComplexType(msgspec.Struct, frozen=True):
    name: str
    properties: tuple[Property, ...]


class EnumType(msgspec.Struct, frozen=True):
    name: str
    members: tuple[str, ...]
    underlying_type: str = "Edm.Int32"


class Parameter(msgspec.Struct, frozen=True):
    name: str
    type: str


class FunctionImport(msgspec.Struct, frozen=True):
    """``Post``/``Unpost`` (side-effecting) or a virtual table (``Balance``…, has a return type)."""

    name: str
    binding_type: str | None
    parameters: tuple[Parameter, ...]
    return_type: str | None = None
    is_side_effecting: bool = True


class Association(msgspec.Struct, frozen=True):
    name: str
    ends: dict[str, str]  # role -> qualified type name


class EntitySet(msgspec.Struct, frozen=True):
    name: str
    entity_type: str


class Schema(msgspec.Struct):
    """Everything ``$metadata`` says, by unqualified name (``StandardODATA.`` dropped)."""

    namespace: str
    entity_types: dict[str, EntityType]
    complex_types: dict[str, ComplexType]
    enum_types: dict[str, EnumType]
    functions: list[FunctionImport]
    entity_sets: dict[str, EntitySet]

    def entity_type_of(self, set_name: str) -> EntityType:
        """The entity type behind a set; KeyError naming close matches when unknown."""
        entity_set = self.entity_sets.get(set_name)
        type_name = entity_set.entity_type if entity_set else set_name
        found = self.entity_types.get(self.local_name(type_name))
        if found is None:
            close = [name for name in self.entity_sets if name.startswith(set_name.split("_")[0])]
            raise KeyError(
                f"entity set {set_name!r} is not in $metadata; it may be outside the OData "
                f"composition. Known sets of that kind: {sorted(close)[:5]}"
            )
        return found

    def local_name(self, qualified: str) -> str:
        prefix = self.namespace + "."
        return qualified[len(prefix) :] if qualified.startswith(prefix) else qualified

    def tabular_sections(self, type_name: str) -> list[TabularSection]:
        """Tabular sections of an entity type (the register ``RecordSet`` is not one)."""
        entity = self.entity_types[self.local_name(type_name)]
        sections = []
        for prop in entity.properties:
            row_type = collection_item_type(prop.type)
            if row_type is None or prop.name == _RECORD_SET:
                continue
            table_set = f"{entity.name}_{prop.name}"
            exposed = table_set if table_set in self.entity_types else None
            sections.append(TabularSection(prop.name, self.local_name(row_type), exposed))
        return sections

    def functions_for(self, type_name: str) -> list[FunctionImport]:
        """Functions bound to an entity type: ``Post``, ``Balance``, ``SliceLast``…"""
        local = self.local_name(type_name)
        return [
            function
            for function in self.functions
            if function.binding_type and self.local_name(function.binding_type) == local
        ]

    def row_type_of(self, type_name: str) -> EntityType | ComplexType:
        """A complex or entity type by name; ``X_RowType`` falls back to the ``X`` table set."""
        local = self.local_name(type_name)
        if local in self.complex_types:
            return self.complex_types[local]
        if local in self.entity_types:
            return self.entity_types[local]
        table_set = local.removesuffix("_RowType")
        if table_set in self.entity_types:
            return self.entity_types[table_set]
        raise KeyError(f"type {type_name!r} is not in $metadata")


def collection_item_type(type_name: str) -> str | None:
    """``X`` for ``Collection(X)``, else None."""
    if type_name.startswith(_COLLECTION_PREFIX) and type_name.endswith(")"):
        return type_name[len(_COLLECTION_PREFIX) : -1]
    return None


Source = bytes | str | os.PathLike[str] | IO[bytes]


def parse_metadata(source: Source) -> Schema:
    """Parse an EDMX document (bytes, a path or a binary file) into a ``Schema``.

    Raises ``OneCProtocolError`` naming the line when the XML is broken.
    """
    stream: str | os.PathLike[str] | IO[bytes] = (
        io.BytesIO(source) if isinstance(source, bytes) else source
    )
    builder = _SchemaBuilder()
    try:
        for element in _iter_elements(stream):
            builder.add(element)
    except etree.XMLSyntaxError as error:
        raise OneCProtocolError(
            f"$metadata is not well-formed XML: {error.msg} (line {error.lineno})",
            hint="Download $metadata again; a proxy may have cut or altered it.",
        ) from error
    return builder.build()


def _iter_elements(stream: str | os.PathLike[str] | IO[bytes]) -> Iterator[etree._Element]:
    tags = [f"{{*}}{tag}" for tag in _TAGS] + ["{*}Schema"]
    context = etree.iterparse(
        stream, events=("start", "end"), tag=tags, huge_tree=True, resolve_entities=False
    )
    for event, element in context:
        if event == "start":
            if element.tag.endswith("}Schema"):
                yield element
            continue
        if element.tag.endswith("}Schema"):
            continue
        yield element
        element.clear()
        parent = element.getparent()
        while element.getprevious() is not None and parent is not None:
            del parent[0]


def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


class _SchemaBuilder:
    def __init__(self) -> None:
        self.namespace = "StandardODATA"
        self.entity_types: dict[str, EntityType] = {}
        self.complex_types: dict[str, ComplexType] = {}
        self.enum_types: dict[str, EnumType] = {}
        self.functions: list[FunctionImport] = []
        self.associations: dict[str, Association] = {}
        self.entity_sets: dict[str, EntitySet] = {}

    def add(self, element: etree._Element) -> None:
        kind = _local(element)
        name = element.get("Name", "")
        if kind == "Schema":
            self.namespace = element.get("Namespace", self.namespace)
        elif kind == "EntityType":
            self.entity_types[name] = _entity_type(element, name)
        elif kind == "ComplexType":
            self.complex_types[name] = ComplexType(name, _properties(element))
        elif kind == "EnumType":
            members = tuple(child.get("Name", "") for child in element if _local(child) == "Member")
            underlying = element.get("UnderlyingType", "Edm.Int32")
            self.enum_types[name] = EnumType(name, members, underlying)
        elif kind == "Association":
            ends = [end for end in element if _local(end) == "End"]
            roles = {end.get("Role", ""): end.get("Type", "") for end in ends}
            self.associations[name] = Association(name, roles)
        elif kind == "FunctionImport":
            self.functions.append(_function(element, name))
        elif kind == "EntitySet":
            self.entity_sets[name] = EntitySet(name, element.get("EntityType", ""))

    def build(self) -> Schema:
        schema = Schema(
            namespace=self.namespace,
            entity_types={name: self._resolve(item) for name, item in self.entity_types.items()},
            complex_types=self.complex_types,
            enum_types=self.enum_types,
            functions=self.functions,
            entity_sets=self.entity_sets,
        )
        if not schema.entity_sets:
            # 1C names each set after its entity type; derive them when no container is sent.
            schema.entity_sets = {
                name: EntitySet(name, f"{self.namespace}.{name}") for name in schema.entity_types
            }
        return schema

    def _resolve(self, entity: EntityType) -> EntityType:
        if not entity.navigation:
            return entity
        resolved = []
        for nav in entity.navigation:
            association = self.associations.get(nav.relationship.rpartition(".")[2])
            target = association.ends.get(nav.to_role) if association else None
            resolved.append(msgspec.structs.replace(nav, target_type=target))
        return msgspec.structs.replace(entity, navigation=tuple(resolved))


def _properties(element: etree._Element) -> tuple[Property, ...]:
    return tuple(
        Property(
            child.get("Name", ""),
            child.get("Type", "Edm.String"),
            child.get("Nullable", "true").lower() != "false",
        )
        for child in element
        if _local(child) == "Property"
    )


def _entity_type(element: etree._Element, name: str) -> EntityType:
    key: tuple[str, ...] = ()
    navigation = []
    for child in element:
        kind = _local(child)
        if kind == "Key":
            key = tuple(ref.get("Name", "") for ref in child if _local(ref) == "PropertyRef")
        elif kind == "NavigationProperty":
            navigation.append(
                NavigationProperty(
                    child.get("Name", ""), child.get("Relationship", ""), child.get("ToRole", "")
                )
            )
    open_type = element.get("OpenType", "false").lower() == "true"
    return EntityType(name, key, _properties(element), tuple(navigation), open_type)


def _function(element: etree._Element, name: str) -> FunctionImport:
    binding_type = None
    parameters = []
    for child in element:
        if _local(child) != "Parameter":
            continue
        if child.get("Name") == "bindingParameter":
            binding_type = child.get("Type")
        else:
            parameters.append(Parameter(child.get("Name", ""), child.get("Type", "")))
    return FunctionImport(
        name,
        binding_type,
        tuple(parameters),
        element.get("ReturnType"),
        element.get("IsSideEffecting", "true").lower() == "true",
    )


class MetadataCache:
    """Parsed schemas on disk, keyed by the ETag when 1C sends one, else by sha256 of the body.

    ``MetadataCache(dir).get_or_parse(body, etag)`` parses once per distinct
    document; a corrupt cache file is ignored and rewritten.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def path_for(self, body: bytes, etag: str | None = None) -> Path:
        if etag:
            digest = "etag-" + hashlib.sha256(etag.encode()).hexdigest()[:40]
        else:
            digest = "sha256-" + hashlib.sha256(body).hexdigest()[:40]
        return self.directory / f"metadata-v{CACHE_FORMAT_VERSION}-{digest}.msgpack"

    def get_or_parse(self, body: bytes, etag: str | None = None) -> Schema:
        path = self.path_for(body, etag)
        cached = self._load(path)
        if cached is not None:
            return cached
        schema = parse_metadata(body)
        self._store(path, schema)
        return schema

    def _load(self, path: Path) -> Schema | None:
        try:
            return msgspec.msgpack.decode(path.read_bytes(), type=Schema)
        except (OSError, msgspec.DecodeError):
            return None

    def _store(self, path: Path, schema: Schema) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".tmp{os.getpid()}")
        temporary.write_bytes(msgspec.msgpack.encode(schema))
        os.replace(temporary, path)
