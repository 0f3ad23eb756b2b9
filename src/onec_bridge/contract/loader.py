"""Load contract files: YAML with line numbers, environment references, typed validation.

Several files merge in order (later files add entities and override settings),
so a large project can keep one file per area.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from onec_bridge.contract.env_refs import REFERENCE, MissingVariable, resolve_references
from onec_bridge.contract.errors import ContractError, ContractProblem
from onec_bridge.contract.model import Contract
from onec_bridge.contract.suggest import allowed_keys_at

__all__ = ["Origin", "Origins", "load_contract", "load_contract_with_origins"]

Origin = tuple[str, int | None, int | None]
"""(file, line, column) of a key in the YAML source; line and column count from 1."""
Origins = dict[tuple[str, ...], Origin]
"""Where each key path (``("entities", "items", "fields", "sku")``) was written."""


def load_contract(
    paths: str | Path | Sequence[str | Path], environ: Mapping[str, str] | None = None
) -> Contract:
    """Read, merge, resolve and validate contract files; raise ContractError with locations."""
    return load_contract_with_origins(paths, environ)[0]


def load_contract_with_origins(
    paths: str | Path | Sequence[str | Path], environ: Mapping[str, str] | None = None
) -> tuple[Contract, Origins]:
    """Like :func:`load_contract`, also returning where every key came from (for later checks)."""
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    env = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    origins: Origins = {}
    variables: dict[tuple[str, ...], list[str]] = {}
    for file in files:
        document = _read_yaml(file)
        problems: list[ContractProblem] = []
        resolved = _resolve(document, env, str(file), (), origins, problems, variables)
        if problems:
            raise ContractError(problems)
        _merge(merged, resolved)
    try:
        return Contract.model_validate(merged), origins
    except ValidationError as exc:
        raise ContractError(_problems_from(exc, origins, files[-1], variables)) from None


def _read_yaml(file: Path) -> CommentedMap:
    if not file.is_file():
        raise ContractError(
            [
                ContractProblem(
                    f"contract file not found (cwd: {Path.cwd()}); pass --contract PATH", str(file)
                )
            ]
        )
    try:
        document = YAML(typ="rt").load(file.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise ContractError(
            [ContractProblem(f"not valid YAML: {exc.problem}", str(file), line, column)]
        ) from None
    if not isinstance(document, CommentedMap):
        raise ContractError(
            [
                ContractProblem(
                    "the contract must be a YAML mapping with `onec:` and `entities:`",
                    str(file),
                    1,
                    1,
                )
            ]
        )
    return document


def _resolve(
    node: Any,
    env: Mapping[str, str],
    file: str,
    path: tuple[str, ...],
    origins: dict[tuple[str, ...], tuple[str, int | None, int | None]],
    problems: list[ContractProblem],
    variables: dict[tuple[str, ...], list[str]],
) -> Any:
    """Plain data with `${VAR}` resolved; remember where every key came from and which
    environment variables a value was built from (a bad value then names them)."""
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key, value in node.items():
            line, column = _key_position(node, key)
            child = (*path, str(key))
            origins[child] = (file, line, column)
            result[str(key)] = _resolve(value, env, file, child, origins, problems, variables)
        return result
    if isinstance(node, CommentedSeq):
        return [
            _resolve(item, env, file, (*path, str(i)), origins, problems, variables)
            for i, item in enumerate(node)
        ]
    if isinstance(node, str):
        names = [match.group("name") for match in REFERENCE.finditer(node)]
        if names:
            variables[path] = names
        try:
            return resolve_references(node, env)
        except MissingVariable as exc:
            where = origins.get(path, (file, None, None))
            problems.append(ContractProblem(str(exc), file, where[1], where[2], ".".join(path)))
            return node
    return node


def _key_position(node: CommentedMap, key: Any) -> tuple[int | None, int | None]:
    try:
        line, column = node.lc.key(key)
        return int(line) + 1, int(column) + 1
    except (KeyError, TypeError, AttributeError):
        return None, None


def _merge(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _problems_from(
    exc: ValidationError,
    origins: Mapping[tuple[str, ...], tuple[str, int | None, int | None]],
    last_file: Path,
    variables: Mapping[tuple[str, ...], list[str]],
) -> list[ContractProblem]:
    problems = []
    for error in exc.errors():
        loc = tuple(str(part) for part in error["loc"] if not str(part).startswith("function-"))
        file, line, column = _nearest_origin(loc, origins, str(last_file))
        message = error["msg"].removeprefix("Value error, ")
        suggestion = None
        if error["type"] == "extra_forbidden":
            suggestion = _did_you_mean(loc)
            message = f"unknown key {loc[-1]!r}"
        elif error["type"] == "missing":
            message = f"required key {loc[-1]!r} is missing"
        value = error.get("input")
        if error["type"] not in ("missing", "extra_forbidden") and isinstance(value, str | int):
            message += f" (got {value!r})"
        if loc in variables:
            message += " from " + ", ".join(f"${name}" for name in variables[loc])
        problems.append(ContractProblem(message, file, line, column, ".".join(loc), suggestion))
    return problems


def _nearest_origin(
    loc: tuple[str, ...],
    origins: Mapping[tuple[str, ...], tuple[str, int | None, int | None]],
    default_file: str,
) -> tuple[str, int | None, int | None]:
    for cut in range(len(loc), 0, -1):
        # `from` is the YAML spelling of FieldSpec.source
        candidate = tuple(
            "from" if part == "source" and i == len(loc) - 1 and "fields" in loc else part
            for i, part in enumerate(loc[:cut])
        )
        if candidate in origins:
            return origins[candidate]
        if loc[:cut] in origins:
            return origins[loc[:cut]]
    return default_file, None, None


def _did_you_mean(loc: tuple[str, ...]) -> str | None:
    allowed = allowed_keys_at(loc[:-1])
    matches = difflib.get_close_matches(loc[-1], allowed, n=1)
    if matches:
        return f"did you mean `{matches[0]}`?"
    if allowed:
        return f"allowed here: {', '.join(sorted(allowed))}"
    return None
