"""Turn every expected failure into a one-paragraph message and an exit code, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from onec_bridge.contract.errors import ContractError
from onec_bridge.contract.scaffold_plan import ScaffoldError
from onec_bridge.logs import redact
from onec_bridge.onec.errors import OneCAuthError, OneCError, OneCUnavailable
from onec_bridge.store.database import DatabaseUnavailable
from onec_bridge.store.locks import EntityLocked, LockLost
from onec_bridge.store.migrate import SchemaConflict
from onec_bridge.sync.ordering import EntitySelectionError

__all__ = ["EXIT_CONFIG", "EXIT_LOCKED", "EXIT_ONEC", "CommandError", "friendly_errors"]

EXIT_CONFIG = 2
EXIT_ONEC = 3
EXIT_DATABASE = 4
EXIT_LOCKED = 5


class CommandError(ValueError):
    """A command's arguments cannot work; the message says what to type instead."""


@contextmanager
def friendly_errors(console: Console) -> Iterator[None]:
    try:
        yield
    except ContractError as exc:
        _fail(console, str(exc), EXIT_CONFIG)
    except OneCAuthError as exc:
        _fail(console, f"1C refused the credentials: {exc}", EXIT_ONEC)
    except OneCUnavailable as exc:
        _fail(console, f"1C is unreachable: {exc}", EXIT_ONEC)
    except OneCError as exc:
        _fail(console, f"1C request failed: {exc}", EXIT_ONEC)
    except DatabaseUnavailable as exc:
        _fail(console, str(exc), EXIT_DATABASE)
    except SchemaConflict as exc:
        _fail(console, str(exc), EXIT_CONFIG)
    except (EntityLocked, LockLost) as exc:
        _fail(console, str(exc), EXIT_LOCKED)
    except (EntitySelectionError, CommandError, ScaffoldError) as exc:
        _fail(console, str(exc), EXIT_CONFIG)


def _fail(console: Console, message: str, code: int) -> NoReturn:
    console.print(f"[bold red]error:[/] {redact(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
