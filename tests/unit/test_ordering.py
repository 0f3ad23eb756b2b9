from __future__ import annotations

import pytest

from onec_bridge.contract.model import Contract
from onec_bridge.sync.ordering import EntitySelectionError, dependency_order


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
