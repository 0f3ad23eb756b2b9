"""Which 1C sets a contract skeleton covers and what each becomes called.

Owners come first, each followed by its tabular sections (as child
entities); register record sets (``RecordSet`` only) give way to their
``_RecordType`` sets, which carry one row per record.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from onec_bridge.contract.transliterate import column_name
from onec_bridge.onec.metadata import EntityType, Schema, TabularSection

__all__ = ["KIND_NAMES", "PlannedEntity", "ScaffoldError", "plan_entities"]

KIND_NAMES = {
    "Catalog": "справочник",
    "Document": "документ",
    "DocumentJournal": "журнал документов",
    "Constant": "константа",
    "ExchangePlan": "план обмена",
    "ChartOfAccounts": "план счетов",
    "ChartOfCalculationTypes": "план видов расчета",
    "ChartOfCharacteristicTypes": "план видов характеристик",
    "InformationRegister": "регистр сведений",
    "AccumulationRegister": "регистр накопления",
    "AccountingRegister": "регистр бухгалтерии",
    "CalculationRegister": "регистр расчета",
    "BusinessProcess": "бизнес-процесс",
    "Task": "задача",
}
_RECORD_SET = "RecordSet"
_ROW_SUFFIX = "_RecordType"


class ScaffoldError(ValueError):
    """The skeleton cannot be written as asked (an unknown set in ``--only``…)."""


@dataclass(frozen=True)
class PlannedEntity:
    """One entity of the skeleton: its name, its set and, for a tabular section, its owner."""

    name: str
    set_name: str
    entity_type: EntityType
    owner_set: str | None = None
    section: str | None = None

    @property
    def kind(self) -> str:
        return self.set_name.partition("_")[0]

    def describe(self) -> str:
        """The 1C object in Russian, as a 1C user names it: ``справочник «Номенклатура»``."""
        if self.owner_set and self.section:
            owner_kind, _, owner_name = self.owner_set.partition("_")
            owner = f"{KIND_NAMES.get(owner_kind, owner_kind)} «{owner_name}»"
            return f"табличная часть «{self.section}»: {owner}"
        kind, _, rest = self.set_name.partition("_")
        return f"{KIND_NAMES.get(kind, kind)} «{rest.removesuffix(_ROW_SUFFIX)}»"


def plan_entities(
    schema: Schema, only: list[str] | None, dictionary: Mapping[str, str] | None
) -> list[PlannedEntity]:
    """The entities to scaffold, uniquely named, owners before their tabular sections."""
    roots = _chosen_sets(schema, only)
    names: set[str] = set()
    planned: list[PlannedEntity] = []
    for set_name in roots:
        entity_type = _type_of(schema, set_name)
        owner_name = _unique(_object_name(set_name, dictionary), set_name, names)
        planned.append(PlannedEntity(owner_name, set_name, entity_type))
        for section in _exposed_sections(schema, entity_type, roots):
            child_type = schema.entity_types[str(section.table_set)]
            wanted = f"{owner_name}_{column_name(section.name, dictionary)}"
            child = _unique(wanted, str(section.table_set), names)
            planned.append(
                PlannedEntity(child, str(section.table_set), child_type, set_name, section.name)
            )
    return planned


def _chosen_sets(schema: Schema, only: list[str] | None) -> list[str]:
    if only:
        unknown = [name for name in only if name not in schema.entity_sets]
        if unknown:
            raise ScaffoldError(_unknown_sets_message(unknown, list(schema.entity_sets)))
        return list(dict.fromkeys(only))
    tabular = {
        str(section.table_set)
        for entity_type in schema.entity_types.values()
        for section in schema.tabular_sections(entity_type.name)
        if section.table_set
    }
    return [
        name
        for name in schema.entity_sets
        if name not in tabular and not _is_record_set(_type_of(schema, name))
    ]


def _unknown_sets_message(unknown: list[str], known: list[str]) -> str:
    lines = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        lines.append(f"`{name}` is not an entity set of this $metadata{hint}")
    return "; ".join(lines) + "; list the sets with `onec-bridge contract init` without --only"


def _type_of(schema: Schema, set_name: str) -> EntityType:
    return schema.entity_type_of(set_name)


def _is_record_set(entity_type: EntityType) -> bool:
    """``AccumulationRegister_X`` (Recorder + RecordSet) — its ``_RecordType`` set is the rows."""
    return any(prop.name == _RECORD_SET for prop in entity_type.properties)


def _exposed_sections(
    schema: Schema, entity_type: EntityType, roots: list[str]
) -> list[TabularSection]:
    return [
        section
        for section in schema.tabular_sections(entity_type.name)
        if section.table_set and section.table_set not in roots
    ]


def _object_name(set_name: str, dictionary: Mapping[str, str] | None) -> str:
    if dictionary and set_name in dictionary:
        return column_name(dictionary[set_name], {})
    _, _, rest = set_name.partition("_")
    return column_name((rest or set_name).removesuffix(_ROW_SUFFIX), dictionary)


def _unique(wanted: str, set_name: str, taken: set[str]) -> str:
    """``wanted``, or it with the set's kind (``item_document``), or a number, never a repeat."""
    candidates = [wanted, f"{wanted}_{column_name(set_name.partition('_')[0], {})}"]
    candidates += [f"{wanted}_{number}" for number in range(2, 1000)]
    for candidate in candidates:
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise ScaffoldError(f"cannot find a free entity name for {set_name}")
