"""The trade + loyalty demo data: deterministic, realistic rough edges, items unchanged."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx2
import pytest

from onec_bridge.emulator import EmulatorBase, generate_demo_base
from onec_bridge.emulator.demo_config import (
    CARDS_SET,
    COUNTERPARTIES_SET,
    CURRENCIES_SET,
    CURRENCY_CONSTANT,
    ITEMS_SET,
    LOYALTY_OPERATIONS_SET,
    PRICE_TYPES_SET,
    PRICES_SET,
    RECEIPTS_SET,
    SALES_SET,
    STOCK_SET,
    UNITS_SET,
)
from onec_bridge.mapping.onec_values import EMPTY_GUID
from tests.emulator.emulator_helpers import odata_client

TRADE_SETS = (
    COUNTERPARTIES_SET,
    CARDS_SET,
    PRICES_SET,
    STOCK_SET,
    RECEIPTS_SET,
    SALES_SET,
    f"{SALES_SET}_Товары",
    LOYALTY_OPERATIONS_SET,
)


@pytest.fixture(scope="module")
def base() -> EmulatorBase:
    fresh = EmulatorBase.open(None)
    generate_demo_base(fresh, items=1000, seed=1)
    return fresh


@pytest.fixture
async def http(base: EmulatorBase) -> AsyncIterator[httpx2.AsyncClient]:
    async with odata_client(base) as client:
        yield client


def _dump(base: EmulatorBase, table: str) -> list[tuple[object, ...]]:
    return base.query(f'SELECT * FROM "{table}" ORDER BY rowid')


def _digest(base: EmulatorBase, table: str) -> str:
    return hashlib.sha256(repr(_dump(base, table)).encode()).hexdigest()[:16]


def test_items_and_units_are_those_of_the_items_only_generator() -> None:
    fresh = EmulatorBase.open(None)
    generate_demo_base(fresh, items=50, seed=1)
    # Pinned from the generator before the trade sets existed (checked row by row).
    assert _digest(fresh, ITEMS_SET) == "d87a662ef87f5f6c"
    assert _digest(fresh, UNITS_SET) == "1171aed378b10e5a"


def test_trade_sets_are_deterministic_by_seed(base: EmulatorBase) -> None:
    same, other = EmulatorBase.open(None), EmulatorBase.open(None)
    generate_demo_base(same, items=1000, seed=1)
    generate_demo_base(other, items=1000, seed=2)
    for table in TRADE_SETS:
        assert _dump(same, table) == _dump(base, table), table
    assert _dump(other, COUNTERPARTIES_SET) != _dump(base, COUNTERPARTIES_SET)


def test_sizes_scale_with_items_and_inn_repeats(base: EmulatorBase) -> None:
    assert base.count(SALES_SET) == 1000 // 20
    assert base.count(RECEIPTS_SET) == 1000 // 100
    assert base.count(COUNTERPARTIES_SET) == max(3, 1000 // 50)
    assert base.count(PRICES_SET) >= 1000
    bigger = EmulatorBase.open(None)
    generate_demo_base(bigger, items=3000, seed=1)
    repeated = bigger.query(
        f'SELECT "ИНН" FROM "{COUNTERPARTIES_SET}" GROUP BY "ИНН" HAVING count(*) > 1'
    )
    assert repeated  # duplicated ИНН, as in real bases


def test_posted_sales_have_expense_records_and_unposted_none(base: EmulatorBase) -> None:
    sales = base.query(f'SELECT "Ref_Key", "Posted" FROM "{SALES_SET}"')
    for ref, posted in sales:
        kinds = {
            row[0]
            for row in base.query(
                f'SELECT "RecordType" FROM "{STOCK_SET}" WHERE "Recorder" = ?', (ref,)
            )
        }
        assert kinds == ({"Expense"} if posted else set())
    assert any(not posted for _, posted in sales) and any(posted for _, posted in sales)


async def test_constant_by_empty_guid_key(http: httpx2.AsyncClient, base: EmulatorBase) -> None:
    response = await http.get(f"{CURRENCY_CONSTANT}(guid'{EMPTY_GUID}')?$format=json")
    assert response.status_code == 200
    rub = base.scalar(f'SELECT "Ref_Key" FROM "{CURRENCIES_SET}" WHERE "Code" = \'643\'')
    assert response.json()["Value_Key"] == rub


async def test_price_record_by_period_and_dimensions(
    http: httpx2.AsyncClient, base: EmulatorBase
) -> None:
    item, kind, price = base.query(
        f'SELECT "Номенклатура_Key", "ВидЦены_Key", "Цена" FROM "{PRICES_SET}" ORDER BY rowid'
    )[0]
    key = (
        f"Period=datetime'2024-01-01T00:00:00', "
        f"Номенклатура_Key=guid'{item}', ВидЦены_Key=guid'{kind}'"
    )
    record = (await http.get(f"{PRICES_SET}({key})?$format=json")).json()
    assert record["Цена"] == price
    retail = base.scalar(
        f'SELECT "Ref_Key" FROM "{PRICE_TYPES_SET}" WHERE "Description" = ?', ("Розничная",)
    )
    assert kind == retail
