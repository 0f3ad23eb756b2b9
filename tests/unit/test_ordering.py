from __future__ import annotations

import pytest

from onec_bridge.contract.model import Contract
from onec_bridge.sync.ordering import EntitySelectionError, dependency_order, sync_steps


def contract() -> Contract:
    def entity(refs: dict[str, str]) -> dict[str, object]:
        fields: dict[str, object] = {"id": "Ref_Key"}
        fields.update(
            {
                column: {"from": f"{column}_Key", "references": target}
                for column, target in refs.items()
            }
        )
        return {"source": {"odata": "Catalog_X"}, "fields": fields}

    return Contract.model_validate(
        {
            "onec": {"url": "http://h/b", "user": "u"},
            "entities": {
                "sales": entity({"customer": "customers", "item": "items"}),
                "items": entity({"unit": "units"}),
                "customers": entity({}),
                "units": entity({}),
            },
        }
    )


def test_referenced_entities_come_first() -> None:
    order = dependency_order(contract(), ["sales", "items", "customers", "units"])
    assert order.index("units") < order.index("items") < order.index("sales")
    assert order.index("customers") < order.index("sales")


def test_subset_keeps_only_requested() -> None:
    assert dependency_order(contract(), ["items"]) == ["items"]


def test_unknown_entity_lists_known_ones() -> None:
    with pytest.raises(
        EntitySelectionError, match="unknown entity prices; the contract defines: customers"
    ):
        dependency_order(contract(), ["prices"])


def test_reference_cycle_is_explained() -> None:
    cyclic = Contract.model_validate(
        {
            "onec": {"url": "http://h/b", "user": "u"},
            "entities": {
                "a": {
                    "source": {"odata": "Catalog_A"},
                    "fields": {"id": "Ref_Key", "b": {"from": "B_Key", "references": "b"}},
                },
                "b": {
                    "source": {"odata": "Catalog_B"},
                    "fields": {"id": "Ref_Key", "a": {"from": "A_Key", "references": "a"}},
                },
            },
        }
    )
    with pytest.raises(EntitySelectionError, match="cycle"):
        dependency_order(cyclic, ["a", "b"])


def _node_contract(**extra: dict[str, object]) -> Contract:
    """units, items and orders on node САЙТ; prices (by DataVersion) references items."""
    site = {"incremental": "exchange_plan", "exchange_plan": {"plan": "Обмен", "node": "САЙТ"}}

    def entity(refs: dict[str, str], **more: object) -> dict[str, object]:
        fields: dict[str, object] = {"id": "Ref_Key"}
        fields.update({c: {"from": f"{c}_Key", "references": t} for c, t in refs.items()})
        return {"source": {"odata": "Catalog_X"}, "fields": fields, **more}

    entities = {
        "prices": entity({"item": "items"}),
        "orders": entity({"item": "items"}, **site),
        "items": entity({"unit": "units"}, **site),
        "units": entity({}, **site),
        "stores": entity({}),
    }
    entities.update(extra)
    return Contract.model_validate(
        {"onec": {"url": "http://h/b", "user": "u"}, "entities": entities}
    )


def test_a_node_is_one_step_and_brings_its_entities_along() -> None:
    steps = sync_steps(_node_contract(), ["prices", "orders", "stores"])
    # orders brings units and items (same node), in dependency order; prices references items
    assert steps == [["units", "items", "orders"], ["stores"], ["prices"]]
    assert sync_steps(_node_contract(), ["stores"]) == [["stores"]]


def test_a_cycle_through_a_node_is_explained() -> None:
    """a -> w -> b has no cycle, but a and b share a node, so w would need to come both
    after and before their one step."""
    site = {"incremental": "exchange_plan", "exchange_plan": {"plan": "Обмен", "node": "САЙТ"}}

    def entity(refs: dict[str, str], **more: object) -> dict[str, object]:
        fields: dict[str, object] = {"id": "Ref_Key"}
        fields.update({c: {"from": f"{c}_Key", "references": t} for c, t in refs.items()})
        return {"source": {"odata": "Catalog_X"}, "fields": fields, **more}

    contract = Contract.model_validate(
        {
            "onec": {"url": "http://h/b", "user": "u"},
            "entities": {
                "a": entity({"w": "w"}, **site),
                "w": entity({"b": "b"}),
                "b": entity({}, **site),
            },
        }
    )
    assert dependency_order(contract, ["a", "w", "b"]) == ["b", "w", "a"]
    with pytest.raises(EntitySelectionError, match="cycle through an exchange-plan node"):
        sync_steps(contract, ["w", "a"])
