"""One run per entity at a time, on one machine or many: a lock in the app database.

PostgreSQL: ``pg_try_advisory_lock`` keyed by a hash of the entity, held on a
dedicated connection for the whole run; PostgreSQL frees it the moment that
connection closes, even after ``kill -9``. A row in the ``locks`` state table
records who holds it, for the message a second run gets.

SQLite (and any other database): the row *is* the lock. Its holder refreshes a
heartbeat; a row whose heartbeat is older than ``stale_after`` seconds, or whose
process has exited on this host, is taken over.

A run that stalled past that (a suspended VM, a stopped process) and wakes up must not
write beside the run that took over: every writing transaction of a locked run starts
with :func:`confirm_lock`, which fails with :class:`LockLost` once the row names
another owner, so nothing of the stale run commits any more (a fencing check).

>>> # with entity_lock(db.engine, db.state, "products", correlation_id):
>>> #     ...  # a second run of "products" raises EntityLocked meanwhile
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine

from onec_bridge.store.state import StateTables
from onec_bridge.store.upsert import upsert_rows

__all__ = [
    "DEFAULT_HEARTBEAT_SECONDS",
    "DEFAULT_STALE_AFTER_SECONDS",
    "AdvisoryLock",
    "EntityLock",
    "EntityLocked",
    "LockHolder",
    "LockLost",
    "RowLock",
    "confirm_lock",
    "entity_lock",
]

log = structlog.get_logger("onec_bridge.store")

DEFAULT_HEARTBEAT_SECONDS = 10.0
DEFAULT_STALE_AFTER_SECONDS = 60.0


@dataclass(frozen=True)
class LockHolder:
    owner: str
    host: str
    pid: int
    since: datetime
    heartbeat: datetime

    @classmethod
    def from_row(cls, row: Any) -> LockHolder:
        return cls(
            row.owner, row.host, row.pid, _as_utc(row.acquired_at), _as_utc(row.heartbeat_at)
        )

    def process_is_gone(self) -> bool:
        """True when the holder ran on this host and its process no longer exists."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


class EntityLocked(RuntimeError):
    """Another run of the same entity holds the lock."""

    def __init__(self, entity: str, holder: LockHolder | None, release_rule: str) -> None:
        self.entity = entity
        self.holder = holder
        who = (
            f"run {holder.owner} (pid {holder.pid} on {holder.host}) since "
            f"{holder.since:%Y-%m-%d %H:%M:%S} UTC"
            if holder
            else "another run (it has not recorded its details yet)"
        )
        super().__init__(
            f"entity {entity} is already being synced by {who}; only one run per entity at a "
            f"time. Wait for it to finish and run again; {release_rule}."
        )


class LockLost(RuntimeError):
    """This run's lock was taken over: the run must not write any more."""

    def __init__(self, entity: str, owner: str) -> None:
        self.entity = entity
        self.owner = owner
        super().__init__(
            f"entity {entity}: run {owner} lost its lock to another run, which took it over "
            "after this one stopped refreshing its heartbeat (a stalled or suspended "
            "process); the batch being written was not committed, and the other run carries "
            "on from the last checkpoint. Nothing needs repairing."
        )


def confirm_lock(conn: Connection, table: sa.Table, entity: str, owner: str) -> None:
    """First statement of a locked run's writing transaction: refresh its heartbeat, or
    raise :class:`LockLost` when the lock row names another owner.

    The check and the transaction's writes are one unit: SQLite lets one writer at a
    time, and on PostgreSQL the updated row stays locked until commit, so a run taking
    the lock over waits for this transaction rather than slipping in between."""
    confirmed = conn.execute(
        table.update()
        .where(table.c.entity == entity, table.c.owner == owner)
        .values(heartbeat_at=datetime.now(UTC))
    ).rowcount
    if confirmed != 1:
        raise LockLost(entity, owner)


class EntityLock:
    """Base: acquire fails fast with :class:`EntityLocked`; release is idempotent."""

    release_rule = ""

    def __init__(self, engine: Engine, tables: StateTables, entity: str, owner: str) -> None:
        self.engine = engine
        self.table = tables.locks
        self.entity = entity
        self.owner = owner

    def acquire(self) -> None:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def holder(self) -> LockHolder | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(self.table).where(self.table.c.entity == self.entity)
            ).first()
        return LockHolder.from_row(row) if row is not None else None

    def _record(self, conn: Connection) -> None:
        now = datetime.now(UTC)
        upsert_rows(conn, self.table, [self._row(now)])

    def _row(self, now: datetime) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "owner": self.owner,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "acquired_at": now,
            "heartbeat_at": now,
        }

    def _forget(self, conn: Connection) -> None:
        table = self.table
        conn.execute(
            table.delete().where(table.c.entity == self.entity, table.c.owner == self.owner)
        )

    def __enter__(self) -> EntityLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


class AdvisoryLock(EntityLock):
    """PostgreSQL session advisory lock on a dedicated connection."""

    release_rule = "PostgreSQL frees the lock as soon as the holder's connection closes"

    def __init__(self, engine: Engine, tables: StateTables, entity: str, owner: str) -> None:
        super().__init__(engine, tables, entity, owner)
        self.key = 0
        self._connection: Connection | None = None

    def acquire(self) -> None:
        connection = self.engine.connect()
        try:
            # advisory locks are database-wide: the schema keeps two apps sharing a database apart
            schema = connection.execute(sa.select(sa.func.current_schema())).scalar()
            self.key = advisory_key(f"{schema}.{self.table.name}:{self.entity}")
            got = connection.execute(sa.select(sa.func.pg_try_advisory_lock(self.key))).scalar()
            connection.commit()
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
        if not got:
            connection.close()
            raise EntityLocked(self.entity, self.holder(), self.release_rule)
        self._connection = connection
        with self.engine.begin() as conn:
            self._record(conn)

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            with self.engine.begin() as conn:
                self._forget(conn)
            connection.execute(sa.select(sa.func.pg_advisory_unlock(self.key)))
            connection.commit()
        except sa.exc.DBAPIError:
            connection.invalidate()  # closing the session is what frees the lock
            raise
        finally:
            connection.close()


class RowLock(EntityLock):
    """A row per entity with owner and heartbeat; stale rows are taken over."""

    def __init__(
        self,
        engine: Engine,
        tables: StateTables,
        entity: str,
        owner: str,
        *,
        stale_after: float = DEFAULT_STALE_AFTER_SECONDS,
        heartbeat_every: float = DEFAULT_HEARTBEAT_SECONDS,
    ) -> None:
        super().__init__(engine, tables, entity, owner)
        self.stale_after = timedelta(seconds=stale_after)
        self.heartbeat_every = heartbeat_every
        self.release_rule = (
            f"its lock lapses {stale_after:g} s after its last heartbeat, or at once when its "
            "process has exited on this host"
        )
        self._stop = threading.Event()
        self._beater: threading.Thread | None = None

    def acquire(self) -> None:
        for _attempt in range(2):  # a lost insert race re-reads the winner once
            try:
                with self.engine.begin() as conn:
                    holder = self._take(conn)
            except sa.exc.IntegrityError:
                continue
            if holder is not None:
                raise EntityLocked(self.entity, holder, self.release_rule)
            self._start_heartbeat()
            return
        raise EntityLocked(self.entity, self.holder(), self.release_rule)

    def _take(self, conn: Connection) -> LockHolder | None:
        """Claim the row; return the live holder instead when there is one."""
        table = self.table
        row = conn.execute(sa.select(table).where(table.c.entity == self.entity)).first()
        now = datetime.now(UTC)
        if row is None:
            conn.execute(table.insert().values(self._row(now)))
            return None
        holder = LockHolder.from_row(row)
        if now - holder.heartbeat < self.stale_after and not holder.process_is_gone():
            return holder
        taken = conn.execute(
            table.update()
            .where(
                table.c.entity == self.entity,
                table.c.owner == row.owner,
                table.c.heartbeat_at == row.heartbeat_at,
            )
            .values(self._row(now))
        )
        if taken.rowcount != 1:
            return holder
        log.warning("lock.taken_over", entity=self.entity, stale_owner=holder.owner)
        return None

    def release(self) -> None:
        self._stop.set()
        if self._beater is not None:
            self._beater.join()
            self._beater = None
        with self.engine.begin() as conn:
            self._forget(conn)

    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self._beater = threading.Thread(
            target=self._beat, name=f"onec-bridge-lock-{self.entity}", daemon=True
        )
        self._beater.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_every):
            try:
                with self.engine.begin() as conn:
                    confirm_lock(conn, self.table, self.entity, self.owner)
            except sa.exc.OperationalError as exc:
                log.warning("lock.heartbeat_failed", entity=self.entity, error=str(exc))
            except LockLost:  # the run's next write stops it (confirm_lock there too)
                log.error("lock.lost", entity=self.entity, owner=self.owner)
                return


def entity_lock(engine: Engine, tables: StateTables, entity: str, owner: str) -> EntityLock:
    """The lock kind for the engine's database: advisory on PostgreSQL, a row elsewhere."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, tables, entity, owner)
    return RowLock(engine, tables, entity, owner)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock``."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
