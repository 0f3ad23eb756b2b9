"""What ``$metadata`` says a source's rows look like, for tabular sections and virtual tables.

Split from :mod:`.check`: a tabular section whose own set is not published is resolved
through its owner (the engine reads the owner's inline array), and a virtual table's
``Name=value`` parameters are checked against its function.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from onec_bridge.contract.check_sources import NOT_PUBLISHED, Reporter, closest, listing
from onec_bridge.contract.source_syntax import VIRTUAL, argument_names, tabular_parts
from onec_bridge.onec.metadata import NavigationProperty, Property, Schema

__all__ = ["Shape", "check_arguments", "closest_set", "tabular_parts", "tabular_shape"]


@dataclass(frozen=True)
class Shape:
    """What ``$metadata`` says about the rows an entity's source returns."""

    set_name: str
    type_name: str
    properties: Mapping[str, Property]
    key: tuple[str, ...] | None  # None for virtual tables (SliceLast, Balance…): no key
    navigation: Mapping[str, NavigationProperty]
    owner_type: str | None  # the owning object of a tabular-section set


def tabular_shape(
    reporter: Reporter,
    schema: Schema,
    path: tuple[str, ...],
    set_name: str,
    owner: str | None,
) -> Shape | None:
    """A tabular section whose own set is not published: the owner (entity type ``owner``,
    None when unknown) and its section are what must exist."""
    owner_set, section = tabular_parts(set_name) or ("", "")
    if owner is None:
        reporter.report(
            path,
            f"unknown entity set `{set_name}`: $metadata has no owner "
            f"{owner_set} of a tabular section `{section}`",
            closest_set(owner_set, list(schema.entity_sets)) or NOT_PUBLISHED,
        )
        return None
    sections = {item.name: item for item in schema.tabular_sections(owner)}
    found = sections.get(section)
    if found is None:
        reporter.report(
            path,
            f"`{owner_set}` has no tabular section `{section}`",
            closest(section, list(sections)) or listing("tabular sections", list(sections)),
        )
        return None
    try:
        row_type = schema.row_type_of(found.row_type)
    except KeyError:
        return None
    properties = {prop.name: prop for prop in row_type.properties}
    key = ("Ref_Key", "LineNumber") if "LineNumber" in properties else None
    if key and "Ref_Key" not in properties:  # inline rows may omit the owner's key
        properties["Ref_Key"] = Property("Ref_Key", "Edm.Guid", nullable=False)
    return Shape(set_name, row_type.name, properties, key, {}, owner)


def check_arguments(
    reporter: Reporter,
    schema: Schema,
    path: tuple[str, ...],
    source: str,
    entity_type: str,
) -> None:
    """Every ``Name=value`` of the virtual table ``source`` is a parameter of its function
    (which exists for ``entity_type``)."""
    match = VIRTUAL.match(source)
    if match is None:
        return
    target = f"{match.group('set')}/{match.group('function')}"
    args = (match.group("args") or "").strip()
    names = argument_names(args)
    if names is None:
        reporter.report(
            path,
            f"cannot read the parameters `{args}` of {target}",
            "write Name=value pairs separated by commas, e.g. Period=datetime'2024-01-01T00:00:00'",
        )
        return
    bound = {item.name: item for item in schema.functions_for(entity_type)}
    function = bound[match.group("function")]
    known = [item.name for item in function.parameters if item.name != "bindingParameter"]
    for name in names:
        if name not in known:
            reporter.report(
                path,
                f"{target} has no parameter `{name}`",
                closest(name, known) or listing("parameters", known),
            )


def closest_set(set_name: str, sets: list[str]) -> str | None:
    """A set of the same kind with a close name, else one of any kind with a very close name."""
    kind, _, name = set_name.partition("_")
    same_kind = closest(set_name, [item for item in sets if item.startswith(f"{kind}_")])
    if same_kind:
        return same_kind
    by_name = {item.partition("_")[2]: item for item in sets}
    matches = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.8)
    return f"did you mean `{by_name[matches[0]]}`?" if matches else None
