"""Baseline (b): dlt's ``rest_api`` source with merge into the same database.

dlt's ``http_basic`` auth goes through requests, which encodes the user name as
latin-1 and cannot send 1C's Cyrillic ``Администратор``; the header is given as
a UTF-8 ``Authorization`` instead, as a dlt user would. Destination: dlt's
``sqlalchemy`` destination (merge = delete-insert) on both SQLite and PostgreSQL —
dlt's own ``postgres`` destination needs psycopg2, which onec-bridge does not use.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

from bench.auth import auth_header
from bench.naive import FIELDS, SET

__all__ = ["dlt_sync"]


def dlt_sync(odata_url: str, database_url: str, label: str) -> tuple[float, int]:
    import dlt
    from dlt.sources.rest_api import rest_api_source

    config: Any = {
        "client": {
            "base_url": odata_url + "/",
            "headers": auth_header(),
        },
        "resource_defaults": {"write_disposition": "merge", "primary_key": "Ref_Key"},
        "resources": [
            {
                "name": "products",
                "endpoint": {
                    "path": SET,
                    "params": {
                        "$format": "json",
                        "$orderby": "Code",
                        "$select": ",".join(FIELDS),
                    },
                    "data_selector": "value",
                    "paginator": {
                        "type": "offset",
                        "limit": 1000,
                        "offset_param": "$skip",
                        "limit_param": "$top",
                        "total_path": None,
                        "stop_after_empty_page": True,
                    },
                },
            }
        ],
    }
    pipeline = dlt.pipeline(
        pipeline_name=f"onec_bench_{label}",
        destination=dlt.destinations.sqlalchemy(credentials=database_url),
        dataset_name=f"dlt_{label}" if "postgresql" in database_url else "main",
        pipelines_dir=tempfile.mkdtemp(prefix="onec-bench-dlt-"),
    )
    started = time.perf_counter()
    info = pipeline.run(rest_api_source(config))
    seconds = time.perf_counter() - started
    info.raise_on_failed_jobs()
    trace = pipeline.last_trace
    normalized = trace.last_normalize_info if trace is not None else None
    rows = normalized.row_counts.get("products", 0) if normalized is not None else 0
    return seconds, int(rows)
