"""`onec-bridge contract check|init`: check a contract against 1C, scaffold one from $metadata.

onec-bridge contract check contract.yaml --metadata saved-metadata.xml
onec-bridge contract init --from-metadata saved-metadata.xml --only Catalog_Номенклатура
ONEC_USER=… ONEC_PASSWORD=… onec-bridge contract init --from-metadata http://host/trade

The commands and their options; what they do is in ``contract_actions``, imported when
one runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["contract_app"]

contract_app = typer.Typer(
    name="contract",
    help="Check an exchange contract against 1C, or write one from $metadata.",
    no_args_is_help=True,
)


@contract_app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="contract YAML file(s), merged in order")],
    metadata: Annotated[
        Path | None,
        typer.Option(
            "--metadata",
            help="saved $metadata XML; without it the contract's 1C is asked",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="validate the file only; do not contact 1C")
    ] = False,
) -> None:
    """Validate contract files; against $metadata when available. Exit 2 on problems."""
    from onec_bridge.cli.contract_actions import check_contract

    check_contract(files, metadata, offline)


@contract_app.command("init")
def init(
    from_metadata: Annotated[
        str,
        typer.Option(
            "--from-metadata",
            envvar="ONEC_URL",
            help="saved $metadata file, or a 1C publication URL "
            "(login from ONEC_USER/ONEC_PASSWORD)",
        ),
    ],
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="entity set to include, e.g. Catalog_Номенклатура (repeat)"),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="file to write; '-' prints to the terminal")
    ] = Path("contract.yaml"),
    rename: Annotated[
        list[str] | None,
        typer.Option("--rename", help="1C name=English name, e.g. Номенклатура=product (repeat)"),
    ] = None,
    no_dictionary: Annotated[
        bool,
        typer.Option(
            "--no-dictionary", help="transliterate every word; skip the built-in dictionary"
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Write a contract skeleton from a live 1C or a saved $metadata."""
    from onec_bridge.cli.contract_actions import init_contract

    init_contract(from_metadata, only, output, rename, no_dictionary, force)
