"""A small configuration with registers and an exchange plan, built with the builders."""

from __future__ import annotations

from onec_bridge.emulator import EmulatorBase
from onec_bridge.emulator.builders import attr, catalog, exchange_plan, ref
from onec_bridge.emulator.exchange_plan import ensure_exchange_nodes
from onec_bridge.emulator.model import Configuration, EdmType
from onec_bridge.emulator.register_builders import accumulation_register, information_register

ITEM_A = "0a000001-0000-11e5-8000-000000000001"
ITEM_B = "0a000002-0000-11e5-8000-000000000001"
STORE_1 = "0b000001-0000-11e5-8000-000000000001"
STORE_2 = "0b000002-0000-11e5-8000-000000000001"
RECORDER = "StandardODATA.Document_Приход"
PLAN = "ExchangePlan_Сайт"


def registers_configuration() -> Configuration:
    return Configuration(
        name="registers",
        entity_sets=(
            catalog("Товары", code_length=5),
            catalog("Склады", code_length=5),
            information_register(
                "Цены", (ref("Товар", "Catalog_Товары"),), (attr("Цена", EdmType.DOUBLE),)
            ),
            accumulation_register(
                "Остатки",
                (ref("Товар", "Catalog_Товары"), ref("Склад", "Catalog_Склады")),
                (attr("Количество", EdmType.DOUBLE), attr("Сумма", EdmType.DOUBLE)),
            ),
            accumulation_register(
                "Продажи",
                (ref("Товар", "Catalog_Товары"),),
                (attr("Выручка", EdmType.DOUBLE),),
                balance=False,
            ),
            exchange_plan("Сайт"),
        ),
    )


def _record(
    line: int, period: str, kind: str, item: str, store: str, qty: float
) -> dict[str, object]:
    return {
        "Recorder": f"0c00000{line}-0000-11e5-8000-000000000001",
        "Recorder_Type": RECORDER,
        "LineNumber": 1,
        "Period": period,
        "Active": 1,
        "RecordType": kind,
        "Товар_Key": item,
        "Склад_Key": store,
        "Количество": qty,
        "Сумма": qty * 10,
    }


def registers_base() -> EmulatorBase:
    """Items A, B; stores 1, 2; prices over time; stock moves in January and February 2024."""
    base = EmulatorBase.open(None, registers_configuration())
    base.insert_objects(
        "Catalog_Товары",
        [
            {"Ref_Key": ITEM_A, "Code": "00001", "Description": "Чай 'Зелёный'"},
            {"Ref_Key": ITEM_B, "Code": "00002", "Description": "Кофе"},
        ],
    )
    base.insert_objects(
        "Catalog_Склады",
        [
            {"Ref_Key": STORE_1, "Code": "00001", "Description": "Основной"},
            {"Ref_Key": STORE_2, "Code": "00002", "Description": "Дальний"},
        ],
    )
    base.insert_objects(
        "InformationRegister_Цены",
        [
            {"Period": "2024-01-01T00:00:00", "Товар_Key": ITEM_A, "Цена": 100.0},
            {"Period": "2024-02-01T00:00:00", "Товар_Key": ITEM_A, "Цена": 120.0},
            {"Period": "2024-03-01T00:00:00", "Товар_Key": ITEM_A, "Цена": 130.0},
            {"Period": "2024-01-15T00:00:00", "Товар_Key": ITEM_B, "Цена": 50.0},
        ],
    )
    base.insert_objects(
        "AccumulationRegister_Остатки",
        [
            _record(1, "2024-01-10T00:00:00", "Receipt", ITEM_A, STORE_1, 10),
            _record(2, "2024-01-20T00:00:00", "Expense", ITEM_A, STORE_1, 3),
            _record(3, "2024-01-20T00:00:00", "Receipt", ITEM_B, STORE_2, 5),
            _record(4, "2024-02-05T00:00:00", "Expense", ITEM_B, STORE_2, 5),
            _record(5, "2024-02-10T00:00:00", "Receipt", ITEM_A, STORE_2, 2),
        ],
    )
    base.insert_objects(
        "AccumulationRegister_Продажи",
        [
            {
                "Recorder": "r1",
                "Recorder_Type": RECORDER,
                "LineNumber": 1,
                "Active": 1,
                "Period": "2024-01-05T00:00:00",
                "Товар_Key": ITEM_A,
                "Выручка": 1000.5,
            },
            {
                "Recorder": "r2",
                "Recorder_Type": RECORDER,
                "LineNumber": 1,
                "Active": 1,
                "Period": "2024-01-25T00:00:00",
                "Товар_Key": ITEM_A,
                "Выручка": 500.25,
            },
        ],
    )
    ensure_exchange_nodes(base)
    return base
