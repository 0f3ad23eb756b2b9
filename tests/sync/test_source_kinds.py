"""Source kinds, composite row keys and the contract rules of the strategies (no 1C needed)."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from onec_bridge.contract.model import Entity, Source
from onec_bridge.sync.entity_plan import EntityPlan
from onec_bridge.sync.source_kinds import SourceKind, parse_source
from tests.sync.conftest import contract_with


@pytest.mark.parametrize(
    ("odata", "kind", "entity_set", "has_version"),
    [
        ("Catalog_Номенклатура", SourceKind.OBJECT, "Catalog_Номенклатура", True),
        ("Document_Реализация_Товары", SourceKind.TABULAR, "Document_Реализация", False),
        ("InformationRegister_Цены", SourceKind.REGISTER, "InformationRegister_Цены", False),
        ("Constant_Валюта", SourceKind.CONSTANT, "Constant_Валюта", False),
        (
            "AccumulationRegister_Остатки/Balance()",
            SourceKind.VIRTUAL,
            "AccumulationRegister_Остатки",
            False,
        ),
    ],
)
def test_kind_from_the_set_name(
    odata: str, kind: SourceKind, entity_set: str, has_version: bool
) -> None:
    spec = parse_source(Source(odata=odata), "entities.x.source")
    assert (spec.kind, spec.entity_set, spec.has_data_version) == (kind, entity_set, has_version)


def test_virtual_table_parameters_become_typed_values() -> None:
    spec = parse_source(
        Source(
            odata="InformationRegister_Цены/SliceLast("
            "Period=datetime'2024-02-01T00:00:00', Condition='Цена gt 5')"
        ),
        "entities.x.source",
    )
    assert (spec.function, spec.params) == (
        "SliceLast",
        {"Period": datetime(2024, 2, 1), "Condition": "Цена gt 5"},
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (Source(odata="Справочник_Товары"), "not an entity set this engine reads"),
        (Source(odata="Catalog_X/Balance()"), "is not a virtual table"),
        (Source(http_service="POST /loyalty/transactions"), "is not a list endpoint"),
    ],
)
def test_unreadable_sources_are_explained(source: Source, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_source(source, "entities.x.source")


def test_composite_row_keys_round_trip_through_the_converters() -> None:
    entity = Entity.model_validate(
        {
            "source": {"odata": "InformationRegister_Цены"},
            "key": ["period", "item_id", "line"],
            "fields": {
                "period": "Period",
                "item_id": "Номенклатура_Key",
                "line": {"from": "LineNumber", "type": "integer"},
            },
        }
    )
    plan = EntityPlan.build("prices", entity, sa.Table("prices", sa.MetaData()), 100)
    row = {
        "Period": "2024-01-01T10:00:00",
        "Номенклатура_Key": "8ccca38b-a01e-11e8-b557-93f362c82185",
        "LineNumber": "3",
    }
    key = plan.row_key(row)
    assert plan.key_values(key) == (
        datetime(2024, 1, 1, 10),
        "8ccca38b-a01e-11e8-b557-93f362c82185",
        3,
    )
    assert "DataVersion" not in plan.full_select()  # registers have none
    assert not plan.uses_data_version


def test_strategies_need_their_settings_and_a_node_may_feed_several_entities() -> None:
    fields = {"id": "Ref_Key"}
    with pytest.raises(ValidationError, match="exchange_plan needs"):
        Entity.model_validate(
            {"source": {"odata": "Catalog_X"}, "incremental": "exchange_plan", "fields": fields}
        )
    node = {"plan": "ОбменССайтом", "node": "САЙТ"}
    spec: dict[str, object] = {
        "source": {"odata": "Catalog_X"},
        "incremental": "exchange_plan",
        "exchange_plan": node,
        "fields": fields,
    }
    other_node = {**spec, "exchange_plan": {**node, "node": "ЦБ"}}
    shared = contract_with(
        "sqlite://",
        {"a": spec, "b": {**spec, "source": {"odata": "Catalog_Y"}}, "c": other_node},
    )
    assert shared.node_partners("b") == ["a", "b"]  # synced together: one packet, one ack
    assert shared.node_partners("c") == ["c"]
    register = {**spec, "source": {"odata": "InformationRegister_Цены"}}
    entity = Entity.model_validate(register)
    with pytest.raises(ValueError, match="exchange_plan registers objects by Ref_Key"):
        EntityPlan.build("r", entity, sa.Table("r", sa.MetaData()), 100)


ITEM = {"id": "Ref_Key"}
SECTION_ROW = {"owner_id": "Ref_Key", "line": "LineNumber"}


@pytest.mark.parametrize(
    ("spec", "order"),
    [
        # Code is unique and paged by `gt`: a tie-breaker would only make 1C sort twice
        ({"source": {"odata": "Catalog_Номенклатура"}, "keyset": "Code"}, ("Code",)),
        # Date repeats (paged by `ge`, ties skipped): the key breaks the ties
        ({"source": {"odata": "Document_Заказ"}, "keyset": "Date"}, ("Date", "Ref_Key")),
        ({"source": {"odata": "Catalog_Номенклатура"}}, ("Ref_Key",)),
        # a tabular section lists its owners: by Date (documents) or Code (catalogs)
        ({"source": {"odata": "Document_Заказ_Товары"}}, ("Date", "Ref_Key")),
        ({"source": {"odata": "Catalog_Номенклатура_Штрихкоды"}}, ("Code",)),
    ],
)
def test_listing_order_breaks_ties_only_where_the_keyset_repeats(
    spec: dict[str, object], order: tuple[str, ...]
) -> None:
    section = str(spec["source"]).count("_") > 1
    fields = SECTION_ROW if section else ITEM
    key = ["owner_id", "line"] if section else ["id"]
    entity = Entity.model_validate({**spec, "key": key, "fields": fields})
    plan = EntityPlan.build("x", entity, sa.Table("x", sa.MetaData()), 100)
    assert plan.order_by == order
