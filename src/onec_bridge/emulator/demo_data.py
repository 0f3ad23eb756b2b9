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
from bisect import bisect
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any

from onec_bridge.emulator.demo_config import ITEMS_SET, UNITS_SET
from onec_bridge.emulator.demo_trade import generate_trade_data
from onec_bridge.emulator.storage import BaseMismatchError, BaseStorage
from onec_bridge.emulator.values import new_uuid1, pad_fixed
from onec_bridge.mapping.onec_values import EMPTY_DATE, EMPTY_GUID

__all__ = ["CODE_PREFIX", "generate_demo_data", "insert_demo_items", "modify_demo_items"]

CODE_PREFIX = "00-"
_CHUNK = 100_000
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


_KINDS = tuple(kind for kind, _ in _KIND_WEIGHTS)
_KIND_CUMULATIVE = tuple(accumulate(weight for _, weight in _KIND_WEIGHTS))
_SHELF_LIVES = (0, 7, 30, 180, 365, 730)


def _item_rows(
    rng: random.Random, first_number: int, count: int, folders: list[str], units: list[str]
) -> Iterator[dict[str, Any]]:
    """Item rows. The draws are those of ``rng.choice``/``randint``/``uniform``/``choices``
    spelled out on ``_randbelow`` and ``random`` (the same stream, so the same data for a
    seed, in a third of the time): generation speed is what lets a 1M base start fast."""
    below: Callable[[int], int] = rng._randbelow  # type: ignore[attr-defined]
    draw = rng.random
    kind_total = _KIND_CUMULATIVE[-1] + 0.0
    for number in range(first_number, first_number + count):
        noun, brand = _NOUNS[below(len(_NOUNS))], _BRANDS[below(len(_BRANDS))]
        in_folder = folders and draw() < 0.85
        barcode = "" if draw() < 0.1 else f"46{10**10 + below(9 * 10**10)}"
        created = (
            EMPTY_DATE
            if draw() < 0.1
            else f"{2015 + below(10):04d}-{1 + below(12):02d}-{1 + below(28):02d}"
            f"T{below(24):02d}:{below(60):02d}:{below(60):02d}"
        )
        kind = _KINDS[bisect(_KIND_CUMULATIVE, draw() * kind_total, 0, len(_KINDS) - 1)]
        yield {
            "Ref_Key": new_uuid1(rng),
            "DeletionMark": int(draw() < 0.03),
            "Parent_Key": folders[below(len(folders))] if in_folder else EMPTY_GUID,
            "IsFolder": 0,
            "Code": item_code(number),
            "Description": f"{noun} {brand} {number}",
            "Артикул": "" if draw() < 0.05 else f"АРТ-{number:07d}",
            "ЕдиницаИзмерения_Key": EMPTY_GUID if draw() < 0.01 else units[below(len(units))],
            "ЦенаПродажи": round(10 + (10_000 - 10) * draw(), 2),
            "Вес": round(0.05 + (50 - 0.05) * draw(), 3),
            "СрокГодности": _SHELF_LIVES[below(len(_SHELF_LIVES))],
            "ДатаСоздания": created,
            "ШтрихКод": barcode.ljust(20),
            "ВидНоменклатуры": kind,
        }


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
    with base.bulk_load():
        _generate(base, items, seed)
    base.meta_set("demo_generated", wanted)


def _generate(base: BaseStorage, items: int, seed: int) -> None:
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
