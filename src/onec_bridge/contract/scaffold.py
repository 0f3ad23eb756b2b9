"""Write a contract skeleton from ``$metadata``: every set an entity, every attribute a column.

Column names are English snake_case (standard 1C fields by their English
names, common 1C words from a dictionary, the rest transliterated), types
come from the Edm types, tabular sections become child entities keyed by
``(owner_id, line_number)``, and comments carry the 1C names. The result
loads with :func:`load_contract` and passes :func:`check_contract` against
the same metadata.

>>> text = scaffold_contract(parse_metadata("metadata.xml"), ["Catalog_Номенклатура"], {})
...                                                                    # doctest: +SKIP
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from onec_bridge.contract.edm_types import DEFAULT_DECIMAL, default_column_type, is_collection
from onec_bridge.contract.model import FieldSpec
from onec_bridge.contract.scaffold_plan import PlannedEntity, ScaffoldError, plan_entities
from onec_bridge.contract.transliterate import COMMON_WORDS, STANDARD_FIELDS, column_name
from onec_bridge.onec.metadata import Property, Schema

__all__ = ["ScaffoldError", "scaffold_contract"]

DEFAULT_ONEC_URL = "http://localhost/base"
DEFAULT_DATABASE_URL = "sqlite:///onec_bridge.db"
_KEYSETS = {
    "Catalog": "Code",
    "ChartOfCharacteristicTypes": "Code",
    "ChartOfAccounts": "Code",
    "ChartOfCalculationTypes": "Code",
    "ExchangePlan": "Code",
    "Document": "Date",
    "InformationRegister": "Period",
    "AccumulationRegister": "Period",
    "AccountingRegister": "Period",
}
_COMMENT_COLUMN_CAP = 72
_NOT_COLUMNS = {"DataVersion"}  # read by `incremental: data_version`, not stored as a column
_OBSOLETE_PREFIX = "Удалить"  # 1C convention for attributes kept only for old data
_HEADER = """\
Exchange contract skeleton written by `onec-bridge contract init` from {source}.
Review each entity: keep what the app needs, set schedule, master and direction,
and adjust decimal precision (1C sends fractional numbers as Edm.Double).
Check it any time with `onec-bridge contract check contract.yaml`."""


def scaffold_contract(
    schema: Schema,
    only: list[str] | None = None,
    overrides: Mapping[str, str] | None = None,
    *,
    use_dictionary: bool = True,
    onec_url: str | None = None,
    source_label: str = "$metadata",
) -> str:
    """A contract YAML for the sets in ``only`` (default: every object set of ``schema``).

    ``overrides`` maps 1C names to English ones: a set (``Catalog_Номенклатура:
    products``), a property (``ЦенаПродажи: sale_price``) or a word
    (``Номенклатура: product``); they win over the built-in dictionary, which
    ``use_dictionary=False`` turns off (pure transliteration).
    Raises :class:`ScaffoldError` for a name in ``only`` that is not a set.
    """
    words = {**(COMMON_WORDS if use_dictionary else {}), **(overrides or {})}
    planned = plan_entities(schema, only, words)
    type_to_entity = {item.entity_type.name: item.name for item in planned}
    entities = CommentedMap()
    for item in planned:
        entities[item.name] = _entity(item, schema, words, type_to_entity)
        entities.yaml_add_eol_comment(f"# {item.describe()}", item.name, column=len(item.name) + 5)
    document = CommentedMap()
    document["version"] = 1
    document["name"] = "onec-bridge"
    document["onec"] = _onec_section(onec_url)
    document["database"] = CommentedMap(url=f"${{DATABASE_URL:-{DEFAULT_DATABASE_URL}}}")
    document["entities"] = entities
    document.yaml_set_start_comment(_HEADER.format(source=source_label))
    return _dump(document)


def _onec_section(onec_url: str | None) -> CommentedMap:
    section = CommentedMap()
    section["url"] = f"${{ONEC_URL:-{onec_url or DEFAULT_ONEC_URL}}}"
    section["user"] = "${ONEC_USER}"
    section["password"] = "${ONEC_PASSWORD}"
    section.yaml_add_eol_comment("secrets only from the environment", "password")
    return section


def _entity(
    item: PlannedEntity, schema: Schema, words: Mapping[str, str], type_to_entity: Mapping[str, str]
) -> CommentedMap:
    properties = {prop.name: prop for prop in item.entity_type.properties}
    standard = {**STANDARD_FIELDS, "Ref_Key": "owner_id"} if item.owner_set else STANDARD_FIELDS
    columns = _column_names(item, words, standard)
    entity = CommentedMap()
    entity["source"] = _flow(CommentedMap(odata=item.set_name))
    entity["master"] = "onec"
    entity["direction"] = "onec_to_app"
    entity["schedule"] = "manual"
    # a tabular section follows its owner's DataVersion (objects always have one)
    versioned = "DataVersion" in properties or item.owner_set is not None
    entity["incremental"] = "data_version" if versioned else "full"
    keyset = None if item.owner_set else _KEYSETS.get(item.kind)
    if keyset in properties:
        entity["keyset"] = keyset
    entity["key"] = _flow(
        CommentedSeq(columns[part] for part in item.entity_type.key if part in columns)
    )
    if "DeletionMark" in properties:
        entity["deletes"] = "soft"
        entity["deletion_flag"] = columns["DeletionMark"]
    else:
        entity["deletes"] = "hard"
    entity["fields"] = _fields(item, schema, columns, type_to_entity)
    return entity


def _column_names(
    item: PlannedEntity, words: Mapping[str, str], standard: Mapping[str, str]
) -> dict[str, str]:
    """1C property -> unique column name, for every property that becomes a column."""
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for prop in item.entity_type.properties:
        if not _is_column(prop):
            continue
        wanted = (
            column_name(words[prop.name], {})
            if prop.name in words
            else column_name(prop.name, words, standard)
        )
        name, number = wanted, 2
        while name in taken:
            name, number = f"{wanted}_{number}", number + 1
        taken.add(name)
        columns[prop.name] = name
    return columns


def _is_column(prop: Property) -> bool:
    return not (
        is_collection(prop.type)
        or prop.name in _NOT_COLUMNS
        or prop.name.startswith(_OBSOLETE_PREFIX)
    )


def _fields(
    item: PlannedEntity,
    schema: Schema,
    columns: Mapping[str, str],
    type_to_entity: Mapping[str, str],
) -> CommentedMap:
    properties = {prop.name: prop for prop in item.entity_type.properties}
    fields = CommentedMap()
    for source, column in columns.items():
        target = _reference_target(item, schema, source)
        references = type_to_entity.get(target) if target else None
        fields[column] = _field_spec(
            source, default_column_type(properties[source].type), references
        )
    notes = {
        column: _field_note(properties[source], _reference_target(item, schema, source), properties)
        for source, column in columns.items()
    }
    _add_aligned_comments(fields, notes, indent=6)
    skipped = [
        prop.name for prop in item.entity_type.properties if prop.name.startswith(_OBSOLETE_PREFIX)
    ]
    if skipped and fields:
        fields.yaml_set_comment_before_after_key(
            next(iter(fields)),
            before=f"left out (obsolete, «{_OBSOLETE_PREFIX}…»): {', '.join(skipped)}",
            indent=6,
        )
    return fields


def _field_spec(source: str, column_type: str, references: str | None) -> str | CommentedMap:
    """The short form ``column: Source`` when the loader would infer the same type."""
    inferred = FieldSpec(source=source).resolved_type
    if inferred == column_type and not references:
        return source
    spec = CommentedMap({"from": source})
    if inferred != column_type:
        spec["type"] = column_type
    if references:
        spec["references"] = references
    spec.fa.set_flow_style()
    return spec


def _reference_target(item: PlannedEntity, schema: Schema, source: str) -> str | None:
    """The entity type a ``…_Key`` property (or a tabular row's owner ``Ref_Key``) points to."""
    if source == "Ref_Key" and item.owner_set:
        return schema.entity_type_of(item.owner_set).name
    if not source.endswith("_Key"):
        return None
    for nav in item.entity_type.navigation:
        if nav.name == source.removesuffix("_Key") and nav.target_type:
            return schema.local_name(nav.target_type)
    return None


def _field_note(prop: Property, target: str | None, properties: Mapping[str, Property]) -> str:
    note = prop.type
    if prop.type == "Edm.Double":
        note += f": {DEFAULT_DECIMAL} is a guess, set the attribute's precision"
    elif target:
        note += f" -> {target}"
    if f"{prop.name}_Type" in properties:
        note += f"; composite type, see {prop.name}_Type"
    return note


def _add_aligned_comments(mapping: CommentedMap, notes: Mapping[str, str], indent: int) -> None:
    """End-of-line comments in one column (an estimate of the widest line; longer lines
    get theirs two spaces after the value)."""
    widths = {key: indent + len(f"{key}: {_inline(value)}") for key, value in mapping.items()}
    column = min(max(widths.values(), default=0) + 2, _COMMENT_COLUMN_CAP)
    for key, note in notes.items():
        mapping.yaml_add_eol_comment(f"# {note}", key, column=max(column, widths[key] + 2))


def _inline(value: object) -> str:
    if isinstance(value, CommentedMap):
        return "{" + ", ".join(f"{key}: {_inline(item)}" for key, item in value.items()) + "}"
    text = str(value)
    return f"'{text}'" if any(char in text for char in ",[]{}#") else text


def _flow(node: CommentedMap | CommentedSeq) -> CommentedMap | CommentedSeq:
    node.fa.set_flow_style()
    return node


def _dump(document: CommentedMap) -> str:
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()
