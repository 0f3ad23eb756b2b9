"""Import, at start-up, what httpx2 and SQLAlchemy would import lazily inside the first run.

httpx2 imports httpcore2 when the first client is made (~25 ms), anyio loads its
asyncio backend on the first request (~15 ms), and SQLAlchemy loads a dialect when
the first engine is made (~10 ms). The bridge's state tables carry options of both
dialects (``sqlite_with_rowid``, ``postgresql_include``), and SQLAlchemy imports a
dialect to check its options, so the first ``Database()`` would also import the
dialect the URL does not use (~8 ms on PostgreSQL). A process that syncs on a schedule
pays that once either way; calling :func:`preload_dependencies` where the process
starts keeps it out of the first run's duration (and out of a run's timing in the
benchmarks).

It then freezes what start-up made (``gc.freeze``): modules, classes and SQLAlchemy's
structures live until exit, yet every full collection would walk them again — about
100,000 objects, 60–80 ms a collection on the bench machine, and a run's first one came
while the bridge's tables were being built. Frozen, a collection walks only what runs
made: an exchange-plan packet run went from 296 to 202 ms (median of 4, SQLite).
"""

from __future__ import annotations

import gc
import importlib

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError

__all__ = ["preload_dependencies"]

_CLIENT = ("httpcore2", "anyio._backends._asyncio")  # private, where anyio looks
#: dialects whose table options the state tables use (shipped with SQLAlchemy, no driver)
_TABLE_OPTION_DIALECTS = ("sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql")


def preload_dependencies(database_url: str = "sqlite://") -> list[str]:
    """Import the lazily loaded dependencies that are installed, and the dialect and
    driver SQLAlchemy resolves ``database_url`` to, then freeze the start-up objects out
    of the garbage collector's reach; returns the modules imported.

    Call it once, where the process starts (the CLI's ``sync`` does): a frozen object that
    later ends up in a reference cycle is never collected, so freezing again in a process
    that has been running syncs would keep their leftovers for good."""
    try:
        return _import_lazy_modules(database_url)
    finally:
        gc.collect()
        gc.freeze()


def _import_lazy_modules(database_url: str) -> list[str]:
    loaded = []
    for name in (*_CLIENT, *_TABLE_OPTION_DIALECTS):
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
