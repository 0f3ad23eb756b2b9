"""Deterministic trade + loyalty demo data, generated after the items with its own RNG.

Sizes scale with ``items``: ``max(3, items // 50)`` counterparties (~8 % repeat an
earlier ИНН, as branches and duplicates do in real bases), a loyalty card for ~60 %
of them, about two price records per item (retail for every item, a later retail
change, wholesale and purchase prices for some), ``items // 100`` posted receipts,
``items // 20`` sales (~90 % posted, their stock movements written) and a loyalty
operation for each sale made with a card.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from onec_bridge.emulator.demo_config import (
    CARDS_SET,
    COUNTERPARTIES_SET,
    CURRENCIES_SET,
    CURRENCY_CONSTANT,
    LOYALTY_OPERATIONS_SET,
    POINTS_RATE_CONSTANT,
    PRICE_TYPES_SET,
    PRICES_SET,
    RECEIPTS_SET,
    SALES_SET,
    STOCK_SET,
    WAREHOUSES_SET,
)
from onec_bridge.emulator.model import EdmType
from onec_bridge.emulator.posting import stock_records
from onec_bridge.emulator.register_builders import CONSTANT_KEY
from onec_bridge.emulator.storage import BaseStorage
from onec_bridge.emulator.values import new_uuid1
from onec_bridge.mapping.onec_values import EDM_NAMESPACE, EMPTY_GUID, UNDEFINED_TYPE

__all__ = ["POINTS_PERCENT", "generate_trade_data"]

POINTS_PERCENT = 5.0
_CURRENCIES = (("643", "руб.", "Российский рубль"), ("840", "USD", "Доллар США"))
_PRICE_TYPES = ("Розничная", "Оптовая", "Закупочная")
_WAREHOUSES = (("Основной склад", "Москва"), ("Магазин на Ленина", "Тверь"), ('Склад "Север"', ""))
_FORMS = ('ООО "{}"', 'АО "{}"', "ИП {}", "{}")
_NAMES = ("Ромашка", "Вектор", "Д'Артаньян и партнёры", "Север", "Альфа", "Торговый дом", "Исток")


@dataclass(frozen=True, slots=True)
class _Refs:
    items: list[tuple[str, float]]
    price_types: list[str]
    warehouses: list[str]
    counterparties: list[str]
    cards: dict[str, str]


def _date(rng: random.Random, first_month: int, last_month: int) -> str:
    return (
        f"2024-{rng.randint(first_month, last_month):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    )


def _catalog_rows(rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    return (
        [new_uuid1(rng) for _ in _CURRENCIES],
        [new_uuid1(rng) for _ in _PRICE_TYPES],
        [new_uuid1(rng) for _ in _WAREHOUSES],
    )


def _insert_catalogs(base: BaseStorage, rng: random.Random) -> tuple[list[str], list[str]]:
    currencies, price_types, warehouses = _catalog_rows(rng)
    base.insert_objects(
        CURRENCIES_SET,
        [
            {"Ref_Key": ref, "Code": code, "Description": short, "НаименованиеПолное": full}
            for ref, (code, short, full) in zip(currencies, _CURRENCIES, strict=True)
        ],
    )
    base.insert_objects(
        PRICE_TYPES_SET,
        [
            {
                "Ref_Key": ref,
                "Code": f"{number:09d}",
                "Description": name,
                "ВалютаЦены_Key": currencies[0],
                "ЦенаВключаетНДС": int(name != "Закупочная"),
            }
            for number, (ref, name) in enumerate(zip(price_types, _PRICE_TYPES, strict=True), 1)
        ],
    )
    base.insert_objects(
        WAREHOUSES_SET,
        [
            {"Ref_Key": ref, "Code": f"{number:09d}", "Description": name, "Адрес": address}
            for number, (ref, (name, address)) in enumerate(
                zip(warehouses, _WAREHOUSES, strict=True), 1
            )
        ],
    )
    base.insert_objects(CURRENCY_CONSTANT, [{"Ref_Key": CONSTANT_KEY, "Value_Key": currencies[0]}])
    base.insert_objects(POINTS_RATE_CONSTANT, [{"Ref_Key": CONSTANT_KEY, "Value": POINTS_PERCENT}])
    return price_types, warehouses


def _counterparty(rng: random.Random, number: int, earlier: list[dict[str, Any]]) -> dict[str, Any]:
    form = rng.choice(_FORMS)
    person = form.startswith("ИП") or form == "{}"
    inn = f"{rng.randrange(10**11, 10**12)}" if person else f"{rng.randrange(10**9, 10**10)}"
    kpp = "" if person else f"{rng.randrange(10**8, 10**9)}"
    if earlier and rng.random() < 0.08:  # a duplicated ИНН: a branch or a double entry
        twin = rng.choice(earlier)
        inn, person = twin["ИНН"], twin["ВидКонтрагента"] != "ЮридическоеЛицо"
        kpp = "" if person else f"{rng.randrange(10**8, 10**9)}"
    name = form.format(f"{rng.choice(_NAMES)} {number}")
    return {
        "Ref_Key": new_uuid1(rng),
        "DeletionMark": int(rng.random() < 0.02),
        "Code": f"{number:09d}",
        "Description": name,
        "НаименованиеПолное": name,
        "ИНН": inn,
        "КПП": kpp,
        "ВидКонтрагента": "ФизическоеЛицо" if person else "ЮридическоеЛицо",
        "Телефон": "" if rng.random() < 0.3 else f"+7 9{rng.randrange(10**8, 10**9)}",
        "ЭлектроннаяПочта": "" if rng.random() < 0.5 else f"client{number}@example.ru",
    }


def _insert_parties(
    base: BaseStorage, rng: random.Random, count: int
) -> tuple[list[str], dict[str, str]]:
    rows: list[dict[str, Any]] = []
    for number in range(1, count + 1):
        rows.append(_counterparty(rng, number, rows))
    parties = base.insert_objects(COUNTERPARTIES_SET, rows)
    cards: dict[str, str] = {}
    card_rows: list[dict[str, Any]] = []
    for party in parties:
        if rng.random() < 0.6:
            ref = new_uuid1(rng)
            cards[party] = ref
            card_rows.append(
                {
                    "Ref_Key": ref,
                    "Owner_Key": party,
                    "Code": f"{len(card_rows) + 1:09d}",
                    "Description": f"Карта {len(card_rows) + 1}",
                    "ШтрихКод": f"2000{rng.randrange(10**8, 10**9)}",
                    "ДатаВыдачи": _date(rng, 1, 3),
                }
            )
    base.insert_objects(CARDS_SET, card_rows)
    return parties, cards


def _price_rows(rng: random.Random, refs: _Refs) -> list[dict[str, Any]]:
    retail, wholesale, purchase = refs.price_types
    rows = []
    for item, price in refs.items:
        rows.append(
            {
                "Period": "2024-01-01T00:00:00",
                "Номенклатура_Key": item,
                "ВидЦены_Key": retail,
                "Цена": price,
            }
        )
        if rng.random() < 0.3:
            rows.append(
                {
                    "Period": "2024-06-01T00:00:00",
                    "Номенклатура_Key": item,
                    "ВидЦены_Key": retail,
                    "Цена": round(price * rng.uniform(1.05, 1.15), 2),
                }
            )
        if rng.random() < 0.5:
            rows.append(
                {
                    "Period": "2024-01-01T00:00:00",
                    "Номенклатура_Key": item,
                    "ВидЦены_Key": wholesale,
                    "Цена": round(price * 0.85, 2),
                }
            )
        if rng.random() < 0.3:
            rows.append(
                {
                    "Period": "2024-01-01T00:00:00",
                    "Номенклатура_Key": item,
                    "ВидЦены_Key": purchase,
                    "Цена": round(price * 0.6, 2),
                }
            )
    return rows


@dataclass
class _Documents:
    """Rows collected for one bulk insert per table."""

    set_name: str
    prefix: str
    headers: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    movements: list[dict[str, Any]]

    def add(
        self, rng: random.Random, header: dict[str, Any], goods: Sequence[tuple[str, float, float]]
    ) -> str:
        ref = new_uuid1(rng)
        total = 0.0
        for number, (item, quantity, price) in enumerate(goods, start=1):
            amount = round(quantity * price, 2)
            total += amount
            self.lines.append(
                {
                    "Ref_Key": ref,
                    "LineNumber": number,
                    "Номенклатура_Key": item,
                    "Количество": quantity,
                    "Цена": price,
                    "Сумма": amount,
                }
            )
        number_text = f"{self.prefix}{len(self.headers) + 1:08d}"
        self.headers.append(
            {"Ref_Key": ref, "Number": number_text, **header, "СуммаДокумента": round(total, 2)}
        )
        if header.get("Posted"):
            pairs = [(item, quantity) for item, quantity, _ in goods]
            self.movements += stock_records(
                self.set_name, ref, header["Date"], header["Склад_Key"], pairs
            )
        return ref

    def insert(self, base: BaseStorage) -> None:
        base.insert_objects(self.set_name, self.headers)
        base.replace_rows(f"{self.set_name}_Товары", {}, self.lines)
        base.insert_objects(STOCK_SET, self.movements)


def _receipts(base: BaseStorage, rng: random.Random, refs: _Refs, count: int) -> list[str]:
    """Posted receipts of early 2024; returns the items received (what sales then sell)."""
    documents = _Documents(RECEIPTS_SET, "ПТ-", [], [], [])
    received: list[str] = []
    for _ in range(count):
        picked = rng.sample(refs.items, min(len(refs.items), rng.randint(5, 15)))
        goods = [
            (item, float(rng.randint(10, 200)), round(price * 0.6, 2)) for item, price in picked
        ]
        received += [item for item, _, _ in goods]
        header = {
            "Date": _date(rng, 1, 3),
            "Posted": 1,
            "Склад_Key": rng.choice(refs.warehouses),
            "Контрагент_Key": rng.choice(refs.counterparties),
        }
        documents.add(rng, header, goods)
    documents.insert(base)
    return received


def _loyalty_row(rng: random.Random, number: int, sale: dict[str, Any]) -> dict[str, Any]:
    spend = number % 10 == 0
    amount = sale["СуммаДокумента"]
    return {
        "Ref_Key": new_uuid1(rng),
        "Number": f"ЛО-{number:08d}",
        "Date": sale["Date"],
        "Posted": 1,
        "ВидОперации": "Списание" if spend else "Начисление",
        "Контрагент_Key": sale["Контрагент_Key"],
        "КартаЛояльности_Key": sale["КартаЛояльности_Key"],
        "ДокументПродажи_Key": sale["Ref_Key"],
        "Сумма": amount,
        "Баллы": round(amount * POINTS_PERCENT / 100 * (-1 if spend else 1), 2),
        "ИдентификаторТранзакции": f"demo-{number:06d}",
        **_basis(number, sale),
    }


def _basis(number: int, sale: dict[str, Any]) -> dict[str, str]:
    """The composite ``Основание``: no RNG draws, so the rest of the data stays as it was."""
    if number % 10 == 0:  # a write-off: no basis
        return {"Основание": "", "Основание_Type": UNDEFINED_TYPE}
    if number % 9 == 0:  # a manual accrual: the percent, a number
        return {"Основание": f"{POINTS_PERCENT:g}", "Основание_Type": EdmType.DOUBLE.value}
    if number % 7 == 0:
        card = sale["КартаЛояльности_Key"]
        return {"Основание": card, "Основание_Type": f"{EDM_NAMESPACE}.{CARDS_SET}"}
    return {"Основание": sale["Ref_Key"], "Основание_Type": f"{EDM_NAMESPACE}.{SALES_SET}"}


def _sales(base: BaseStorage, rng: random.Random, refs: _Refs, count: int, sold: list[str]) -> None:
    """Sales of April–December 2024 (~90 % posted) and the loyalty operations of card sales."""
    documents = _Documents(SALES_SET, "РТ-", [], [], [])
    prices = dict(refs.items)
    for _ in range(count):
        picked = {rng.choice(sold) for _ in range(rng.randint(1, 5))}
        goods = [(item, float(rng.randint(1, 10)), prices[item]) for item in sorted(picked)]
        party = rng.choice(refs.counterparties)
        card = refs.cards.get(party, EMPTY_GUID) if rng.random() < 0.7 else EMPTY_GUID
        marked = rng.random() < 0.03
        header = {
            "Date": _date(rng, 4, 12),
            "DeletionMark": int(marked),
            "Posted": int(not marked and rng.random() < 0.93),
            "Склад_Key": rng.choice(refs.warehouses),
            "Контрагент_Key": party,
            "ВидЦены_Key": refs.price_types[0],
            "КартаЛояльности_Key": card,
        }
        documents.add(rng, header, goods)
    documents.insert(base)
    card_sales = [
        h for h in documents.headers if h["Posted"] and h["КартаЛояльности_Key"] != EMPTY_GUID
    ]
    operations = [_loyalty_row(rng, n, sale) for n, sale in enumerate(card_sales, start=1)]
    base.insert_objects(LOYALTY_OPERATIONS_SET, operations)


def generate_trade_data(base: BaseStorage, items: list[tuple[str, float]], seed: int) -> None:
    """Fill the trade + loyalty sets; ``items`` = ``(Ref_Key, ЦенаПродажи)`` of the elements."""
    rng = random.Random(f"trade:{seed}")
    price_types, warehouses = _insert_catalogs(base, rng)
    parties, cards = _insert_parties(base, rng, max(3, len(items) // 50))
    refs = _Refs(items, price_types, warehouses, parties, cards)
    base.insert_objects(PRICES_SET, _price_rows(rng, refs))
    if not items:
        return
    sold = _receipts(base, rng, refs, max(1, len(items) // 100))
    _sales(base, rng, refs, max(1, len(items) // 20), sold)
