"""Turn every expected failure into a one-paragraph message and an exit code, never a traceback.

The failure types are looked up by name in the modules already imported: an exception of
a type whose module was never imported cannot have been raised, so ``onec-bridge --help``
does not import the database, HTTP and contract layers only to name their errors.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from onec_bridge.logs import redact

__all__ = ["EXIT_CONFIG", "EXIT_LOCKED", "EXIT_ONEC", "CommandError", "friendly_errors"]

EXIT_CONFIG = 2
EXIT_ONEC = 3
EXIT_DATABASE = 4
EXIT_LOCKED = 5

#: (module, type name, exit code, message prefix), most specific first: the first type the
#: failure is an instance of decides
_EXPECTED: tuple[tuple[str, str, int, str], ...] = (
    ("onec_bridge.contract.errors", "ContractError", EXIT_CONFIG, ""),
    ("onec_bridge.onec.errors", "OneCAuthError", EXIT_ONEC, "1C refused the credentials: "),
    ("onec_bridge.onec.errors", "OneCUnavailable", EXIT_ONEC, "1C is unreachable: "),
    ("onec_bridge.onec.errors", "OneCError", EXIT_ONEC, "1C request failed: "),
    ("onec_bridge.store.database", "DatabaseUnavailable", EXIT_DATABASE, ""),
    ("onec_bridge.store.database", "NotDurable", EXIT_DATABASE, ""),
    ("onec_bridge.store.migrate", "SchemaConflict", EXIT_CONFIG, ""),
    ("onec_bridge.store.locks", "EntityLocked", EXIT_LOCKED, ""),
    ("onec_bridge.store.locks", "LockLost", EXIT_LOCKED, ""),
    ("onec_bridge.sync.ordering", "EntitySelectionError", EXIT_CONFIG, ""),
    ("onec_bridge.contract.scaffold_plan", "ScaffoldError", EXIT_CONFIG, ""),
)


class CommandError(ValueError):
    """A command's arguments cannot work; the message says what to type instead."""


@contextmanager
def friendly_errors(console: Console) -> Iterator[None]:
    try:
        yield
    except CommandError as exc:
        _fail(console, str(exc), EXIT_CONFIG)
    except Exception as exc:
        expected = expected_failure(exc)
        if expected is None:
            raise
        code, prefix = expected
        _fail(console, f"{prefix}{exc}", code)


def expected_failure(exc: BaseException) -> tuple[int, str] | None:
    """The exit code and message prefix of an expected failure, or None (a bug: raised on)."""
    for module_name, type_name, code, prefix in _EXPECTED:
        module = sys.modules.get(module_name)
        expected_type = getattr(module, type_name, None)
        if isinstance(expected_type, type) and isinstance(exc, expected_type):
            return code, prefix
    return None


def _fail(console: Console, message: str, code: int) -> NoReturn:
    console.print(f"[bold red]error:[/] {redact(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
