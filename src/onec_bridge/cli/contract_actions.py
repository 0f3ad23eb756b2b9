"""What `onec-bridge contract check|init` do (the options are in ``contract_command``)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from ruamel.yaml import YAML

from onec_bridge.cli.errors import EXIT_CONFIG, CommandError, friendly_errors
from onec_bridge.contract.check import check_against_metadata
from onec_bridge.contract.errors import ContractError, ContractProblem
from onec_bridge.contract.loader import load_contract_with_origins
from onec_bridge.contract.scaffold import scaffold_contract
from onec_bridge.logs import configure_logging
from onec_bridge.onec.client import OneCClient
from onec_bridge.onec.errors import OneCError
from onec_bridge.onec.metadata import Schema, parse_metadata
from onec_bridge.onec.settings import OneCSettings

__all__ = ["check_contract", "fetch_schema", "init_contract", "publication_root"]

# A check should say "unreachable" in seconds, not after the sync's full retry budget.
CHECK_RETRY_ATTEMPTS = 2
CHECK_CONNECT_TIMEOUT = 5.0
_ODATA_SUFFIX = "/odata/standard.odata"

console = Console(soft_wrap=True)


def check_contract(files: list[Path], metadata: Path | None, offline: bool) -> None:
    """Validate contract files; against $metadata when available. Exit 2 on problems."""
    configure_logging(level="ERROR")
    with friendly_errors(console):
        try:
            contract, origins = load_contract_with_origins(files)
        except ContractError as exc:
            _fail_with(exc.problems)
        schema, note = _schema_for_check(contract.onec, metadata, offline)
        # without a schema only the checks that need no 1C run (HTTP-service form, paging)
        problems = check_against_metadata(contract, origins, schema, default_file=str(files[-1]))
    if problems:
        _fail_with(problems)
    checked = f"{len(contract.entities)} entities"
    if schema is None:
        console.print(f"[green]ok[/]: {checked} valid; [yellow]{escape(note)}[/]")
    else:
        console.print(f"[green]ok[/]: {checked} match $metadata ({escape(note)})")


def init_contract(
    from_metadata: str,
    only: list[str] | None,
    output: Path,
    rename: list[str] | None,
    no_dictionary: bool,
    force: bool,
) -> None:
    """Write a contract skeleton from a live 1C or a saved $metadata."""
    configure_logging(level="ERROR")
    with friendly_errors(console):
        overrides = _parse_renames(rename or [])
        if str(output) != "-" and output.exists() and not force:
            raise CommandError(
                f"{output} exists; pass --force to overwrite or --output another file"
            )
        schema, label, root = _schema_for_init(from_metadata)
        text = scaffold_contract(
            schema,
            only or None,
            overrides,
            use_dictionary=not no_dictionary,
            onec_url=root,
            source_label=label,
        )
    if str(output) == "-":
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    entities = len(YAML(typ="safe").load(text)["entities"])
    console.print(
        f"[green]wrote[/] {escape(str(output))}: {entities} entities from "
        f"{escape(label)}\nnext: onec-bridge contract check {escape(str(output))}"
    )


def publication_root(url: str) -> str:
    """``http://host/trade`` for any URL under it (``…/odata/standard.odata/$metadata``)."""
    url = url.strip().rstrip("/")
    cut = url.find(_ODATA_SUFFIX)
    return url[:cut] if cut >= 0 else url


def fetch_schema(settings: OneCSettings) -> Schema:
    """``$metadata`` of a live 1C, with a short retry budget."""
    quick = settings.model_copy(
        update={
            "connect_timeout": min(settings.connect_timeout, CHECK_CONNECT_TIMEOUT),
            "resilience": settings.resilience.model_copy(
                update={"retry_attempts": CHECK_RETRY_ATTEMPTS}
            ),
        }
    )

    async def fetch() -> Schema:
        async with OneCClient(quick) as client:
            return await client.odata.metadata()

    return asyncio.run(fetch())


def _schema_for_check(
    settings: OneCSettings, metadata: Path | None, offline: bool
) -> tuple[Schema | None, str]:
    if metadata is not None:
        return parse_metadata(metadata), f"saved {metadata}"
    if offline:
        return None, "--offline: not checked against 1C's $metadata"
    try:
        return fetch_schema(settings), f"live {settings.url}"
    except (OneCError, OSError) as exc:
        return None, (
            f"1C at {settings.url} is unreachable ({exc}); checked the file only, "
            "not against $metadata (pass --metadata SAVED.xml to check offline)"
        )


def _schema_for_init(source: str) -> tuple[Schema, str, str | None]:
    """(schema, a label for the header, the publication root for ``onec.url`` or None)."""
    if source.startswith(("http://", "https://")):
        user = os.environ.get("ONEC_USER")
        if not user:
            raise CommandError("set ONEC_USER (and ONEC_PASSWORD) to read $metadata from a live 1C")
        root = publication_root(source)
        settings = OneCSettings(url=root, user=user, password=os.environ.get("ONEC_PASSWORD", ""))
        return fetch_schema(settings), f"{settings.odata_root}/$metadata", root
    path = Path(source)
    if not path.is_file():
        raise CommandError(f"{source}: no such file; give a saved $metadata or an http(s):// URL")
    return parse_metadata(path), path.name, None


def _parse_renames(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        onec_name, sep, english = pair.partition("=")
        if not sep or not onec_name.strip() or not english.strip():
            raise CommandError(
                f"--rename {pair!r}: write it as 1C name=English name, "
                "e.g. --rename Номенклатура=product"
            )
        overrides[onec_name.strip()] = english.strip()
    return overrides


def _fail_with(problems: list[ContractProblem]) -> NoReturn:
    for problem in problems:
        console.print(f"[red]{escape(problem.render())}[/]", highlight=False)
    console.print(f"[bold red]{len(problems)} problem(s)[/] in the contract")
    raise typer.Exit(EXIT_CONFIG)
