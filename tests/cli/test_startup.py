"""The command line starts without the engine: `--help` and `--version` import neither the
database, the HTTP nor the contract layer; a command imports what it runs."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from onec_bridge import __version__
from onec_bridge.cli import errors

#: what `onec-bridge sync` needs and `onec-bridge --help` must not import (pydantic is not
#: among them: typer itself converts option values with it)
ENGINE_MODULES = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "httpx2",
    "lxml",
    "msgspec",
    "onec_bridge.contract",
    "onec_bridge.onec",
    "onec_bridge.store",
    "onec_bridge.sync",
    "onec_bridge.emulator",
)


def _cli_in_fresh_interpreter(*argv: str) -> tuple[int, list[str], str]:
    """Exit code, the engine modules imported, and the output of `onec-bridge ARGV`."""
    code = (
        "import json, sys\n"
        "from onec_bridge.cli import main\n"
        f"sys.argv = ['onec-bridge', *{list(argv)!r}]\n"
        "try:\n"
        "    main()\n"
        "    code = 0\n"
        "except SystemExit as stop:\n"
        "    code = stop.code or 0\n"
        f"loaded = [name for name in {ENGINE_MODULES!r} if name in sys.modules]\n"
        "print(json.dumps([code, loaded]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    *output, last = done.stdout.splitlines()
    exit_code, loaded = json.loads(last)
    return exit_code, loaded, "\n".join(output)


@pytest.mark.parametrize("argv", [("--help",), ("--version",), ("contract", "--help")])
def test_help_and_version_import_no_engine_module(argv: tuple[str, ...]) -> None:
    exit_code, loaded, output = _cli_in_fresh_interpreter(*argv)
    assert exit_code == 0, output
    assert loaded == []
    assert output.strip()


def test_version_prints_the_version_without_a_command() -> None:
    exit_code, _loaded, output = _cli_in_fresh_interpreter("--version")
    assert exit_code == 0
    assert output.strip() == f"onec-bridge {__version__}"


def test_a_command_imports_what_it_runs() -> None:
    """`contract check` of a missing file fails cleanly, having loaded the contract layer."""
    exit_code, loaded, output = _cli_in_fresh_interpreter(
        "contract", "check", "--offline", "no-such-contract.yaml"
    )
    assert exit_code == errors.EXIT_CONFIG, output
    assert "no-such-contract.yaml" in output
    assert "onec_bridge.contract" in loaded
    assert "sqlalchemy" not in loaded


@pytest.mark.parametrize(("module_name", "type_name", "code", "prefix"), errors._EXPECTED)
def test_every_expected_failure_type_exists_and_maps_to_its_exit_code(
    module_name: str, type_name: str, code: int, prefix: str
) -> None:
    failure_type = getattr(importlib.import_module(module_name), type_name)
    assert issubclass(failure_type, Exception)
    failure = failure_type.__new__(failure_type)  # no constructor arguments needed to classify
    # listed most specific first, so no earlier, more general type takes it
    assert errors.expected_failure(failure) == (code, prefix)


def test_an_unexpected_failure_is_raised_on() -> None:
    assert errors.expected_failure(ZeroDivisionError("a bug")) is None
