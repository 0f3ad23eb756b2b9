"""Posting documents: ``Posted`` plus the register movements the document writes.

Posting a receipt writes ``Receipt`` records and posting a sale
``Expense`` records into ``AccumulationRegister_ТоварыНаСкладах`` (one per row of
``Товары``, the document as ``Recorder``); posting again rewrites them, unposting
deletes them. Other documents only toggle ``Posted``. The OData actions are in
``document_actions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from onec_bridge.emulator.demo_config import RECEIPTS_SET, SALES_SET, STOCK_SET
from onec_bridge.emulator.register_builders import recorder_type
from onec_bridge.emulator.sql_names import quote
from onec_bridge.emulator.storage import BaseStorage

__all__ = [
    "STOCK_MOVEMENTS",
    "post_document",
    "stock_records",
    "unpost_document",
]

STOCK_MOVEMENTS = {RECEIPTS_SET: "Receipt", SALES_SET: "Expense"}
_GOODS = "Товары"


def stock_records(
    document_set: str,
    ref_key: str,
    date: str,
    warehouse: str,
    lines: Sequence[tuple[str, float]],
) -> list[dict[str, Any]]:
    """Stock register records (storage form) of one document: ``(item, quantity)`` lines."""
    record_type = STOCK_MOVEMENTS[document_set]
    return [
        {
            "Recorder": ref_key,
            "Recorder_Type": recorder_type(document_set),
            "Period": date,
            "LineNumber": number,
            "Active": 1,
            "RecordType": record_type,
            "Номенклатура_Key": item,
            "Склад_Key": warehouse,
            "Количество": quantity,
        }
        for number, (item, quantity) in enumerate(lines, start=1)
    ]


def _movements(base: BaseStorage, document_set: str, ref_key: str) -> list[dict[str, Any]] | None:
    """The document's stock records, or None when it writes no register."""
    if document_set not in STOCK_MOVEMENTS or base.entity_set(STOCK_SET) is None:
        return None
    header = base.get(document_set, ref_key)
    if header is None:
        return None
    lines = base.query(
        f'SELECT "Номенклатура_Key", "Количество" FROM {quote(f"{document_set}_{_GOODS}")} '
        'WHERE "Ref_Key" = ? ORDER BY "LineNumber"',
        (ref_key,),
    )
    pairs = [(str(item), float(quantity or 0)) for item, quantity in lines]
    return stock_records(document_set, ref_key, header["Date"], header["Склад_Key"], pairs)


def _recorder_match(document_set: str, ref_key: str) -> dict[str, str]:
    return {"Recorder": ref_key, "Recorder_Type": recorder_type(document_set)}


def post_document(base: BaseStorage, document_set: str, ref_key: str) -> None:
    """Write the movements and set ``Posted`` (a new DataVersion); KeyError if missing."""
    ref_key = ref_key.lower()
    if not base.update_object(document_set, ref_key, {"Posted": 1}):
        raise KeyError(f"{document_set}: no document with Ref_Key {ref_key}")
    records = _movements(base, document_set, ref_key)
    if records is not None:
        base.replace_rows(STOCK_SET, _recorder_match(document_set, ref_key), records)


def unpost_document(base: BaseStorage, document_set: str, ref_key: str) -> None:
    """Delete the movements and clear ``Posted``; KeyError if the document is missing."""
    ref_key = ref_key.lower()
    if not base.update_object(document_set, ref_key, {"Posted": 0}):
        raise KeyError(f"{document_set}: no document with Ref_Key {ref_key}")
    if document_set in STOCK_MOVEMENTS and base.entity_set(STOCK_SET) is not None:
        base.replace_rows(STOCK_SET, _recorder_match(document_set, ref_key), [])
