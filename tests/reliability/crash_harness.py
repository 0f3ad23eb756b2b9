"""Kill `onec-bridge sync` with SIGKILL at random moments and compare the app database with 1C.

The emulator serves a real socket in this process; each sync is a subprocess of the
real CLI. A kill is triggered either after a random delay or once the products run
has committed a random number of rows, so kills land in start-up, mid-listing and
near the end. 1C changes (edits, inserts, deletion marks, physical deletes, sales
documents written again with lines edited, removed and added) happen between attempts,
also while a killed run waits to be resumed. The contract is the demo's plus the sales
documents' lines, synced incrementally by their owners' DataVersion.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from onec_bridge.contract.loader import load_contract
from onec_bridge.emulator import ITEMS_SET, UNITS_SET, EmulatorBase
from onec_bridge.mapping.converters import converter_for
from onec_bridge.store.destination import destination_table

DEMO_CONTRACT = Path(__file__).resolve().parents[2] / "examples" / "demo" / "contract.yaml"
USER, PASSWORD = "Администратор", "demo"
SALES, SECTION = "Document_РеализацияТоваровУслуг", "Товары"
#: the demo contract's entities plus the sales documents' lines, synced by their owners'
#: DataVersion: the incremental path of tabular sections under kill -9 too
LINES_ENTITY = f"""
  sale_lines:
    source: {{odata: {SALES}_{SECTION}}}
    master: onec
    direction: onec_to_app
    incremental: data_version
    table: sale_lines
    key: [owner_id, line_number]
    deletes: hard
    fields:
      owner_id: Ref_Key
      line_number: {{from: LineNumber, type: integer}}
      product_id: Номенклатура_Key
      quantity: {{from: Количество, type: "decimal(15,3)"}}
"""
EXIT_LOCKED = 5
KILL_AT_COMMIT = "ONEC_BRIDGE_TEST_KILL_AT_COMMIT"
# The CLI, optionally SIGKILLing itself just before the Nth commit of the engine's
# database thread: a kill at an exact transaction boundary, independent of timing.
_SYNC = f"""
import os, signal, threading
limit = int(os.environ.get("{KILL_AT_COMMIT}", "0"))
if limit:
    import sqlalchemy as sa
    commits = [0]

    @sa.event.listens_for(sa.engine.Engine, "commit")
    def _die_before_commit(_connection):
        if threading.current_thread().name.startswith("onec-bridge-db"):
            commits[0] += 1
            if commits[0] >= limit:
                os.kill(os.getpid(), signal.SIGKILL)
from onec_bridge.cli import main
main()
"""


@dataclass
class Attempt:
    killed: bool
    seconds: float


@dataclass
class CrashHarness:
    base: EmulatorBase
    onec_url: str
    database_url: str
    work: Path
    rng: random.Random
    page_size: int = 20
    deleted: set[str] = field(default_factory=set)
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        text = DEMO_CONTRACT.read_text(encoding="utf-8")
        text = text.replace("page_size: 1000", f"page_size: {self.page_size}")
        text = text.rstrip("\n") + "\n" + LINES_ENTITY
        self.contract_path = self.work / "contract.yaml"
        self.contract_path.write_text(text, encoding="utf-8")
        self.contract = load_contract(self.contract_path, environ=self._environ())
        self.engine = sa.create_engine(self.database_url)

    def close(self) -> None:
        self.engine.dispose()

    def _environ(self) -> dict[str, str]:
        return {
            **os.environ,
            "ONEC_URL": self.onec_url,
            "ONEC_USER": USER,
            "ONEC_PASSWORD": PASSWORD,
            "DATABASE_URL": self.database_url,
            "ONEC_BRIDGE_LOG_LEVEL": "WARNING",
        }

    # --- running and killing ----------------------------------------------------------

    def run(
        self,
        *,
        kill_after: float | None = None,
        kill_at_rows: int | None = None,
        kill_at_commit: int | None = None,
        full: bool = False,
    ) -> Attempt:
        """One `sync --all` attempt; killed by the given trigger, else run to its end."""
        command = [
            sys.executable,
            "-c",
            _SYNC,
            "sync",
            "--all",
            "--contract",
            str(self.contract_path),
        ]
        if full:
            command.append("--full")
        environ = self._environ()
        if kill_at_commit is not None:
            environ[KILL_AT_COMMIT] = str(kill_at_commit)
        for _ in range(50):  # PostgreSQL may need a moment to notice a killed holder
            started = time.monotonic()
            with subprocess.Popen(
                command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            ) as process:
                killed = self._watch(process, kill_after, kill_at_rows)
                killed = killed or process.returncode == -signal.SIGKILL
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            seconds = time.monotonic() - started
            if killed:
                self.log.append(f"killed after {seconds:.2f}s")
                return Attempt(True, seconds)
            if process.returncode == EXIT_LOCKED:
                time.sleep(0.1)
                continue
            assert process.returncode == 0, f"sync failed ({process.returncode}):\n{output}"
            self.log.append(f"finished in {seconds:.2f}s")
            return Attempt(False, seconds)
        raise AssertionError("the entity lock of a killed run was never released")

    def _watch(
        self, process: subprocess.Popen[bytes], kill_after: float | None, kill_at_rows: int | None
    ) -> bool:
        deadline = time.monotonic() + kill_after if kill_after is not None else None
        while process.poll() is None:
            due = deadline is not None and time.monotonic() >= deadline
            if due or (kill_at_rows is not None and self._rows_committed() >= kill_at_rows):
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.01)
        return False

    def _rows_committed(self) -> int:
        query = sa.text(
            "SELECT rows_read FROM onec_bridge_runs WHERE entity = 'products' "
            "AND status = 'running' ORDER BY id DESC LIMIT 1"
        )
        try:
            with self.engine.connect() as conn:
                return int(conn.execute(query).scalar() or 0)
        except sa.exc.DBAPIError:  # tables not created yet, or locked for a moment
            return 0

    # --- changing 1C ------------------------------------------------------------------

    def change_1c(self) -> None:
        rng, base = self.rng, self.base
        refs = self._refs(ITEMS_SET)
        edited = base.modify_items(rng.randint(1, 15), seed=rng.randint(1, 10**6))
        inserted = base.insert_items(rng.randint(0, 5), seed=rng.randint(1, 10**6))
        marked = rng.sample(refs, 3)
        for ref in marked:
            base.set_deletion_mark(ITEMS_SET, ref, rng.random() < 0.7)
        gone = [ref for ref in rng.sample(refs, 2) if ref not in marked]
        for ref in gone:
            base.delete_object(ITEMS_SET, ref)
        self.deleted.update(gone)
        rewritten = self._rewrite_sections(rng.randint(1, 3))
        self.log.append(
            f"1C: {len(edited)} edited, {len(inserted)} new, {len(marked)} marks, "
            f"{len(gone)} deleted, {rewritten} sections rewritten"
        )

    def _rewrite_sections(self, count: int) -> int:
        """Write ``count`` sales documents again with a line edited, removed and/or added,
        as 1C writes a document: the whole section, renumbered, a new DataVersion."""
        rng, base = self.rng, self.base
        documents = self._refs(SALES)
        chosen = rng.sample(documents, min(count, len(documents)))
        for ref in chosen:
            lines = base.section_lines(SALES, ref, SECTION)
            if lines and rng.random() < 0.5:
                lines.pop(rng.randrange(len(lines)))
            if lines:
                lines[0] = {**lines[0], "Количество": float(rng.randint(1, 50))}
            if not lines or rng.random() < 0.5:
                lines.append({**(lines[-1] if lines else {}), "Количество": 1.0})
            base.write_section(SALES, ref, SECTION, lines)
        return len(chosen)

    def _refs(self, set_name: str) -> list[str]:
        return sorted(row[0] for row in self.base.query(f'SELECT "Ref_Key" FROM "{set_name}"'))

    # --- checking ---------------------------------------------------------------------

    def assert_equal_to_1c(self) -> None:
        for entity, set_name in (("units", UNITS_SET), ("products", ITEMS_SET)):
            self._assert_table(entity, set_name)
        self._assert_lines("sale_lines")
        with self.engine.connect() as conn:
            for table in ("onec_bridge_checkpoints", "onec_bridge_locks"):
                left = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                assert left == 0, f"{table} keeps {left} rows after a clean finish"

    def _assert_table(self, entity: str, set_name: str) -> None:
        spec = self.contract.entities[entity]
        expected = self._expected(set_name, spec.fields)
        table = destination_table(sa.MetaData(), entity, spec)
        versions = self.contract.database.state_prefix + "row_versions"
        with self.engine.connect() as conn:
            rows = [dict(row) for row in conn.execute(sa.select(table)).mappings()]
            recorded = conn.execute(
                sa.text(f"SELECT count(*) FROM {versions} WHERE entity = :e"), {"e": entity}
            ).scalar()
        stored = {str(row["id"]): row for row in rows}
        assert len(stored) == len(rows), f"{entity}: duplicated keys"
        missing = sorted(set(expected) - set(stored))
        assert not missing, f"{entity}: {len(missing)} rows missing, e.g. {missing[:3]}"
        stale = [key for key, row in expected.items() if _plain(stored[key]) != row]
        assert not stale, f"{entity}: stale {stored[stale[0]] if stale else ''} != " + (
            f"{expected[stale[0]]}" if stale else ""
        )
        extra = set(stored) - set(expected)
        assert extra <= self.deleted, f"{entity}: rows never in 1C: {sorted(extra)[:3]}"
        undeleted = [key for key in extra if not stored[key]["is_deleted"]]
        assert not undeleted, f"{entity}: deleted in 1C but not marked: {undeleted[:3]}"
        assert recorded == len(expected), f"{entity}: {recorded} row versions, {len(expected)} rows"

    def _assert_lines(self, entity: str) -> None:
        """The lines table holds every line of every sales document, as 1C has it now."""
        spec = self.contract.entities[entity]
        product = converter_for(spec.fields["product_id"].resolved_type)
        quantity = converter_for(spec.fields["quantity"].resolved_type)
        expected = {
            (owner, number): (product(line.get("Номенклатура_Key")), quantity(line["Количество"]))
            for owner in self._refs(SALES)
            for number, line in enumerate(self.base.section_lines(SALES, owner, SECTION), 1)
        }
        table = destination_table(sa.MetaData(), entity, spec)
        versions = self.contract.database.state_prefix + "row_versions"
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table)).mappings().all()
            recorded = conn.execute(
                sa.text(f"SELECT count(*) FROM {versions} WHERE entity = :e"), {"e": entity}
            ).scalar()
        stored = {
            (str(row["owner_id"]), row["line_number"]): (
                None if row["product_id"] is None else str(row["product_id"]),
                row["quantity"],
            )
            for row in rows
        }
        assert len(stored) == len(rows), f"{entity}: duplicated keys"
        missing = sorted(set(expected) - set(stored))
        assert not missing, f"{entity}: {len(missing)} lines missing, e.g. {missing[:3]}"
        extra = sorted(set(stored) - set(expected))
        assert not extra, f"{entity}: {len(extra)} lines 1C no longer has, e.g. {extra[:3]}"
        stale = [key for key in expected if stored[key] != expected[key]]
        assert not stale, f"{entity}: stale {stale[0]}: {stored[stale[0]]} != {expected[stale[0]]}"
        assert recorded == len(expected), f"{entity}: {recorded} row versions, {len(expected)}"

    def _expected(self, set_name: str, fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
        converters = {column: converter_for(spec.resolved_type) for column, spec in fields.items()}
        expected = {}
        for ref in self._refs(set_name):
            wire = self.base.get(set_name, ref)
            assert wire is not None
            expected[ref] = {
                column: converters[column](wire.get(spec.source)) for column, spec in fields.items()
            }
        return expected


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {name: str(value) if isinstance(value, UUID) else value for name, value in row.items()}
