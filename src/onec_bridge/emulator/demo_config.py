"""The demo configuration: a small trade + loyalty base.

Catalogs: items (hierarchical), units, currencies, price types, warehouses,
counterparties (ИНН/КПП), loyalty cards. Registers: item prices (periodic
information register) and warehouse stock (balance accumulation register).
Documents: receipts and sales (tabular section ``Товары``, posting moves stock),
loyalty operations. Constants: the main currency and the points rate. Enums:
item kinds, counterparty kinds, loyalty operation kinds.
"""

from __future__ import annotations

from onec_bridge.emulator.builders import (
    attr,
    catalog,
    composite,
    document,
    exchange_plan,
    ref,
    tabular,
)
from onec_bridge.emulator.model import Configuration, EdmType, EntitySet, Property
from onec_bridge.emulator.register_builders import (
    accumulation_register,
    constant,
    information_register,
)

__all__ = [
    "CARDS_SET",
    "COUNTERPARTIES_SET",
    "CURRENCIES_SET",
    "CURRENCY_CONSTANT",
    "ITEMS_SET",
    "ITEM_KINDS",
    "LOYALTY_OPERATIONS_SET",
    "LOYALTY_OPERATION_KINDS",
    "POINTS_RATE_CONSTANT",
    "PRICES_SET",
    "PRICE_TYPES_SET",
    "RECEIPTS_SET",
    "SALES_SET",
    "STOCK_DIMENSIONS",
    "STOCK_RESOURCES",
    "STOCK_SET",
    "UNITS_SET",
    "WAREHOUSES_SET",
    "demo_configuration",
]

ITEMS_SET = "Catalog_Номенклатура"
UNITS_SET = "Catalog_ЕдиницыИзмерения"
CURRENCIES_SET = "Catalog_Валюты"
PRICE_TYPES_SET = "Catalog_ВидыЦен"
WAREHOUSES_SET = "Catalog_Склады"
COUNTERPARTIES_SET = "Catalog_Контрагенты"
CARDS_SET = "Catalog_КартыЛояльности"
PRICES_SET = "InformationRegister_ЦеныНоменклатуры"
STOCK_SET = "AccumulationRegister_ТоварыНаСкладах"
RECEIPTS_SET = "Document_ПоступлениеТоваровУслуг"
SALES_SET = "Document_РеализацияТоваровУслуг"
LOYALTY_OPERATIONS_SET = "Document_ОперацияЛояльности"
CURRENCY_CONSTANT = "Constant_ОсновнаяВалюта"
POINTS_RATE_CONSTANT = "Constant_ПроцентНачисленияБаллов"
ITEM_KINDS = ("Товар", "Услуга", "Набор")
COUNTERPARTY_KINDS = ("ЮридическоеЛицо", "ФизическоеЛицо", "ИндивидуальныйПредприниматель")
LOYALTY_OPERATION_KINDS = ("Начисление", "Списание")
STOCK_DIMENSIONS = ("Номенклатура_Key", "Склад_Key")
STOCK_RESOURCES = ("Количество",)


def _goods_section() -> tuple[Property, ...]:
    return (
        ref("Номенклатура", ITEMS_SET),
        attr("Количество", EdmType.DOUBLE),
        attr("Цена", EdmType.DOUBLE),
        attr("Сумма", EdmType.DOUBLE),
    )


def _catalogs() -> tuple[EntitySet, ...]:
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
    currencies = catalog("Валюты", attr("НаименованиеПолное"), code_length=3)
    price_types = catalog(
        "ВидыЦен", ref("ВалютаЦены", CURRENCIES_SET), attr("ЦенаВключаетНДС", EdmType.BOOLEAN)
    )
    warehouses = catalog("Склады", attr("Адрес"))
    counterparties = catalog(
        "Контрагенты",
        attr("НаименованиеПолное"),
        attr("ИНН"),
        attr("КПП"),
        attr("ВидКонтрагента", enum="ВидыКонтрагентов"),
        attr("Телефон"),
        attr("ЭлектроннаяПочта"),
    )
    cards = catalog(
        "КартыЛояльности",
        attr("ШтрихКод", fixed_length=13),
        attr("ДатаВыдачи", EdmType.DATETIME),
        owner=COUNTERPARTIES_SET,
    )
    return units, items, currencies, price_types, warehouses, counterparties, cards


def _registers() -> tuple[EntitySet, ...]:
    prices = information_register(
        "ЦеныНоменклатуры",
        (ref("Номенклатура", ITEMS_SET), ref("ВидЦены", PRICE_TYPES_SET)),
        (attr("Цена", EdmType.DOUBLE),),
    )
    stock = accumulation_register(
        "ТоварыНаСкладах",
        (ref("Номенклатура", ITEMS_SET), ref("Склад", WAREHOUSES_SET)),
        (attr("Количество", EdmType.DOUBLE),),
    )
    return prices, stock


def _documents() -> tuple[EntitySet, ...]:
    receipts = document(
        "ПоступлениеТоваровУслуг",
        ref("Контрагент", COUNTERPARTIES_SET),
        ref("Склад", WAREHOUSES_SET),
        attr("СуммаДокумента", EdmType.DOUBLE),
        attr("Комментарий"),
        tabular_sections=(tabular("Товары", *_goods_section()),),
    )
    sales = document(
        "РеализацияТоваровУслуг",
        ref("Контрагент", COUNTERPARTIES_SET),
        ref("Склад", WAREHOUSES_SET),
        ref("ВидЦены", PRICE_TYPES_SET),
        ref("КартаЛояльности", CARDS_SET),
        attr("СуммаДокумента", EdmType.DOUBLE),
        attr("Комментарий"),
        tabular_sections=(tabular("Товары", *_goods_section()),),
    )
    loyalty = document(
        "ОперацияЛояльности",
        attr("ВидОперации", enum="ВидыОперацийЛояльности"),
        ref("Контрагент", COUNTERPARTIES_SET),
        ref("КартаЛояльности", CARDS_SET),
        ref("ДокументПродажи", SALES_SET),
        attr("Сумма", EdmType.DOUBLE),
        attr("Баллы", EdmType.DOUBLE),
        attr("ИдентификаторТранзакции"),
        *composite("Основание"),  # a sale, a card, a number (Edm.Double) or Undefined
    )
    return receipts, sales, loyalty


def demo_configuration() -> Configuration:
    """Items, units, prices, stock, counterparties, loyalty — the trade + loyalty demo."""
    constants = (
        constant("ОсновнаяВалюта", Property("Value_Key", EdmType.GUID, ref_to=CURRENCIES_SET)),
        constant("ПроцентНачисленияБаллов", attr("Value", EdmType.DOUBLE)),
    )
    return Configuration(
        name="demo",
        entity_sets=(
            *_catalogs(),
            *_registers(),
            *_documents(),
            *constants,
            exchange_plan("ОбменССайтом"),  # nodes: exchange_plan.ensure_exchange_nodes
        ),
        enums={
            "ВидыНоменклатуры": ITEM_KINDS,
            "ВидыКонтрагентов": COUNTERPARTY_KINDS,
            "ВидыОперацийЛояльности": LOYALTY_OPERATION_KINDS,
        },
    )
