"""Baseline (a): the loop popular guides show — ``requests`` without a session,
``$top=100&$skip=k``, one INSERT per row, a commit per page."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import psycopg
import requests

from bench.auth import auth_header

__all__ = ["FIELDS", "naive_sync"]

SET = "Catalog_Номенклатура"
FIELDS = (
    "Ref_Key", "Code", "Description", "Артикул", "IsFolder", "Parent_Key",
    "ЕдиницаИзмерения_Key", "ЦенаПродажи", "Вес", "СрокГодности", "ДатаСоздания",
    "ШтрихКод", "ВидНоменклатуры", "DeletionMark",
)  # fmt: skip
COLUMNS = (
    "id", "code", "name", "sku", "is_group", "parent_id", "unit_id", "price", "weight",
    "shelf_life_days", "created_at", "barcode", "kind", "is_deleted",
)  # fmt: skip
_DDL = (
    "CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, code TEXT, name TEXT, sku TEXT,"
    " is_group BOOLEAN, parent_id TEXT, unit_id TEXT, price NUMERIC(15,2), weight NUMERIC(15,3),"
    " shelf_life_days BIGINT, created_at TIMESTAMP, barcode TEXT, kind TEXT, is_deleted BOOLEAN)"
)


def _insert_sql(mark: str) -> str:
    marks = ", ".join(mark for _ in COLUMNS)
    updates = ", ".join(f"{name} = excluded.{name}" for name in COLUMNS[1:])
    return (
        f"INSERT INTO products ({', '.join(COLUMNS)}) VALUES ({marks}) "
        f"ON CONFLICT (id) DO UPDATE SET {updates}"
    )


def naive_sync(odata_url: str, database_url: str, page: int = 100) -> tuple[float, int]:
    """Seconds and rows of one naive full sync into ``database_url`` (SQLite or PostgreSQL)."""
    if database_url.startswith("sqlite:///"):
        conn: Any = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        sql = _insert_sql("?")
    else:
        conn = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"))
        sql = _insert_sql("%s")
    conn.execute(_DDL)
    conn.commit()
    headers = auth_header()
    started = time.perf_counter()
    skip = rows_total = 0
    while True:
        url = f"{odata_url}/{SET}?$format=json&$orderby=Code&$top={page}&$skip={skip}"
        response = requests.get(url, headers=headers, timeout=60)
        response.raise_for_status()
        rows = response.json()["value"]
        cursor = conn.cursor()
        for row in rows:
            values = [row.get(name) for name in FIELDS]
            values[10] = None if str(values[10]).startswith("0001") else values[10]
            cursor.execute(sql, values)
        conn.commit()
        rows_total += len(rows)
        if len(rows) < page:
            break
        skip += page
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, rows_total
