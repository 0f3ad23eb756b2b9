"""The demo configuration: a small trade + loyalty base."""

from __future__ import annotations

from onec_bridge.emulator.builders import attr, catalog, ref
from onec_bridge.emulator.model import Configuration, EdmType

__all__ = ["ITEMS_SET", "ITEM_KINDS", "UNITS_SET", "demo_configuration"]

ITEMS_SET = "Catalog_Номенклатура"
UNITS_SET = "Catalog_ЕдиницыИзмерения"
ITEM_KINDS = ("Товар", "Услуга", "Набор")


def demo_configuration() -> Configuration:
    """Items, units and (in later versions) prices, stock, counterparties, loyalty."""
    units = catalog(
        "ЕдиницыИзмерения",
        attr("НаименованиеПолное"),
        attr("Коэффициент", EdmType.INT64),
        code_length=3,
    )
    items = catalog(
        "Номенклатура",
        attr("Артикул"),
        ref("ЕдиницаИзмерения", UNITS_SET),
        attr("ЦенаПродажи", EdmType.DOUBLE),
        attr("Вес", EdmType.DOUBLE),
        attr("СрокГодности", EdmType.INT64),
        attr("ДатаСоздания", EdmType.DATETIME),
        attr("ШтрихКод", fixed_length=20),
        attr("ВидНоменклатуры", enum="ВидыНоменклатуры"),
        code_length=11,
        hierarchical=True,
    )
    return Configuration(
        name="demo",
        entity_sets=(units, items),
        enums={"ВидыНоменклатуры": ITEM_KINDS},
    )
