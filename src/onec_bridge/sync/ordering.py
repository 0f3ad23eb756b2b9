"""Dependency order: entities referenced by others are synced first (units before items)."""

from __future__ import annotations

from collections.abc import Sequence
from graphlib import CycleError, TopologicalSorter

from onec_bridge.contract.model import Contract

__all__ = ["EntitySelectionError", "dependency_order"]


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
