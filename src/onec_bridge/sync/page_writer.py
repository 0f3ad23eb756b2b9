"""Database side of a pull: classify listed rows, write a page with its checkpoint, find deletes.

Runs on the engine's single database thread; every method opens its own
transaction, and ``write_page`` commits rows, row versions, dead letters and
the checkpoint together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onec_bridge.contract.model import DeleteRule
from onec_bridge.mapping.row_mapper import RejectedRow
from onec_bridge.store.database import Database
from onec_bridge.store.upsert import bulk_upsert
from onec_bridge.sync.counts import RunCounts
from onec_bridge.sync.entity_plan import EntityPlan, version_of
from onec_bridge.sync.run_state import OpenRun, RunState

__all__ = ["PageWriter", "SourcePage"]


@dataclass
class SourcePage:
    """One listing page, split into what must be written and what is already current."""

    listed: int
    cursor: Any
    rows: list[dict[str, Any]] = field(default_factory=list)
    to_fetch: list[str] = field(default_factory=list)
    new_keys: set[str] = field(default_factory=set)
    previously_deleted: set[str] = field(default_factory=set)
    unchanged_keys: list[str] = field(default_factory=list)
    #: (key, version, deleted) of the unchanged rows, to mark them seen in one upsert
    unchanged_versions: list[tuple[str, str | None, bool]] = field(default_factory=list)


class PageWriter:
    def __init__(self, database: Database, plan: EntityPlan) -> None:
        self.engine = database.engine
        self.plan = plan
        self.state = RunState(database.state, plan.name)
        self.upsert = bulk_upsert(plan.table, self.engine.dialect)
        if self.upsert.columns != plan.mapper.columns:
            raise AssertionError(f"{plan.name}: table columns differ from the mapped columns")
        columns = plan.mapper.columns
        self._key_index = columns.index(plan.entity.key[0])
        flag = plan.entity.deletion_flag
        self._flag_index = columns.index(flag) if flag in columns else None
        self._key_source = plan.key_source
        self._key_convert = plan.key_converter  # resolved once: this runs for every row

    def _key_of(self, row: dict[str, Any]) -> str:
        return str(self._key_convert(row.get(self._key_source)))

    def open_run(self, mode: str, correlation_id: str) -> OpenRun:
        with self.engine.begin() as conn:
            return self.state.open_run(conn, mode, correlation_id)

    def has_history(self) -> bool:
        with self.engine.connect() as conn:
            return self.state.has_versions(conn)

    def classify(
        self, listing: list[dict[str, Any]], rewrite_all: bool = False, assume_new: bool = False
    ) -> SourcePage:
        """Split a listing page by the stored versions. ``assume_new`` (a first load that is
        not a resume: the entity has no stored versions) skips the lookup."""
        plan = self.plan
        page = SourcePage(listed=len(listing), cursor=plan.next_cursor(listing))
        key_of = self._key_of
        keyed = [(key_of(row), row) for row in listing]
        if assume_new:
            page.new_keys.update(key for key, _ in keyed)
            page.rows = listing
            return page
        with self.engine.connect() as conn:
            stored = self.state.stored_versions(conn, [key for key, _ in keyed])
        for key, row in keyed:
            known = stored.get(key)
            if known is not None and not rewrite_all:
                version = version_of(row)
                if known.version == version:
                    page.unchanged_keys.append(key)
                    page.unchanged_versions.append((key, version, known.deleted))
                    continue
            if known is None:
                page.new_keys.add(key)
            elif known.deleted:
                page.previously_deleted.add(key)
            page.rows.append(row)
            page.to_fetch.append(row[plan.key_source])
        return page

    def write_page(self, run_id: int, page: SourcePage, so_far: RunCounts) -> RunCounts:
        return self.write_pages(run_id, [page], so_far)

    def write_pages(self, run_id: int, pages: list[SourcePage], so_far: RunCounts) -> RunCounts:
        """Rows, row versions, dead letters and the last page's checkpoint: one transaction."""
        if not pages:
            return RunCounts()
        key_index, flag_index = self._key_index, self._flag_index
        counts = RunCounts()
        mapped: list[tuple[Any, ...]] = []
        rejected: list[RejectedRow] = []
        recorded: list[tuple[str, str | None, bool]] = []
        for page in pages:
            page_rows, page_rejected = self.plan.mapper.map_tuples(page.rows)
            versions = {self._key_of(row): version_of(row) for row in page.rows}
            new_keys, previously_deleted = page.new_keys, page.previously_deleted
            for row in page_rows:
                key = str(row[key_index])
                deleted = bool(flag_index is not None and row[flag_index])
                recorded.append((key, versions.get(key), deleted))
                if key in new_keys:
                    counts.inserted += 1
                else:
                    counts.updated += 1
                if deleted and (key in new_keys or key not in previously_deleted):
                    counts.marked_deleted += 1
            counts.read += page.listed
            counts.unchanged += len(page.unchanged_keys)
            counts.skipped += len(page_rejected)
            mapped.extend(page_rows)
            rejected.extend(page_rejected)
            recorded.extend(page.unchanged_versions)
        rejected_keys = [str(item.key) for item in rejected if item.key is not None]
        # one row per key (a key seen twice, e.g. its Code edited mid-run, keeps its last
        # version), in key order so the index is hit in order
        by_key = {str(row[key_index]): row for row in mapped}
        mapped = [by_key[key] for key in sorted(by_key)]
        total = RunCounts(**vars(so_far))
        total.add(counts)
        with self.engine.begin() as conn:
            self.upsert.execute(conn, mapped)
            self.state.record_versions(conn, run_id, recorded)
            self.state.mark_seen(conn, run_id, rejected_keys)
            self.state.dead_letter(conn, run_id, rejected)
            self.state.save_checkpoint(conn, run_id, pages[-1].cursor, total)
        return counts

    def finish_listing(self, run_id: int) -> RunCounts:
        """Apply the delete rule to every key this complete listing did not see."""
        entity, table = self.plan.entity, self.plan.table
        key_column = table.c[entity.key[0]]
        with self.engine.begin() as conn:
            gone = self.state.unseen_keys(conn, run_id)
            for start in range(0, len(gone), 500):
                chunk = gone[start : start + 500]
                if entity.deletes is DeleteRule.HARD:
                    conn.execute(table.delete().where(key_column.in_(chunk)))
                elif entity.deletes is DeleteRule.SOFT and entity.deletion_flag:
                    conn.execute(
                        table.update()
                        .where(key_column.in_(chunk))
                        .values({entity.deletion_flag: True})
                    )
            self.state.forget(conn, gone)
        return RunCounts(deleted=len(gone))

    def close_run(self, run_id: int, status: str, counts: RunCounts, error: str | None) -> None:
        with self.engine.begin() as conn:
            self.state.finish_run(conn, run_id, status, counts, error)
