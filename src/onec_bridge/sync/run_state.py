"""Run records, checkpoints and per-row versions: the bridge state of one entity.

Every method takes a connection, so the caller decides the transaction; a page
of rows and the checkpoint covering it always share one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from onec_bridge.mapping.row_mapper import RejectedRow
from onec_bridge.store.state import StateTables
from onec_bridge.store.upsert import bulk_upsert
from onec_bridge.sync.counts import RunCounts

__all__ = ["ListedChange", "RunState", "StoredVersion"]

_IN_CHUNK = 500
#: SQLite host parameters per lookup at most (its limit is 32,766 since 3.32; 999 before)
_SQLITE_IN_CHUNK = 10_000
#: listed rows per SQLite comparison query: preparing a statement of 10,000 ``VALUES``
#: rows cost a run's first page 16–50 ms, and 1,000-row statements also run faster
#: (eleven 10,000-key pages: 172 ms against 196 ms, and 241 ms for ``IN`` lookups)
_SQLITE_COMPARE_ROWS = 1_000
_VERSION_COLUMNS = ("entity", "row_key", "version", "deleted")
#: joins a page's keys (and versions) into one text parameter that PostgreSQL splits: a
#: 10,000-element list bound as ``text[]`` costs the driver ~15 ms of CPU per page, the
#: joined text ~1 ms. A control character no GUID, code or JSON key text contains raw;
#: a page where one does is compared the other way.
_SEPARATOR = "\x1f"


#: ``(version, deleted)`` of a stored row (a plain tuple: one is made per listed row)
StoredVersion = tuple[str | None, bool]
#: a listed row whose stored version differs: ``(index in the page, stored at all, marked
#: deleted)``
ListedChange = tuple[int, bool, bool]


@dataclass
class OpenRun:
    run_id: int
    cursor: Any
    counts: RunCounts
    resumed: bool
    #: the run's mode: the one asked for, or, resumed, the one it was started in
    mode: str


class RunState:
    def __init__(self, tables: StateTables, entity: str) -> None:
        self.tables = tables
        self.entity = entity

    def open_run(self, conn: Connection, mode: str, correlation_id: str) -> OpenRun:
        """Resume the entity's interrupted run from its checkpoint, or start a new one."""
        runs, checkpoints = self.tables.runs, self.tables.checkpoints
        checkpoint = (
            conn.execute(sa.select(checkpoints).where(checkpoints.c.entity == self.entity))
            .mappings()
            .first()
        )
        now = datetime.now(UTC)
        if checkpoint is not None:
            run = (
                conn.execute(sa.select(runs).where(runs.c.id == checkpoint["run_id"]))
                .mappings()
                .one()
            )
            conn.execute(
                runs.update()
                .where(runs.c.id == run["id"])
                .values(status="running", correlation_id=correlation_id, error=None)
            )
            counts = RunCounts.from_columns(dict(run))
            return OpenRun(run["id"], checkpoint["cursor"], counts, True, str(run["mode"]))
        conn.execute(
            runs.update()
            .where(runs.c.entity == self.entity, runs.c.status == "running")
            .values(status="abandoned", finished_at=now)
        )
        primary_key = conn.execute(
            runs.insert().values(
                correlation_id=correlation_id,
                entity=self.entity,
                mode=mode,
                status="running",
                started_at=now,
                **RunCounts().as_columns(),
            )
        ).inserted_primary_key
        assert primary_key is not None
        run_id = int(primary_key[0])
        conn.execute(
            checkpoints.insert().values(
                entity=self.entity, run_id=run_id, cursor=None, updated_at=now
            )
        )
        return OpenRun(run_id, None, RunCounts(), False, mode)

    def stored_versions(self, conn: Connection, keys: Sequence[str]) -> dict[str, StoredVersion]:
        """Stored version and deleted flag of each of ``keys`` that has one."""
        return {key: (version, bool(deleted)) for key, version, deleted in self._lookup(conn, keys)}

    def versions_and_deleted(
        self, conn: Connection, keys: Sequence[str]
    ) -> tuple[dict[str, str | None], set[str]]:
        """What ``stored_versions`` tells, shaped for classifying a listing page: the stored
        version of each of ``keys`` that has one, and which of them are marked deleted (no
        tuple made per row: this runs for every listed row)."""
        rows = self._lookup(conn, keys)
        versions = {key: version for key, version, _ in rows}
        return versions, {key for key, _, deleted in rows if deleted}

    def listing_changes(
        self, conn: Connection, keys: Sequence[str], versions: Sequence[str]
    ) -> list[ListedChange]:
        """The listed rows whose stored version is not ``versions[i]`` (a key not stored,
        a stored None, a different version), in page order. The database compares and
        sends back only these, not a stored version for every listed row (most of a page
        is unchanged)."""
        if conn.dialect.name == "postgresql":
            changes = self._compare_in_postgres(conn, keys, versions)
            if changes is not None:
                return changes
            return self._compare_here(conn, keys, versions)
        return self._compare_in_sqlite(conn, keys, versions)

    def _compare_here(
        self, conn: Connection, keys: Sequence[str], versions: Sequence[str]
    ) -> list[ListedChange]:
        """``listing_changes`` from the stored versions of every listed key."""
        stored, deleted = self.versions_and_deleted(conn, keys)
        known, absent = stored.get, object()  # a key not stored equals no version
        return [
            (index, key in stored, key in deleted)
            for index, (key, version) in enumerate(zip(keys, versions, strict=True))
            if known(key, absent) != version
        ]

    def _compare_in_sqlite(
        self, conn: Connection, keys: Sequence[str], versions: Sequence[str]
    ) -> list[ListedChange]:
        """``listing_changes`` as SQLite queries: the page bound as ``VALUES`` rows joined
        to the row versions (faster than an ``IN`` lookup whose every row comes back)."""
        table = self.tables.row_versions
        name = conn.dialect.identifier_preparer.format_table(table)
        size = min(_SQLITE_COMPARE_ROWS, _sqlite_in_chunk(conn, per_row=3))
        changes: list[ListedChange] = []
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            for start in range(0, len(keys), size):
                end = min(start + size, len(keys))
                listed = zip(range(start, end), keys[start:end], versions[start:end], strict=True)
                rows = ",".join(["(?,?,?)"] * (end - start))
                cursor.execute(
                    f"WITH listed(i, row_key, version) AS (VALUES {rows})"
                    " SELECT listed.i, stored.row_key IS NOT NULL, coalesce(stored.deleted, 0)"
                    f" FROM listed LEFT JOIN {name} AS stored"
                    " ON stored.entity = ? AND stored.row_key = listed.row_key"
                    " WHERE stored.version IS NOT listed.version ORDER BY listed.i",
                    (*chain.from_iterable(listed), self.entity),
                )
                changes.extend((i, bool(found), bool(flag)) for i, found, flag in cursor.fetchall())
        finally:
            cursor.close()
        return changes

    def _compare_in_postgres(
        self, conn: Connection, keys: Sequence[str], versions: Sequence[str]
    ) -> list[ListedChange] | None:
        """``listing_changes`` as one PostgreSQL query, or None when a key or version holds
        the separator (or the page is one empty key, which splits into nothing)."""
        if not keys:
            return []
        keys_text, versions_text = _SEPARATOR.join(keys), _SEPARATOR.join(versions)
        splits = len(keys) - 1
        if not keys_text or keys_text.count(_SEPARATOR) != splits:
            return None
        if versions_text.count(_SEPARATOR) != splits:
            return None
        table = self.tables.row_versions
        name = conn.dialect.identifier_preparer.format_table(table)
        # OFFSET 0 keeps the lateral lookup a probe of the key's index per listed row; as
        # a plain join the planner hashes every stored row of the entity for each page
        query = (
            "SELECT listed.i - 1, stored.found IS NOT NULL, coalesce(stored.deleted, false)"
            " FROM unnest(string_to_array(%s, %s), string_to_array(%s, %s))"
            " WITH ORDINALITY AS listed(row_key, version, i)"
            " LEFT JOIN LATERAL (SELECT true AS found, version, deleted"
            f" FROM {name} WHERE entity = %s AND row_key = listed.row_key OFFSET 0) stored"
            " ON true"
            " WHERE stored.version IS DISTINCT FROM listed.version"  # a listed one is never null
            " ORDER BY listed.i"
        )
        params = (keys_text, _SEPARATOR, versions_text, _SEPARATOR, self.entity)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(query, params)
            return [(int(i), bool(found), bool(flag)) for i, found, flag in cursor.fetchall()]
        finally:
            cursor.close()

    def _lookup(self, conn: Connection, keys: Sequence[str]) -> list[tuple[str, str | None, Any]]:
        """``(row_key, version, deleted)`` of the stored ones among ``keys``. Runs once per
        listing page, so it goes to the driver's cursor (SQLAlchemy's row machinery costs
        more than the lookup): PostgreSQL gets one ``= ANY(array)`` for the page, SQLite
        ``IN`` lists as long as it allows."""
        table = self.tables.row_versions
        name = conn.dialect.identifier_preparer.format_table(table)
        head = f"SELECT row_key, version, deleted FROM {name} WHERE entity = "
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if conn.dialect.name == "postgresql":
                cursor.execute(head + "%s AND row_key = ANY(%s::text[])", (self.entity, keys))
                return list(cursor.fetchall())
            rows: list[tuple[str, str | None, Any]] = []
            size = _sqlite_in_chunk(conn, per_row=1)
            for start in range(0, len(keys), size):
                chunk = keys[start : start + size]
                marks = ",".join("?" * len(chunk))
                cursor.execute(f"{head}? AND row_key IN ({marks})", (self.entity, *chunk))
                rows.extend(cursor.fetchall())
            return rows
        finally:
            cursor.close()

    def record_versions(
        self,
        conn: Connection,
        versions: Iterable[tuple[str, str | None, bool]],
        *,
        likely_new: bool = False,
    ) -> None:
        """Upsert ``(key, version, deleted)`` of the entity, one statement (``likely_new``:
        see ``BulkUpsert.execute``). One entry per key, best in key order (the index is
        hit sequentially): the callers' batches already are."""
        upsert = bulk_upsert(self.tables.row_versions, conn.dialect)
        assert upsert.columns == _VERSION_COLUMNS, upsert.columns
        entity = self.entity
        # bound by hand: Boolean is 0/1 on SQLite, as its bind processor makes it
        flag: Any = int if conn.dialect.name == "sqlite" else bool
        rows = [(entity, key, version, flag(deleted)) for key, version, deleted in versions]
        upsert.execute(conn, rows, bound=True, likely_new=likely_new)

    def forget(self, conn: Connection, keys: Sequence[str]) -> None:
        table = self.tables.row_versions
        for start in range(0, len(keys), _IN_CHUNK):
            conn.execute(
                table.delete().where(
                    table.c.entity == self.entity,
                    table.c.row_key.in_(keys[start : start + _IN_CHUNK]),
                )
            )

    def has_versions(self, conn: Connection) -> bool:
        table = self.tables.row_versions
        query = sa.select(table.c.row_key).where(table.c.entity == self.entity).limit(1)
        return conn.execute(query).first() is not None

    def save_checkpoint(
        self, conn: Connection, run_id: int, cursor: Any, counts: RunCounts
    ) -> None:
        now = datetime.now(UTC)
        checkpoints, runs = self.tables.checkpoints, self.tables.runs
        conn.execute(
            checkpoints.update()
            .where(checkpoints.c.entity == self.entity)
            .values(cursor=cursor, run_id=run_id, updated_at=now)
        )
        conn.execute(runs.update().where(runs.c.id == run_id).values(**counts.as_columns()))

    def dead_letter(self, conn: Connection, run_id: int, rejected: Sequence[RejectedRow]) -> None:
        if not rejected:
            return
        now = datetime.now(UTC)
        conn.execute(
            self.tables.dead_letters.insert(),
            [
                {
                    "run_id": run_id,
                    "entity": self.entity,
                    "row_key": item.key,
                    "reason": item.reason,
                    "payload": orjson.dumps(item.row, default=str).decode(),
                    "created_at": now,
                }
                for item in rejected
            ],
        )

    def finish_run(
        self, conn: Connection, run_id: int, status: str, counts: RunCounts, error: str | None
    ) -> None:
        runs, checkpoints = self.tables.runs, self.tables.checkpoints
        conn.execute(
            runs.update()
            .where(runs.c.id == run_id)
            .values(
                status=status, finished_at=datetime.now(UTC), error=error, **counts.as_columns()
            )
        )
        if status == "succeeded":
            conn.execute(checkpoints.delete().where(checkpoints.c.entity == self.entity))


def _sqlite_in_chunk(conn: Connection, per_row: int) -> int:
    """Rows per query of ``per_row`` host parameters each: as many as this SQLite allows
    (one parameter more is the entity), at most ``_SQLITE_IN_CHUNK``."""
    raw = conn.connection.driver_connection
    getlimit = getattr(raw, "getlimit", None)  # Python 3.11+
    if getlimit is None:
        return _IN_CHUNK // per_row
    limit = int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)) - 1
    return max(1, min(_SQLITE_IN_CHUNK, limit // per_row))
