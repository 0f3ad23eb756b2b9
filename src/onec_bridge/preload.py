"""Import, at start-up, what httpx2 and SQLAlchemy would import lazily inside the first run.

httpx2 imports httpcore2 when the first client is made (~25 ms), anyio loads its
asyncio backend on the first request (~15 ms), and SQLAlchemy loads a dialect when
the first engine is made (~10 ms). A process that syncs on a schedule pays that once
either way; calling :func:`preload_dependencies` where the process starts keeps it
out of the first run's duration (and out of a run's timing in the benchmarks).
"""

from __future__ import annotations

import importlib

__all__ = ["preload_dependencies"]

_MODULES = (
    "httpcore2",
    "anyio._backends._asyncio",  # private, but where anyio.get_async_backend() looks
    "sqlalchemy.dialects.sqlite.pysqlite",
    "sqlalchemy.dialects.postgresql.psycopg",
    "psycopg",  # onec-bridge[postgres]: absent otherwise, and skipped
)


def preload_dependencies() -> list[str]:
    """Import the lazily loaded dependencies that are installed; returns those imported."""
    loaded = []
    for name in _MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        loaded.append(name)
    return loaded
