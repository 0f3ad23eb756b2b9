"""`onec-bridge sync` as a user runs it: a real process, a real socket, real logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_bridge.emulator import (
    EmulatorBase,
    EmulatorSettings,
    ServerHandle,
    create_app,
    generate_demo_base,
    run_in_thread,
)

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "examples" / "demo" / "contract.yaml"
USER = "Администратор"
PASSWORD = "Сек-ретный-Pa55"


@pytest.fixture(scope="module")
def emulator() -> Iterator[ServerHandle]:
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=300, seed=2)
    handle = run_in_thread(create_app(base, EmulatorSettings(users={USER: PASSWORD})))
    yield handle
    handle.stop()
    base.close()


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("ONEC_", "DATABASE_"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "onec_bridge", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )


def env_for(handle: ServerHandle, tmp_path: Path, **overrides: str) -> dict[str, str]:
    return {
        "ONEC_URL": handle.url,
        "ONEC_USER": USER,
        "ONEC_PASSWORD": PASSWORD,
        "DATABASE_URL": f"sqlite:///{tmp_path}/app.db",
        "COLUMNS": "200",
        **overrides,
    }


def test_sync_logs_json_with_correlation_id_and_never_the_password(
    emulator: ServerHandle, tmp_path: Path
) -> None:
    env = env_for(emulator, tmp_path, ONEC_BRIDGE_LOG_JSON="1", ONEC_BRIDGE_LOG_LEVEL="DEBUG")
    done = run_cli("sync", "--all", "--contract", str(CONTRACT), env=env)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert len(lines) >= 4
    correlation_ids = {line.get("correlation_id") for line in lines}
    assert len(correlation_ids) == 1 and None not in correlation_ids
    assert {"sync.start", "sync.done"} <= {line["event"] for line in lines}
    assert PASSWORD not in done.stderr + done.stdout
    assert "products" in done.stdout and "rows read" in done.stdout


def test_wrong_password_is_one_paragraph_naming_the_variables(
    emulator: ServerHandle, tmp_path: Path
) -> None:
    done = run_cli(
        "sync",
        "units",
        "--contract",
        str(CONTRACT),
        env=env_for(emulator, tmp_path, ONEC_PASSWORD="wrong-password"),
    )
    assert done.returncode == 3
    output = done.stdout + done.stderr
    assert "1C refused the credentials" in output
    assert "ONEC_USER" in output and "ONEC_PASSWORD" in output
    assert "Traceback" not in output
    assert "wrong-password" not in output


def test_unreachable_onec_names_the_url_and_variable(tmp_path: Path) -> None:
    env = {
        "ONEC_URL": "http://127.0.0.1:9/demo",
        "ONEC_USER": USER,
        "ONEC_PASSWORD": PASSWORD,
        "DATABASE_URL": f"sqlite:///{tmp_path}/app.db",
        "COLUMNS": "200",
    }
    done = run_cli("sync", "units", "--contract", str(CONTRACT), env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 3
    assert "1C is unreachable" in output
    assert "127.0.0.1:9" in output and "ONEC_URL" in output
    assert "Traceback" not in output


def test_missing_password_variable_points_at_the_contract_line(tmp_path: Path) -> None:
    env = {
        "ONEC_URL": "http://127.0.0.1:9/demo",
        "DATABASE_URL": f"sqlite:///{tmp_path}/a.db",
        "COLUMNS": "200",
    }
    done = run_cli("sync", "--contract", str(CONTRACT), env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 2
    assert "ONEC_PASSWORD is not set" in output
    assert f"{CONTRACT}:" in output.replace("\n", "")
    assert "Traceback" not in output


def test_bad_database_url_is_named(emulator: ServerHandle, tmp_path: Path) -> None:
    done = run_cli(
        "sync",
        "units",
        "--contract",
        str(CONTRACT),
        env=env_for(emulator, tmp_path, DATABASE_URL="mysql+nodriver://x/y"),
    )
    output = done.stdout + done.stderr
    assert done.returncode in (2, 4)
    assert "DATABASE_URL" in output
    assert "Traceback" not in output


def test_help_lists_the_commands() -> None:
    done = run_cli("--help", env={"COLUMNS": "200"})
    assert done.returncode == 0
    for command in ("sync", "emulator", "demo"):
        assert command in done.stdout


def test_unknown_entity_lists_the_known_ones(emulator: ServerHandle, tmp_path: Path) -> None:
    done = run_cli("sync", "prices", "--contract", str(CONTRACT), env=env_for(emulator, tmp_path))
    output = done.stdout + done.stderr
    assert done.returncode == 2
    assert "unknown entity prices; the contract defines: products, units" in output
    assert "Traceback" not in output
