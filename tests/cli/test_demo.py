"""`onec-bridge demo` end to end, in-process: emulator over a socket, SQLite file, two syncs."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from onec_bridge.cli import app


def test_demo_syncs_then_applies_only_the_changes(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    result = CliRunner().invoke(
        app,
        ["demo", "--items", "400", "--db", str(database), "--changes", "40"],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    output = result.output
    assert "1. full sync" in output
    assert "2. changes only" in output
    assert "40 items edited, 25 marked for deletion, 50 created, 5 deleted physically" in output
    modes = re.findall(r"│ mode\s+│\s+(\S+)\s+│\s+(\S+)\s+│", output)
    assert modes == [("full", "full"), ("data_version", "data_version")]
    updated = re.findall(r"│ updated\s+│\s+(\d+)\s+│\s+(\d+)\s+│", output)
    assert updated[1] == ("0", str(40 - 5))  # the 5 physically deleted are not updated
    deleted = re.findall(r"│ deleted\s+│\s+(\d+)\s+│\s+(\d+)\s+│", output)
    assert deleted[1] == ("0", "5")
    with sqlite3.connect(database) as conn:
        products = conn.execute("SELECT count(*) FROM products").fetchone()[0]
        flagged = conn.execute("SELECT count(*) FROM products WHERE is_deleted = 1").fetchone()[0]
        runs = conn.execute("SELECT status FROM onec_bridge_runs").fetchall()
    assert products == 400 + 400 // 50 + 50
    assert flagged >= 25 + 5
    assert runs == [("succeeded",)] * 4
    assert str(database) in output
