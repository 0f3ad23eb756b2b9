"""Import, at start-up, what httpx2 and SQLAlchemy would import lazily inside the first run.

httpx2 imports httpcore2 when the first client is made (~25 ms), anyio loads its
asyncio backend on the first request (~15 ms), and SQLAlchemy loads a dialect when
the first engine is made (~10 ms). A process that syncs on a schedule pays that once
either way; calling :func:`preload_dependencies` where the process starts keeps it
out of the first run's duration (and out of a run's timing in the benchmarks).
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError

__all__ = ["preload_dependencies"]

_CLIENT = ("httpcore2", "anyio._backends._asyncio")  # private, where anyio looks


def preload_dependencies(database_url: str = "sqlite://") -> list[str]:
    """Import the lazily loaded dependencies that are installed, and the dialect and
    driver SQLAlchemy resolves ``database_url`` to; returns the modules imported."""
    loaded = []
    for name in _CLIENT:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        loaded.append(name)
    try:
        dialect = sa.engine.make_url(database_url).get_dialect()
        dialect.import_dbapi()
    except (ArgumentError, ImportError):  # reported by the run itself, with its advice
        return loaded
    loaded.append(dialect.__module__)
    return loaded
