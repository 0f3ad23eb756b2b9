"""Dependency order: entities referenced by others are synced first (units before items)."""

from __future__ import annotations

from collections.abc import Sequence
from graphlib import CycleError, TopologicalSorter

from onec_bridge.contract.model import Contract

__all__ = ["EntitySelectionError", "dependency_order", "sync_steps"]


class EntitySelectionError(ValueError):
    """The entities asked for cannot be synced: unknown names or a reference cycle."""


def dependency_order(contract: Contract, names: Sequence[str]) -> list[str]:
    """``names`` reordered so that every entity comes after the ones it references."""
    unknown = [name for name in names if name not in contract.entities]
    if unknown:
        raise EntitySelectionError(
            f"unknown entit{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
            f"the contract defines: {', '.join(sorted(contract.entities))}"
        )
    wanted = set(names)
    graph: dict[str, set[str]] = {}
    for name in names:
        fields = contract.entities[name].fields.values()
        graph[name] = {
            spec.references
            for spec in fields
            if spec.references in wanted and spec.references != name
        }
    try:
        ordered = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise EntitySelectionError(
            f"entities reference each other in a cycle: {exc.args[1]}; "
            "remove one `references:` of the cycle"
        ) from None
    position = {name: index for index, name in enumerate(names)}
    # stable: among independent entities keep the order the user gave
    return sorted(ordered, key=lambda name: (_depth(graph, name), position[name]))


def _depth(graph: dict[str, set[str]], name: str) -> int:
    parents = graph.get(name, set())
    return 0 if not parents else 1 + max(_depth(graph, parent) for parent in parents)


def sync_steps(contract: Contract, names: Sequence[str]) -> list[list[str]]:
    """The runs that sync ``names``, in dependency order: one entity a step, except that the
    entities one exchange-plan node feeds make one step together (each in dependency
    order within it), and an entity asked for brings its node's other entities along."""
    wanted = list(dict.fromkeys(partner for name in names for partner in _partners(contract, name)))
    ordered = dependency_order(contract, wanted)
    position = {name: index for index, name in enumerate(ordered)}
    step_of = {name: _step_key(contract, name) for name in ordered}
    members: dict[str, list[str]] = {}
    for name in ordered:
        members.setdefault(step_of[name], []).append(name)
    graph: dict[str, set[str]] = {step: set() for step in members}
    for name in ordered:
        for spec in contract.entities[name].fields.values():
            target = spec.references
            if target in step_of and step_of[target] != step_of[name]:
                graph[step_of[name]].add(step_of[target])
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        raise EntitySelectionError(
            f"entities reference each other in a cycle through an exchange-plan node: "
            f"{exc.args[1]}; the entities of one node are synced together, so none of them "
            "can reference an entity that references one of them"
        ) from None
    first = {step: position[group[0]] for step, group in members.items()}
    steps = sorted(members, key=lambda step: (_depth(graph, step), first[step]))
    return [members[step] for step in steps]


def _partners(contract: Contract, name: str) -> list[str]:
    if name not in contract.entities:
        return [name]  # reported by dependency_order
    return contract.node_partners(name)


def _step_key(contract: Contract, name: str) -> str:
    node = contract.exchange_node_of(name)
    return name if node is None else f"node {node[0]}/{node[1]}"
