"""Tabular sections synced by their owners' ``DataVersion`` (``incremental: data_version``).

1C writes a tabular section only with its owner, and every write gives the owner a new
``DataVersion``; the lines themselves have no version. So a run lists the owners'
``Ref_Key, DataVersion, <Date|Code>`` (like ``data_version`` lists objects), compares them
with the owner versions stored under ``<entity>#owners`` in the row-versions table,
fetches the sections of new and changed owners only (``Ref_Key eq … or …`` chains) and
explodes them into lines. Unchanged owners cost their listing row and nothing else.

An owner's stored version is ``"<highest LineNumber> <DataVersion>"``: lines are keyed
(owner ``Ref_Key``, ``LineNumber``), so the keys an owner had are those of lines 1…highest
that are stored, and a changed owner's lines no longer sent (a line removed in 1C) are
found without scanning the table. Owners a complete listing did not list (physically
deleted) lose their stored lines by the entity's delete rule at the end of the run, with
the owners' digests in ``listed_keys`` under the same derived name (see
:mod:`onec_bridge.sync.listed_keys`).

Crash safety is the other strategies': a batch's lines, their row versions, its owners'
versions and digests, its removed lines and the checkpoint commit in one transaction
(``PageWriter.write_pages``). A full load (first run, ``--full``) records the owner
versions too, so the next run is incremental.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from onec_bridge.store.state import StateTables
from onec_bridge.sync.entity_plan import DATA_VERSION, EntityPlan
from onec_bridge.sync.listed_keys import ListedKeys, digest_keys
from onec_bridge.sync.run_state import RunState

__all__ = ["OwnerBatch", "OwnerChanges", "OwnerState", "explode_section", "owner_batch"]

Row = dict[str, Any]
#: suffix of the derived entity name the owners' versions and digests are stored under
OWNERS_SUFFIX = "#owners"


@dataclass
class OwnerBatch:
    """What one page of a tabular section changes in its owners' state; committed with the
    page's lines."""

    #: ``(owner Ref_Key, stored version)`` of every owner whose section the page holds
    versions: list[tuple[str, str]] = field(default_factory=list)
    #: line keys that may have been removed in 1C (checked against the stored ones)
    removed_candidates: list[str] = field(default_factory=list)
    #: digests of the listed owners already stored (the written ones are added at the write)
    listed_digests: bytes = b""


@dataclass
class OwnerChanges:
    """A page of the owners' listing split by their stored versions."""

    #: new or changed owners and the highest LineNumber stored for each (0: none)
    changed: dict[str, int]
    listed_digests: bytes


def stored_version(data_version: Any, highest_line: int) -> str:
    return f"{highest_line} {data_version}"


def _parse(version: str | None) -> tuple[int, str | None]:
    """``(highest LineNumber, DataVersion)`` of a stored owner version."""
    if not version:
        return 0, None
    highest, _, data_version = version.partition(" ")
    return int(highest), data_version


class OwnerState:
    """The owners' versions and listed digests of one tabular-section entity."""

    def __init__(self, tables: StateTables, plan: EntityPlan) -> None:
        name = plan.name + OWNERS_SUFFIX
        self.versions = RunState(tables, name)
        self.listed = ListedKeys(tables, name)
        self._key_of = plan.key_reader

    def known(self, conn: Connection) -> bool:
        return self.versions.has_versions(conn)

    def classify(self, conn: Connection, owners: list[Row]) -> OwnerChanges:
        """Split a page of the owners' listing: new and changed owners (with the highest
        line stored for each), and the digests of the listed owners already stored."""
        keys = [str(owner["Ref_Key"]) for owner in owners]
        stored, _ = self.versions.versions_and_deleted(conn, keys)
        changed: dict[str, int] = {}
        for key, owner in zip(keys, owners, strict=True):
            highest, data_version = _parse(stored.get(key))
            if data_version is None or data_version != owner.get(DATA_VERSION):
                changed[key] = highest
        listed = digest_keys(key for key in keys if key in stored)
        return OwnerChanges(changed, listed)

    def line_keys(self, owner: str, highest_line: int) -> list[str]:
        """Row keys of the owner's lines 1…``highest_line`` (``LineNumber`` as 1C sends it)."""
        return [
            self._key_of({"Ref_Key": owner, "LineNumber": str(number)})
            for number in range(1, highest_line + 1)
        ]

    def write(self, conn: Connection, run_id: int, batches: Iterable[OwnerBatch]) -> list[str]:
        """Record the batches' owner versions and listed digests; returns the candidate
        keys of removed lines (in the transaction of the batches' lines)."""
        versions: dict[str, str] = {}  # an owner listed twice keeps its last version
        digests: list[bytes] = []
        candidates: list[str] = []
        for batch in batches:
            versions.update(batch.versions)
            digests.append(batch.listed_digests)
            digests.append(digest_keys(owner for owner, _ in batch.versions))
            candidates.extend(batch.removed_candidates)
        if versions:
            self.versions.record_versions(
                conn, [(owner, versions[owner], False) for owner in sorted(versions)]
            )
        self.listed.record(conn, run_id, b"".join(digests))
        return candidates

    def lines_of(self, conn: Connection, owners: list[str]) -> list[str]:
        """The keys of the stored lines of ``owners`` (owners a complete listing did not see)."""
        stored = self.versions.stored_versions(conn, owners)
        return [
            key for owner in owners for key in self.line_keys(owner, _parse(stored[owner][0])[0])
        ]


def explode_section(plan: EntityPlan, owners: list[Row]) -> list[Row]:
    """The lines of ``owners``' inline arrays, each with its owner's ``Ref_Key`` and keyset
    value (``Date``/``Code``)."""
    section, owner_keyset = str(plan.source.section), plan.source.owner_keyset
    rows: list[Row] = []
    for owner in owners:
        lines = owner.get(section)
        if not isinstance(lines, list):
            raise ValueError(
                f"entities.{plan.name}: {plan.entity_set} rows carry no `{section}` array; "
                f"is `{section}` a tabular section of it? ($metadata: "
                f"{plan.entity_set}_{section})"
            )
        for line in lines:
            child = dict(line)
            child.setdefault("Ref_Key", owner.get("Ref_Key"))
            child.setdefault(owner_keyset, owner.get(owner_keyset))
            rows.append(child)
    return rows


def owner_batch(
    plan: EntityPlan,
    owners: list[Row],
    state: OwnerState | None = None,
    changes: OwnerChanges | None = None,
) -> OwnerBatch:
    """The owner state a page of ``owners`` (sections included) commits: their versions
    and, given the stored ``changes`` (an incremental run), the keys of the lines they
    had and no longer send."""
    section = str(plan.source.section)
    batch = OwnerBatch(listed_digests=changes.listed_digests if changes else b"")
    for owner in owners:
        key, lines = str(owner["Ref_Key"]), owner.get(section) or []
        numbers = [int(line["LineNumber"]) for line in lines]
        batch.versions.append(
            (key, stored_version(owner.get(DATA_VERSION), max(numbers, default=0)))
        )
        if state is not None and changes is not None and changes.changed.get(key):
            present = set(numbers)
            batch.removed_candidates.extend(
                line_key
                for number, line_key in enumerate(
                    state.line_keys(key, changes.changed[key]), start=1
                )
                if number not in present
            )
    return batch
