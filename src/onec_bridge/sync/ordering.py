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
    return _layered(
        _reference_graph(contract, names),
        {name: index for index, name in enumerate(names)},
        "entities reference each other in a cycle: {cycle}; remove one `references:` of the cycle",
    )


def sync_steps(contract: Contract, names: Sequence[str]) -> list[list[str]]:
    """The runs that sync ``names``, in dependency order: one entity a step, except that the
    entities one exchange-plan node feeds make one step together (each in dependency
    order within it), and an entity asked for brings its node's other entities along."""
    wanted = list(dict.fromkeys(partner for name in names for partner in _partners(contract, name)))
    ordered = dependency_order(contract, wanted)
    step_of = {name: _step_key(contract, name) for name in ordered}
    members: dict[str, list[str]] = {}
    for name in ordered:
        members.setdefault(step_of[name], []).append(name)
    references = _reference_graph(contract, ordered)
    graph = {
        step: {step_of[target] for name in group for target in references[name]} - {step}
        for step, group in members.items()
    }
    first = {step: ordered.index(group[0]) for step, group in members.items()}
    steps = _layered(
        graph,
        first,
        "entities reference each other in a cycle through an exchange-plan node: {cycle}; "
        "the entities of one node are synced together, so none of them can reference an "
        "entity that references one of them",
    )
    return [members[step] for step in steps]


def _reference_graph(contract: Contract, names: Sequence[str]) -> dict[str, set[str]]:
    """Each of ``names`` -> the others of ``names`` its fields reference."""
    wanted = set(names)
    return {
        name: {
            spec.references
            for spec in contract.entities[name].fields.values()
            if spec.references in wanted and spec.references != name
        }
        for name in names
    }


def _layered(graph: dict[str, set[str]], position: dict[str, int], cycle: str) -> list[str]:
    """The graph's nodes, each after the ones it points to; independent ones by ``position``
    (stable: the order the user gave). ``cycle``: the error, ``{cycle}`` naming the nodes."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        raise EntitySelectionError(cycle.format(cycle=exc.args[1])) from None
    return sorted(graph, key=lambda node: (_depth(graph, node), position[node]))


def _depth(graph: dict[str, set[str]], name: str) -> int:
    parents = graph.get(name, set())
    return 0 if not parents else 1 + max(_depth(graph, parent) for parent in parents)


def _partners(contract: Contract, name: str) -> list[str]:
    if name not in contract.entities:
        return [name]  # reported by dependency_order
    return contract.node_partners(name)


def _step_key(contract: Contract, name: str) -> str:
    node = contract.exchange_node_of(name)
    return name if node is None else f"node {node[0]}/{node[1]}"
