"""Deterministic demo data: units and a hierarchical item catalog with 1C's rough edges.

The trade + loyalty sets (prices, stock, counterparties, documents) come after the
items from their own RNG (``demo_trade``), so the items stay identical per seed.

Same ``items`` and ``seed`` give the same base, byte for byte: GUIDs come from a
seeded generator, never from the clock. Rough edges on purpose: ~2 % folders,
~15 % of items at the top level (empty ``Parent_Key``), ~3 % deletion marks, empty
dates, empty enums, empty unit references, quotes and apostrophes in names.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

from onec_bridge.emulator.demo_config import ITEMS_SET, UNITS_SET
from onec_bridge.emulator.demo_trade import generate_trade_data
from onec_bridge.emulator.storage import BaseMismatchError, BaseStorage
from onec_bridge.emulator.values import new_uuid1, pad_fixed
from onec_bridge.mapping.onec_values import EMPTY_DATE, EMPTY_GUID

__all__ = ["CODE_PREFIX", "generate_demo_data", "insert_demo_items", "modify_demo_items"]

CODE_PREFIX = "00-"
_CHUNK = 20_000
_UNITS = (
    ("796", "шт", "Штука", 1),
    ("166", "кг", "Килограмм", 1),
    ("112", "л", "Литр", 1),
    ("006", "м", "Метр", 1),
    ("778", "упак", "Упаковка", 10),
    ("163", "г", "Грамм", 1),
)
_NOUNS = (
    "Молоко",
    "Хлеб",
    "Сыр",
    "Кофе",
    "Чай",
    "Сахар",
    "Масло",
    "Йогурт",
    "Сок",
    "Вода",
    "Печенье",
    "Шоколад",
    "Крупа",
    "Макароны",
    "Мука",
    "Конфеты",
    "Кефир",
    "Соус",
)
_BRANDS = (
    '"Вкусно"',
    "Д'Артаньян",
    "Простоквашино",
    "O'Key",
    '"Красная цена"',
    "Деревенское",
    "Ромашка",
    "Гурман",
)
_CATEGORIES = (
    "Бакалея",
    "Молочная продукция",
    "Напитки",
    "Кондитерские изделия",
    "Хлебобулочные изделия",
    "Заморозка",
    "Бытовая химия",
    "Хозтовары",
)
_KIND_WEIGHTS = (("Товар", 85), ("Услуга", 7), ("Набор", 3), ("", 5))


def item_code(number: int) -> str:
    """Codes look like ``00-00000001`` (prefix + zero-padded number, fixed length 11)."""
    return f"{CODE_PREFIX}{number:08d}"


def _unit_rows(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "Ref_Key": new_uuid1(rng),
            "DeletionMark": 0,
            "Code": code,
            "Description": short,
            "НаименованиеПолное": full,
            "Коэффициент": factor,
            "Predefined": 0,
        }
        for code, short, full, factor in _UNITS
    ]


def _folder_rows(rng: random.Random, count: int) -> list[dict[str, Any]]:
    folders: list[dict[str, Any]] = []
    for number in range(1, count + 1):
        nested = folders and rng.random() < 0.6
        parent = rng.choice(folders)["Ref_Key"] if nested else EMPTY_GUID
        category = _CATEGORIES[(number - 1) % len(_CATEGORIES)]
        folders.append(
            {
                "Ref_Key": new_uuid1(rng),
                "DeletionMark": int(rng.random() < 0.03),
                "Parent_Key": parent,
                "IsFolder": 1,
                "Code": item_code(number),
                "Description": f"{category} {number}",
                "ШтрихКод": pad_fixed("", 20),
            }
        )
    return folders


def _item_row(
    rng: random.Random, number: int, folders: list[str], units: list[str]
) -> dict[str, Any]:
    noun, brand = rng.choice(_NOUNS), rng.choice(_BRANDS)
    in_folder = folders and rng.random() < 0.85
    barcode = "" if rng.random() < 0.1 else f"46{rng.randrange(10**10, 10**11)}"
    created = (
        EMPTY_DATE
        if rng.random() < 0.1
        else (
            f"{rng.randint(2015, 2024):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        )
    )
    kind = rng.choices([k for k, _ in _KIND_WEIGHTS], [w for _, w in _KIND_WEIGHTS])[0]
    return {
        "Ref_Key": new_uuid1(rng),
        "DeletionMark": int(rng.random() < 0.03),
        "Parent_Key": rng.choice(folders) if in_folder else EMPTY_GUID,
        "IsFolder": 0,
        "Code": item_code(number),
        "Description": f"{noun} {brand} {number}",
        "Артикул": "" if rng.random() < 0.05 else f"АРТ-{number:07d}",
        "ЕдиницаИзмерения_Key": EMPTY_GUID if rng.random() < 0.01 else rng.choice(units),
        "ЦенаПродажи": round(rng.uniform(10, 10_000), 2),
        "Вес": round(rng.uniform(0.05, 50), 3),
        "СрокГодности": rng.choice((0, 7, 30, 180, 365, 730)),
        "ДатаСоздания": created,
        "ШтрихКод": pad_fixed(barcode, 20),
        "ВидНоменклатуры": kind,
    }


def _item_rows(
    rng: random.Random, first_number: int, count: int, folders: list[str], units: list[str]
) -> Iterator[dict[str, Any]]:
    for number in range(first_number, first_number + count):
        yield _item_row(rng, number, folders, units)


def generate_demo_data(base: BaseStorage, items: int, seed: int) -> None:
    """Fill an empty base; idempotent for the same arguments, an error for other ones."""
    if items < 0:
        raise ValueError(f"items must be >= 0, got {items}")
    wanted = json.dumps({"items": items, "seed": seed})
    existing = base.meta_get("demo_generated")
    if existing == wanted:
        return
    if existing is not None or base.count(ITEMS_SET):
        raise BaseMismatchError(
            f"this base already holds data (generated with {existing or 'other writes'}); "
            f"open a new file or in-memory base to generate items={items}, seed={seed}"
        )
    rng = random.Random(seed)
    units = base.insert_objects(UNITS_SET, _unit_rows(rng))
    folder_rows = _folder_rows(rng, max(1, items // 50) if items else 0)
    folders = base.insert_objects(ITEMS_SET, folder_rows)
    rows = _item_rows(rng, len(folders) + 1, items, folders, units)
    elements: list[tuple[str, float]] = []
    while chunk := [row for _, row in zip(range(_CHUNK), rows, strict=False)]:
        base.insert_objects(ITEMS_SET, chunk)
        elements += [(row["Ref_Key"], row["ЦенаПродажи"]) for row in chunk]
    generate_trade_data(base, elements, seed)
    base.meta_set("demo_generated", wanted)


def _folder_and_unit_refs(base: BaseStorage) -> tuple[list[str], list[str]]:
    folders = [
        r[0] for r in base.query(f'SELECT "Ref_Key" FROM "{ITEMS_SET}" WHERE "IsFolder" = 1')
    ]
    units = [r[0] for r in base.query(f'SELECT "Ref_Key" FROM "{UNITS_SET}"')]
    return folders, units


def insert_demo_items(base: BaseStorage, count: int, seed: int) -> list[str]:
    """Add ``count`` new items with the next codes; returns their ``Ref_Key``s."""
    rng = random.Random(f"insert:{seed}")
    folders, units = _folder_and_unit_refs(base)
    last_code = base.scalar(f'SELECT max("Code") FROM "{ITEMS_SET}"') or item_code(0)
    first = int(str(last_code).removeprefix(CODE_PREFIX)) + 1
    return base.insert_objects(ITEMS_SET, list(_item_rows(rng, first, count, folders, units)))


def modify_demo_items(base: BaseStorage, count: int, seed: int) -> list[str]:
    """Change Description and price of ``count`` distinct existing items (not folders)."""
    rng = random.Random(f"modify:{seed}")
    candidates = [
        row[0]
        for row in base.query(
            f'SELECT "Ref_Key" FROM "{ITEMS_SET}" WHERE "IsFolder" = 0 ORDER BY rowid'
        )
    ]
    if count > len(candidates):
        raise ValueError(f"cannot modify {count} items: the base has {len(candidates)}")
    chosen = rng.sample(candidates, count)
    for ref_key in chosen:
        noun, brand = rng.choice(_NOUNS), rng.choice(_BRANDS)
        changes = {
            "Description": f"{noun} {brand} (изм. {seed})",
            "ЦенаПродажи": round(rng.uniform(10, 10_000), 2),
        }
        base.update_object(ITEMS_SET, ref_key, changes)
    return chosen
