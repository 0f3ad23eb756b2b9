"""Database side of a pull: classify listed rows, write a page with its checkpoint, find deletes.

Runs on the engine's single database thread; every method opens its own
transaction, and ``write_pages`` commits rows, row versions, dead letters and
the checkpoint together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from onec_bridge.contract.model import DeleteRule
from onec_bridge.mapping.row_mapper import RejectedRow
from onec_bridge.mapping.storage import StorageMapper
from onec_bridge.mapping.wire_rows import column_reader
from onec_bridge.store.database import Database
from onec_bridge.store.locks import confirm_lock
from onec_bridge.store.upsert import bulk_upsert
from onec_bridge.sync.counts import RunCounts
from onec_bridge.sync.entity_plan import DATA_VERSION, EntityPlan, key_text, version_of
from onec_bridge.sync.listed_keys import ListedKeys, digest_keys
from onec_bridge.sync.owner_versions import OwnerBatch, OwnerChanges, OwnerState
from onec_bridge.sync.run_state import OpenRun, RunState

__all__ = ["PageWriter", "SourcePage", "Unlisted"]


@dataclass
class SourcePage:
    """One listing page, split into what must be written and what is already current."""

    listed: int
    cursor: Any
    rows: list[dict[str, Any]] = field(default_factory=list)
    to_fetch: list[str] = field(default_factory=list)
    new_keys: set[str] = field(default_factory=set)
    previously_deleted: set[str] = field(default_factory=set)
    #: rows whose stored version is current: nothing of them is written
    unchanged: int = 0
    #: digests of every listed key (``listed_keys``), when the listing is complete
    listed_digests: bytes = b""
    #: every row is new (a first load): ``new_keys`` is not filled, each row counts inserted
    all_new: bool = False
    #: a tabular section synced by its owners' versions: their state, committed with the page
    owners: OwnerBatch | None = None
    #: ``rows`` already mapped (``PageWriter.map_page``, run by the reader), or None
    mapped: MappedPage | None = None


@dataclass
class Unlisted:
    """Stored keys a complete listing did not see: the entity's own, and (a tabular section
    synced by its owners) the owners'."""

    keys: list[str]
    owners: list[str]

    def refs(self, keys_are_refs: bool) -> list[str]:
        """The ``Ref_Key`` values among them (the keys only where they are references)."""
        return [*self.keys, *self.owners] if keys_are_refs else list(self.owners)

    def without(self, present: frozenset[str]) -> Unlisted:
        """Less the ones 1C still has."""
        return Unlisted(
            [key for key in self.keys if key not in present],
            [owner for owner in self.owners if owner not in present],
        )


#: a page's rows as tuples to store, its dead letters, and the version of each stored row
MappedPage = tuple[list[tuple[Any, ...]], list[RejectedRow], Sequence[str | None]]


class PageWriter:
    def __init__(self, database: Database, plan: EntityPlan) -> None:
        self.engine = database.engine
        self.plan = plan
        self.state = RunState(database.state, plan.name)
        self._locks = database.state.locks
        #: the run's lock owner: every writing transaction confirms it still holds the lock
        #: (``store.locks.confirm_lock``); None for a writer used without a lock
        self.lock_owner: str | None = None
        self.listed = ListedKeys(database.state, plan.name)
        #: a tabular section synced by its owners' DataVersion: their versions and digests
        self.owners = OwnerState(database.state, plan) if plan.uses_owner_versions else None
        #: record the listed keys of every page (a complete listing: deletes found at the end)
        self.track_listing = False
        #: ``--full``: rewrite every listed row, even one whose version is unchanged
        self.rewrite_all = False
        self.upsert = bulk_upsert(plan.table, self.engine.dialect)
        if self.upsert.columns != plan.mapper.columns:
            raise AssertionError(f"{plan.name}: table columns differ from the mapped columns")
        columns = plan.mapper.columns
        key_indexes = [columns.index(column) for column in plan.entity.key]
        self._tuple_key = _tuple_key_reader(key_indexes)
        self._key_index = key_indexes[0] if len(key_indexes) == 1 else None
        flag = plan.entity.deletion_flag
        self._flag_index = columns.index(flag) if flag in columns else None
        self._key_of = plan.key_reader
        # rows mapped straight to stored values, unless a key would print differently
        self._storage = StorageMapper(plan.mapper, plan.table, self.engine.dialect)
        self._bound = self._storage.keys_as_text(plan.entity.key)
        #: pages are best mapped by the reader, on the event loop: the database thread then
        #: mostly waits for a server that writes in its own process, and mapping the next
        #: pages fills that wait. Not for SQLite, whose writing is this process's own CPU
        #: under the same GIL: there it only makes the threads contend.
        self.maps_on_reader = self.engine.dialect.name != "sqlite"

    def open_run(self, mode: str, correlation_id: str, first_load: bool = False) -> OpenRun:
        """Resume or open a run; a new run drops listed keys an abandoned one left, and a
        first load (no stored versions) is marked so that it looks for no deletes."""
        with self.engine.begin() as conn:
            opened = self.state.open_run(conn, mode, correlation_id)
            if not opened.resumed:
                self.listed.clear(conn)
                if self.owners is not None:
                    self.owners.listed.clear(conn)
                if first_load:
                    self.listed.mark_first_load(conn, opened.run_id)
            return opened

    def has_history(self) -> bool:
        with self.engine.connect() as conn:
            return self.state.has_versions(conn)

    def owners_known(self) -> bool:
        """A tabular section synced by its owners has their versions (else: a full load)."""
        assert self.owners is not None
        with self.engine.connect() as conn:
            return self.owners.known(conn)

    def classify_owners(self, owners: list[dict[str, Any]]) -> OwnerChanges:
        assert self.owners is not None
        with self.engine.connect() as conn:
            return self.owners.classify(conn, owners)

    def classify(self, listing: list[dict[str, Any]], assume_new: bool = False) -> SourcePage:
        """Split a listing page by the stored versions. ``assume_new`` (a first load that is
        not a resume: the entity has no stored versions) skips the lookup."""
        plan = self.plan
        page = SourcePage(listed=len(listing), cursor=None)  # the caller sets the listing's
        if assume_new:  # a first load: no deletes to find, so no listed keys either
            page.all_new = True
            page.rows = listing
            return page
        keys = plan.keys_of(listing)
        with self.engine.connect() as conn:
            if self.rewrite_all:
                stored, deleted = self.state.versions_and_deleted(conn, keys)
                changes = [(index, key in stored, key in deleted) for index, key in enumerate(keys)]
            else:  # most rows are unchanged: only the others come back
                changes = self.state.listing_changes(conn, keys, _versions(listing))
        key_source = plan.key_source
        new_keys = page.new_keys
        for index, stored_key, deleted_key in changes:
            key, row = keys[index], listing[index]
            if not stored_key:
                new_keys.add(key)
            elif deleted_key:
                page.previously_deleted.add(key)
            page.rows.append(row)
            page.to_fetch.append(row[key_source])
        page.unchanged = len(keys) - len(changes)
        if self.track_listing:  # the listed keys already stored; written ones follow
            listed_stored = [key for key in keys if key not in new_keys] if new_keys else keys
            page.listed_digests = digest_keys(listed_stored)
        return page

    def write_pages(self, run_id: int, pages: list[SourcePage], so_far: RunCounts) -> RunCounts:
        """Rows, row versions, dead letters and the last page's checkpoint: one transaction."""
        if not pages:
            return RunCounts()
        counts = RunCounts()
        # one row per key (a key seen twice, e.g. its Code edited mid-run, keeps its last
        # version), written in key order so the index is hit in order
        rows_by_key: dict[str, tuple[Any, ...]] = {}
        versions_by_key: dict[str, tuple[str | None, bool]] = {}
        rejected: list[RejectedRow] = []
        inserted: list[str] = []  # keys new to the store: listed, now stored
        for page in pages:
            mapped_page = page.mapped if page.mapped is not None else self.map_page(page)
            page_rows, page_rejected, versions = mapped_page
            keys = self._keys_of(page_rows)
            flags = self._deletion_flags(page_rows)
            _count_written(page, keys, flags, counts, inserted)
            rows_by_key.update(zip(keys, page_rows, strict=True))
            versions_by_key.update(zip(keys, zip(versions, flags, strict=True), strict=True))
            counts.read += page.listed
            counts.unchanged += page.unchanged
            counts.skipped += len(page_rejected)
            rejected.extend(page_rejected)
        ordered = sorted(rows_by_key)
        mapped = list(map(rows_by_key.__getitem__, ordered))
        recorded = [(key, *versions_by_key[key]) for key in ordered]
        total = RunCounts(**vars(so_far))
        total.add(counts)
        with self.engine.begin() as conn:
            self._confirm_lock(conn)
            first_load = all(page.all_new for page in pages)  # no key of it is stored
            self.upsert.execute(conn, mapped, bound=self._bound, likely_new=first_load)
            self.state.record_versions(conn, recorded, likely_new=first_load)
            self.state.dead_letter(conn, run_id, rejected)
            if self.track_listing:
                digests = [page.listed_digests for page in pages]
                self.listed.record(conn, run_id, b"".join([*digests, digest_keys(inserted)]))
            if self.owners is not None:
                removed = self._write_owners(conn, run_id, pages)
                counts.deleted += removed
                total.deleted += removed
            self.state.save_checkpoint(conn, run_id, pages[-1].cursor, total)
        return counts

    def _write_owners(self, conn: Connection, run_id: int, pages: list[SourcePage]) -> int:
        """The pages' owner versions and digests, and the delete rule for the lines their
        owners no longer have; returns how many lines were removed."""
        assert self.owners is not None
        batches = [page.owners for page in pages if page.owners is not None]
        candidates = self.owners.write(conn, run_id, batches)
        return self._delete_stored(conn, candidates)

    def _delete_stored(self, conn: Connection, keys: list[str]) -> int:
        """The delete rule for the stored ones among ``keys``, their versions forgotten."""
        if not keys:
            return 0
        stored = sorted(self.state.stored_versions(conn, keys))
        self._apply_delete_rule(conn, stored)
        self.state.forget(conn, stored)
        return len(stored)

    def _keys_of(self, rows: list[tuple[Any, ...]]) -> list[str]:
        """The row key of each mapped tuple (the text ``EntityPlan.key_reader`` makes)."""
        if self._key_index is None:
            return list(map(self._tuple_key, rows))
        keys = list(map(itemgetter(self._key_index), rows))
        return keys if set(map(type, keys)) <= {str} else list(map(str, keys))

    def _deletion_flags(self, rows: list[tuple[Any, ...]]) -> list[bool]:
        if self._flag_index is None:
            return [False] * len(rows)
        return list(map(bool, map(itemgetter(self._flag_index), rows)))

    def map_page(self, page: SourcePage) -> MappedPage:
        """The page's rows as tuples (stored values when ``self._bound``), its dead letters
        and the version of each mapped row. No database work: any thread may run it."""
        if not self._bound:  # a key that prints differently once stored: Python values
            rows, rejected = self.plan.mapper.map_tuples(page.rows)
            by_key = {self._key_of(row): version_of(row) for row in page.rows}
            return rows, rejected, [by_key.get(self._tuple_key(row)) for row in rows]
        stored = self._storage.map(page.rows)
        kept = page.rows if stored.kept is None else [page.rows[i] for i in stored.kept]
        return stored.rows, stored.rejected, _versions(kept)

    def unlisted(self, run_id: int) -> Unlisted:
        """The stored keys the run's complete listing did not see: what ``succeed`` deletes.
        Read before it, so that the references among them can be confirmed with 1C first
        (``sync.unlisted``); nothing else writes them while the run holds its lock."""
        with self.engine.connect() as conn:
            keys = self.listed.unlisted(conn, run_id) if self.track_listing else []
            owners = self.owners.listed.unlisted(conn, run_id) if self.owners is not None else []
            return Unlisted(keys, owners)

    def succeed(self, run_id: int, counts: RunCounts, unlisted: Unlisted) -> RunCounts:
        """End the run, one transaction: the delete rule for the ``unlisted`` keys (those of a
        complete listing, less the ones 1C confirmed it still has) and the listing's digests
        dropped; then the success record (with ``counts`` plus the deletes) and the
        checkpoint removed. Returns the deletes.

        One transaction because the digests are what a resumed run finds its deletes by: a
        crash after they were dropped but before the checkpoint was would resume a run
        that knows no listed key, and every stored row would look deleted in 1C."""
        found = RunCounts()
        with self.engine.begin() as conn:
            self._confirm_lock(conn)
            if self.track_listing:
                self._apply_delete_rule(conn, unlisted.keys)
                self.state.forget(conn, unlisted.keys)
                self.listed.clear(conn)
                found.deleted = len(unlisted.keys)
            if self.owners is not None:  # the owners' listing is complete in every mode
                lines = self.owners.lines_of(conn, unlisted.owners)
                found.deleted += self._delete_stored(conn, lines)
                self.owners.versions.forget(conn, unlisted.owners)
                self.owners.listed.clear(conn)
            total = RunCounts(**vars(counts))
            total.add(found)
            self.state.finish_run(conn, run_id, "succeeded", total, None)
        return found

    def delete_keys(self, keys: list[str]) -> RunCounts:
        """Apply the delete rule to ``keys`` 1C reported deleted (exchange-plan packets);
        keys the app never had are ignored, so a packet applied twice changes nothing."""
        with self.engine.begin() as conn:
            self._confirm_lock(conn)
            return RunCounts(deleted=self._delete_stored(conn, keys))

    def _confirm_lock(self, conn: Connection) -> None:
        if self.lock_owner is not None:
            confirm_lock(conn, self._locks, self.plan.name, self.lock_owner)

    def _apply_delete_rule(self, conn: Connection, keys: list[str]) -> None:
        entity, table = self.plan.entity, self.plan.table
        if entity.deletes is DeleteRule.IGNORE or not keys:
            return
        if entity.deletes is DeleteRule.SOFT and not entity.deletion_flag:
            return
        key_columns = [table.c[column] for column in entity.key]
        if len(key_columns) == 1:
            values = [self.plan.key_values(key)[0] for key in keys]
            for start in range(0, len(values), 500):
                where = key_columns[0].in_(values[start : start + 500])
                conn.execute(self._delete_statement(where))
            return
        # composite keys: one parameterised statement, executed for every key tuple
        match = sa.and_(
            *(column == sa.bindparam(f"k{index}") for index, column in enumerate(key_columns))
        )
        params = [
            {f"k{index}": value for index, value in enumerate(self.plan.key_values(key))}
            for key in keys
        ]
        conn.execute(self._delete_statement(match), params)

    def _delete_statement(self, where: Any) -> Any:
        entity, table = self.plan.entity, self.plan.table
        if entity.deletes is DeleteRule.HARD:
            return table.delete().where(where)
        return table.update().where(where).values({str(entity.deletion_flag): True})

    def close_run(self, run_id: int, status: str, counts: RunCounts, error: str | None) -> None:
        with self.engine.begin() as conn:
            self.state.finish_run(conn, run_id, status, counts, error)


def _count_written(
    page: SourcePage, keys: list[str], flags: list[bool], counts: RunCounts, inserted: list[str]
) -> None:
    """Count the page's written rows as inserted or updated, and the newly deletion-marked;
    collect the keys new to the store (``inserted``) unless the whole page is new."""
    if page.all_new:
        counts.inserted += len(keys)
        counts.marked_deleted += sum(flags)
        return
    new_keys, previously_deleted = page.new_keys, page.previously_deleted
    for key, deleted in zip(keys, flags, strict=True):
        if key in new_keys:
            counts.inserted += 1
            inserted.append(key)
        else:
            counts.updated += 1
        if deleted and (key in new_keys or key not in previously_deleted):
            counts.marked_deleted += 1


def _tuple_key_reader(indexes: list[int]) -> Any:
    """``mapped tuple -> row key``, the same text ``EntityPlan.key_reader`` makes."""
    if len(indexes) == 1:
        (index,) = indexes
        return lambda row: str(row[index])
    return lambda row: key_text([row[index] for index in indexes])


def _versions(rows: list[dict[str, Any]]) -> list[str]:
    """``version_of`` of each row; 1C's DataVersion strings taken as they are."""
    versions = list(map(column_reader(rows, DATA_VERSION), rows))
    if set(map(type, versions)) <= {str} and "" not in versions:
        return versions
    return [version_of(row) for row in rows]
