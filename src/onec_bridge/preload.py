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

_CLIENT = ("httpcore2", "anyio._backends._asyncio")  # private, where anyio looks
_DIALECTS = {
    "sqlite": ("sqlalchemy.dialects.sqlite.pysqlite",),
    # psycopg comes with onec-bridge[postgres]: absent otherwise, and skipped
    "postgresql": ("sqlalchemy.dialects.postgresql.psycopg", "psycopg"),
}


def preload_dependencies(database_url: str = "sqlite://") -> list[str]:
    """Import the lazily loaded dependencies that are installed, with the dialect of
    ``database_url`` only; returns those imported."""
    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    loaded = []
    for name in (*_CLIENT, *_DIALECTS.get(backend, ())):
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        loaded.append(name)
    return loaded
