"""Which keys a complete listing has seen: the basis of delete detection.

A complete listing (``full``, ``data_version``, the first load of an exchange-plan
entity) ends by applying the delete rule to every stored key it did not list. Instead of
re-marking a per-row ``seen_run`` column for every unchanged row (one row write per listed
row; the column is gone since state revision 0004), each committed batch stores the
8-byte digests of the keys it listed as **one** row of ``listed_keys``, in the
transaction of the batch's rows and checkpoint. At the end
the run reads its digests back, and every stored key whose digest is not among them is
gone from 1C.

Crash safety: the digests of a batch commit exactly when its checkpoint does, so a run
resumed from that checkpoint knows every key listed before the crash and lists the rest
itself. They are dropped (``clear``) only in the transaction that applies the deletes and
removes the checkpoint (``PageWriter.succeed``). A run that started on an entity with no
stored versions (a first load) records a marker instead: every key it stores came from its
own listing, so nothing can be deleted. Digest collisions (2^-64 per pair) could only keep
a deleted row one run longer.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator
from hashlib import blake2b

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from onec_bridge.store.state import StateTables

__all__ = ["ListedKeys", "digest_keys"]

#: the marker row of a first load: no digests, nothing to compare
_FIRST_LOAD = b""
_STREAM_CHUNK = 10_000


def _digest(key: str) -> bytes:
    return blake2b(key.encode(), digest_size=8).digest()


def digest_keys(keys: Iterable[str]) -> bytes:
    """The packed 8-byte digests of ``keys`` (one ``listed_keys`` row)."""
    return b"".join(map(_digest, keys))


def _as_set(blobs: Iterable[bytes]) -> set[int]:
    digests = array("Q")
    for blob in blobs:
        digests.frombytes(blob)
    if sys.byteorder == "big":  # blake2b bytes read as little-endian ints on every machine
        digests.byteswap()
    return set(digests)


class ListedKeys:
    def __init__(self, tables: StateTables, entity: str) -> None:
        self.table = tables.listed_keys
        self.versions = tables.row_versions
        self.entity = entity

    def record(self, conn: Connection, run_id: int, digests: bytes) -> None:
        """Store one batch's digests (call in the batch's transaction)."""
        if digests:
            conn.execute(
                self.table.insert().values(entity=self.entity, run_id=run_id, digests=digests)
            )

    def mark_first_load(self, conn: Connection, run_id: int) -> None:
        conn.execute(
            self.table.insert().values(entity=self.entity, run_id=run_id, digests=_FIRST_LOAD)
        )

    def clear(self, conn: Connection) -> None:
        """Forget every run's digests of the entity (a finished run, or a fresh start)."""
        conn.execute(self.table.delete().where(self.table.c.entity == self.entity))

    def unlisted(self, conn: Connection, run_id: int) -> list[str]:
        """Stored keys the run did not list; none after a first load. Every recorded
        digest is of a key stored now (listed and found, or listed and written), so when
        there are as many distinct digests as stored keys, every stored key was listed
        (a collision only lowers the count, to the full comparison)."""
        table = self.table
        query = sa.select(table.c.digests).where(
            table.c.entity == self.entity, table.c.run_id == run_id
        )
        blobs = [bytes(row[0]) for row in conn.execute(query)]
        if _FIRST_LOAD in blobs:
            return []
        listed = _as_set(blobs)
        del blobs
        versions = self.versions
        count = sa.select(sa.func.count()).where(versions.c.entity == self.entity)
        if len(listed) == conn.execute(count).scalar_one():
            return []
        gone: list[str] = []
        from_bytes = int.from_bytes
        for keys in self._stored_keys(conn):
            for key in keys:
                if from_bytes(_digest(key), "little") not in listed:
                    gone.append(key)
        return gone

    def _stored_keys(self, conn: Connection) -> Iterator[list[str]]:
        """The entity's stored keys in chunks, through the driver's cursor (server-side on
        PostgreSQL): memory stays flat however many rows the entity has."""
        name = conn.dialect.identifier_preparer.format_table(self.versions)
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        postgres = conn.dialect.name == "postgresql"
        cursor = dbapi.cursor(name="onec_bridge_stored_keys") if postgres else dbapi.cursor()
        try:
            mark = "%s" if postgres else "?"
            cursor.execute(f"SELECT row_key FROM {name} WHERE entity = {mark}", (self.entity,))
            while rows := cursor.fetchmany(_STREAM_CHUNK):
                yield [row[0] for row in rows]
        finally:
            cursor.close()
