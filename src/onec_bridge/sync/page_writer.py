"""Database side of a pull: classify listed rows, write a page with its checkpoint, find deletes.

Runs on the engine's single database thread; every method opens its own
transaction, and ``write_page`` commits rows, row versions, dead letters and
the checkpoint together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onec_bridge.contract.model import DeleteRule
from onec_bridge.store.database import Database
from onec_bridge.store.upsert import upsert_rows
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


class PageWriter:
    def __init__(self, database: Database, plan: EntityPlan) -> None:
        self.engine = database.engine
        self.plan = plan
        self.state = RunState(database.state, plan.name)

    def open_run(self, mode: str, correlation_id: str) -> OpenRun:
        with self.engine.begin() as conn:
            return self.state.open_run(conn, mode, correlation_id)

    def has_history(self) -> bool:
        with self.engine.connect() as conn:
            return self.state.has_versions(conn)

    def classify(self, listing: list[dict[str, Any]], rewrite_all: bool = False) -> SourcePage:
        plan = self.plan
        page = SourcePage(listed=len(listing), cursor=plan.next_cursor(listing))
        keyed = [(plan.row_key(row), row) for row in listing]
        with self.engine.connect() as conn:
            stored = self.state.stored_versions(conn, [key for key, _ in keyed])
        for key, row in keyed:
            known = stored.get(key)
            if known is not None and known.version == version_of(row) and not rewrite_all:
                page.unchanged_keys.append(key)
                continue
            if known is None:
                page.new_keys.add(key)
            elif known.deleted:
                page.previously_deleted.add(key)
            page.rows.append(row)
            page.to_fetch.append(row[plan.key_source])
        return page

    def write_page(self, run_id: int, page: SourcePage, so_far: RunCounts) -> RunCounts:
        plan = self.plan
        mapped = plan.mapper.map_rows(page.rows)
        flag = plan.entity.deletion_flag
        key_column = plan.entity.key[0]
        versions = {plan.row_key(row): version_of(row) for row in page.rows}
        counts = RunCounts(
            read=page.listed, unchanged=len(page.unchanged_keys), skipped=len(mapped.rejected)
        )
        recorded = []
        for row in mapped.rows:
            key = str(row[key_column])
            deleted = bool(flag and row[flag])
            recorded.append((key, versions.get(key), deleted))
            if key in page.new_keys:
                counts.inserted += 1
            else:
                counts.updated += 1
            if deleted and (key in page.new_keys or key not in page.previously_deleted):
                counts.marked_deleted += 1
        rejected_keys = [str(item.key) for item in mapped.rejected if item.key is not None]
        total = RunCounts(**vars(so_far))
        total.add(counts)
        with self.engine.begin() as conn:
            upsert_rows(conn, plan.table, mapped.rows)
            self.state.record_versions(conn, run_id, recorded)
            self.state.mark_seen(conn, run_id, page.unchanged_keys + rejected_keys)
            self.state.dead_letter(conn, run_id, mapped.rejected)
            self.state.save_checkpoint(conn, run_id, page.cursor, total)
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
