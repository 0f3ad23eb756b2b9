"""`${VAR}` and `${VAR:-default}` references, resolved from the environment.

Secrets live only in the environment; the contract names them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["MissingVariable", "resolve_references"]

REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class MissingVariable(ValueError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"environment variable {name} is not set; export {name}=... or give a default "
            f"as ${{{name}:-value}}"
        )


def resolve_references(text: str, environ: Mapping[str, str]) -> str:
    """Replace every reference in ``text``; an unset one without default raises MissingVariable."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group("name")
        value = environ.get(name)
        if value is not None and value != "":
            return value
        default = match.group("default")
        if default is not None:
            return default
        raise MissingVariable(name)

    return REFERENCE.sub(substitute, text)
