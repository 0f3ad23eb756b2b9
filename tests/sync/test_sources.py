"""Every source kind against the emulated 1C, on SQLite and PostgreSQL: a first load equal
to 1C, then a change and a delete in 1C, and a second run equal again."""

from __future__ import annotations

from typing import Any

import httpx2

from onec_bridge.emulator import EmulatorBase
from onec_bridge.emulator.posting import unpost_document
from onec_bridge.sync.runner import run_sync
from tests.sync.conftest import contract_with
from tests.sync.truth import app_table, assert_table_equals, onec_truth

SALES = "Document_РеализацияТоваровУслуг"
LINES = f"{SALES}_Товары"
PRICES = "InformationRegister_ЦеныНоменклатуры"
STOCK = "AccumulationRegister_ТоварыНаСкладах"
ZERO = "00000000-0000-0000-0000-000000000000"

SALES_ENTITY: dict[str, Any] = {
    "source": {"odata": SALES},
    "keyset": "Date",
    "deletion_flag": "is_deleted",
    "fields": {
        "id": "Ref_Key",
        "number": "Number",
        "date": "Date",
        "posted": "Posted",
        "is_deleted": "DeletionMark",
        "customer_id": "Контрагент_Key",
        "amount": {"from": "СуммаДокумента", "type": "decimal(15,2)"},
    },
}
LINES_ENTITY: dict[str, Any] = {
    "source": {"odata": LINES},
    "key": ["owner_id", "line_number"],
    "deletes": "hard",
    "fields": {
        "owner_id": "Ref_Key",
        "line_number": {"from": "LineNumber", "type": "integer"},
        "product_id": "Номенклатура_Key",
        "quantity": {"from": "Количество", "type": "decimal(15,3)"},
        "price": {"from": "Цена", "type": "decimal(15,2)"},
    },
}


def _table_size(base: EmulatorBase, table: str) -> int:
    return int(base.query(f'SELECT count(*) FROM "{table}"')[0][0])


def _sales(base: EmulatorBase) -> list[str]:
    return [str(row[0]) for row in base.query(f'SELECT "Ref_Key" FROM "{SALES}" ORDER BY rowid')]


async def test_documents_with_posted(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = contract_with(database_url, {"sales": SALES_ENTITY})
    [first] = await run_sync(contract, transport=trade_transport)
    assert first.mode == "full" and first.counts.inserted == onec_base.count(SALES)
    entity = contract.entities["sales"]
    assert_table_equals(
        await onec_truth(trade_transport, entity, SALES), app_table(contract, "sales")
    )
    posted = [ref for ref in _sales(onec_base) if onec_base.get(SALES, ref)["Posted"]]  # type: ignore[index]
    unpost_document(onec_base, SALES, posted[0])
    onec_base.update_object(SALES, posted[1], {"СуммаДокумента": 123.45})
    onec_base.set_deletion_mark(SALES, posted[2], True)
    onec_base.delete_object(SALES, posted[3])

    [second] = await run_sync(contract, transport=trade_transport)

    assert second.mode == "data_version"
    assert (second.counts.updated, second.counts.deleted) == (3, 1)
    actual = app_table(contract, "sales")
    assert actual[(posted[0],)]["posted"] is False
    assert actual[(posted[3],)]["is_deleted"] is True
    truth = await onec_truth(trade_transport, entity, SALES)
    assert_table_equals(truth, actual, flagged={(posted[3],)})


async def test_tabular_section_rows_keyed_by_owner_and_line(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = contract_with(database_url, {"sale_lines": LINES_ENTITY})
    entity = contract.entities["sale_lines"]
    [first] = await run_sync(contract, transport=trade_transport)
    assert first.counts.inserted == _table_size(onec_base, LINES) > 0
    assert_table_equals(
        await onec_truth(trade_transport, entity, LINES), app_table(contract, "sale_lines")
    )
    owners = [
        str(row[0])
        for row in onec_base.query(
            f'SELECT "Ref_Key" FROM "{LINES}" GROUP BY "Ref_Key" HAVING count(*) >= 2 LIMIT 2'
        )
    ]
    changed, removed = owners
    lines = onec_base.query(
        f'SELECT "Номенклатура_Key", "Цена" FROM "{LINES}" WHERE "Ref_Key" = ?', (changed,)
    )
    removed_lines = len(onec_base.query(f'SELECT 1 FROM "{LINES}" WHERE "Ref_Key" = ?', (removed,)))
    line = {
        "Номенклатура_Key": lines[0][0],
        "Количество": 77,
        "Цена": lines[0][1],
        "Сумма": 77 * lines[0][1],
    }
    onec_base.write_section(SALES, changed, "Товары", [line])  # a new DataVersion too
    onec_base.delete_object(SALES, removed)

    [second] = await run_sync(contract, transport=trade_transport)

    assert second.counts.updated == 1
    assert second.counts.deleted == (len(lines) - 1) + removed_lines
    assert_table_equals(
        await onec_truth(trade_transport, entity, LINES), app_table(contract, "sale_lines")
    )


PRICE_FIELDS = {
    "product_id": "Номенклатура_Key",
    "price_type_id": "ВидЦены_Key",
    "price": {"from": "Цена", "type": "decimal(15,2)"},
}


async def test_information_register_full_and_slice_last(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = contract_with(
        database_url,
        {
            "price_history": {
                "source": {"odata": PRICES},
                "keyset": "Period",
                "key": ["period", "product_id", "price_type_id"],
                "deletes": "hard",
                "fields": {"period": "Period", **PRICE_FIELDS},
            },
            "prices": {
                "source": {"odata": f"{PRICES}/SliceLast()"},
                "key": ["product_id", "price_type_id"],
                "deletes": "hard",
                "fields": {"since": "Period", **PRICE_FIELDS},
            },
        },
    )
    history, prices = contract.entities["price_history"], contract.entities["prices"]
    await run_sync(contract, transport=trade_transport)
    assert_table_equals(
        await onec_truth(trade_transport, history, PRICES), app_table(contract, "price_history")
    )
    assert_table_equals(
        await onec_truth(trade_transport, prices, f"{PRICES}/SliceLast"),
        app_table(contract, "prices"),
    )
    records = onec_base.query(
        f'SELECT "Period", "Номенклатура_Key", "ВидЦены_Key", "Цена" FROM "{PRICES}" ORDER BY rowid'
    )
    _, product, kind, _ = records[0]
    onec_base.replace_rows(PRICES, {"Номенклатура_Key": product, "ВидЦены_Key": kind}, [])  # gone
    p2, product2, kind2, _ = records[-1]
    match = {"Period": p2, "Номенклатура_Key": product2, "ВидЦены_Key": kind2}
    onec_base.replace_rows(PRICES, match, [{**match, "Цена": 999.99}])  # changed

    [again_history, again_prices] = await run_sync(contract, transport=trade_transport)

    assert again_history.counts.deleted >= 1 and again_prices.counts.deleted == 1
    assert again_prices.counts.updated == 1
    assert_table_equals(
        await onec_truth(trade_transport, history, PRICES), app_table(contract, "price_history")
    )
    assert_table_equals(
        await onec_truth(trade_transport, prices, f"{PRICES}/SliceLast"),
        app_table(contract, "prices"),
    )
    assert (product, kind) not in app_table(contract, "prices")


async def test_accumulation_register_balance_and_records(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    stock_fields = {"product_id": "Номенклатура_Key", "warehouse_id": "Склад_Key"}
    contract = contract_with(
        database_url,
        {
            "stock": {
                "source": {"odata": f"{STOCK}/Balance()"},
                "key": ["product_id", "warehouse_id"],
                "deletes": "hard",
                "fields": {
                    **stock_fields,
                    "quantity": {"from": "КоличествоBalance", "type": "decimal(15,3)"},
                },
            },
            "movements": {
                "source": {"odata": STOCK},
                "key": ["recorder", "recorder_type", "line_number"],
                "deletes": "hard",
                "fields": {
                    "recorder": {"from": "Recorder", "type": "text"},
                    "recorder_type": {"from": "Recorder_Type", "type": "text"},
                    "line_number": {"from": "LineNumber", "type": "integer"},
                    "period": "Period",
                    "record_type": "RecordType",
                    **stock_fields,
                    "quantity": {"from": "Количество", "type": "decimal(15,3)"},
                },
            },
        },
    )
    stock, movements = contract.entities["stock"], contract.entities["movements"]
    await run_sync(contract, transport=trade_transport)
    assert_table_equals(
        await onec_truth(trade_transport, stock, f"{STOCK}/Balance"), app_table(contract, "stock")
    )
    assert_table_equals(
        await onec_truth(trade_transport, movements, STOCK), app_table(contract, "movements")
    )
    sale = next(ref for ref in _sales(onec_base) if onec_base.get(SALES, ref)["Posted"])  # type: ignore[index]
    records_before = len(app_table(contract, "movements"))
    unpost_document(onec_base, SALES, sale)  # its movements disappear, balances change

    [again_stock, again_movements] = await run_sync(contract, transport=trade_transport)

    assert again_movements.counts.deleted == records_before - onec_base.count(STOCK) > 0
    assert again_stock.counts.updated + again_stock.counts.inserted + again_stock.counts.deleted > 0
    assert_table_equals(
        await onec_truth(trade_transport, stock, f"{STOCK}/Balance"), app_table(contract, "stock")
    )
    assert_table_equals(
        await onec_truth(trade_transport, movements, STOCK), app_table(contract, "movements")
    )


async def test_constant_is_one_row(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    constant = "Constant_ОсновнаяВалюта"
    contract = contract_with(
        database_url,
        {
            "currency": {
                "source": {"odata": constant},
                "fields": {"id": {"from": "Ref_Key", "type": "text"}, "value_id": "Value_Key"},
            }
        },
    )
    await run_sync(contract, transport=trade_transport)
    [[usd]] = onec_base.query('SELECT "Ref_Key" FROM "Catalog_Валюты" ORDER BY rowid DESC LIMIT 1')
    onec_base.replace_rows(constant, {"Ref_Key": ZERO}, [{"Ref_Key": ZERO, "Value_Key": usd}])
    [again] = await run_sync(contract, transport=trade_transport)
    assert (again.counts.read, again.counts.updated) == (1, 1)
    assert app_table(contract, "currency") == {(ZERO,): {"id": ZERO, "value_id": usd}}


async def test_http_service_list(
    database_url: str, onec_base: EmulatorBase, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    items = "Catalog_Номенклатура"
    contract = contract_with(
        database_url,
        {
            "site_products": {
                "source": {"http_service": "GET /loyalty/products", "paging": {"size": 100}},
                "deletes": "hard",
                "fields": {
                    "id": "Ref_Key",
                    "name": "Description",
                    "code": "Code",
                    "is_deleted": "DeletionMark",
                },
            }
        },
    )
    entity = contract.entities["site_products"]
    [first] = await run_sync(contract, transport=trade_transport)
    assert first.counts.inserted == onec_base.count(items) > 100  # several pages
    assert_table_equals(
        await onec_truth(trade_transport, entity, items), app_table(contract, "site_products")
    )
    edited = onec_base.modify_items(5, seed=11)
    onec_base.delete_object(items, edited[0])
    [second] = await run_sync(contract, transport=trade_transport)
    assert (second.counts.deleted, second.counts.updated) == (1, 4)
    assert_table_equals(
        await onec_truth(trade_transport, entity, items), app_table(contract, "site_products")
    )


async def test_enum_values_from_metadata(
    database_url: str, trade_transport: httpx2.AsyncBaseTransport
) -> None:
    contract = contract_with(
        database_url,
        {
            "product_kinds": {
                "source": {"enum": "ВидыНоменклатуры"},
                "key": ["name"],
                "fields": {"name": "Name", "position": {"from": "Order", "type": "integer"}},
            }
        },
    )
    await run_sync(contract, transport=trade_transport)
    table = app_table(contract, "product_kinds")
    assert table == {
        (name,): {"name": name, "position": index}
        for index, name in enumerate(["Товар", "Услуга", "Набор"])
    }
