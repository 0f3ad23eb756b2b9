"""`onec-bridge …` commands.

Only the command line itself is imported up front: each command imports what it runs, so
``onec-bridge --help`` or ``contract check`` do not pay for the sync engine's start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from onec_bridge import __version__
from onec_bridge.cli.contract_command import contract_app
from onec_bridge.cli.errors import friendly_errors
from onec_bridge.logs import configure_logging

__all__ = ["app", "main"]

app = typer.Typer(
    name="onec-bridge",
    help="Connect 1C:Enterprise to your application: sync, emulate, check contracts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
app.add_typer(contract_app, name="contract")

ContractOption = Annotated[
    list[Path],
    typer.Option(
        "--contract",
        "-c",
        help="contract YAML file (repeat to merge several)",
        envvar="ONEC_BRIDGE_CONTRACT",
    ),
]


def _print_version(wanted: bool) -> None:
    if wanted:
        console.print(f"onec-bridge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        # eager: runs while the options are parsed, so no command is needed after it
        typer.Option(
            "--version", help="print the version and exit", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    """Connect 1C:Enterprise to your application: sync, emulate, check contracts."""


@app.command()
def sync(
    entities: Annotated[
        list[str] | None, typer.Argument(help="entities to pull (default: all)")
    ] = None,
    contract: ContractOption = [Path("contract.yaml")],  # noqa: B006 - typer reads the default
    all_entities: Annotated[bool, typer.Option("--all", help="every 1C-mastered entity")] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="re-read and rewrite everything; compare every table with the contract"
        ),
    ] = False,
    force_schema: Annotated[
        bool,
        typer.Option(
            "--force-schema",
            help="apply contract changes that lose data (drop/recreate columns or tables)",
        ),
    ] = False,
) -> None:
    """Pull entities from 1C into the app database (incremental unless --full)."""
    import asyncio

    from onec_bridge.cli.report import progress_bars, run_report
    from onec_bridge.contract.loader import load_contract
    from onec_bridge.preload import preload_dependencies
    from onec_bridge.sync.runner import new_correlation_id, run_sync

    configure_logging()
    with friendly_errors(console):
        loaded = load_contract(contract)
        preload_dependencies(loaded.database.url)  # start-up, not inside the first run
        names = None if all_entities or not entities else entities
        correlation_id = new_correlation_id()
        with progress_bars(console) as progress:
            results = asyncio.run(
                run_sync(
                    loaded,
                    names,
                    full=full,
                    correlation_id=correlation_id,
                    progress=progress,
                    force_schema=force_schema,
                )
            )
        console.print(run_report(results, f"sync {correlation_id}"))


@app.command()
def emulator(
    port: Annotated[int, typer.Option(help="TCP port (0 = any free port)")] = 8765,
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    items: Annotated[int, typer.Option(help="items in Catalog_Номенклатура")] = 10_000,
    base_file: Annotated[
        Path | None,
        typer.Option(help="SQLite file keeping the base across restarts (default: in memory)"),
    ] = None,
    base_name: Annotated[str, typer.Option(help="publication name in the URL")] = "demo",
    faults: Annotated[
        str | None, typer.Option(help="fault plan, e.g. 'latency=30ms,error_rate=0.05,seed=7'")
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of the generated data")] = 1,
) -> None:
    """Run the built-in 1C emulator as a real HTTP server."""
    from onec_bridge.cli.emulator_command import serve

    configure_logging()
    with friendly_errors(console):
        serve(
            console,
            host=host,
            port=port,
            items=items,
            base_file=base_file,
            base_name=base_name,
            faults=faults,
            seed=seed,
        )


@app.command()
def demo(
    items: Annotated[int, typer.Option(help="items generated in the emulator")] = 10_000,
    database: Annotated[Path, typer.Option("--db", help="SQLite file to fill")] = Path("demo.db"),
    changes: Annotated[int, typer.Option(help="items changed before the second sync")] = 200,
) -> None:
    """Start the emulator, sync its catalog into SQLite, change 1C, sync only the changes."""
    from onec_bridge.cli.demo_command import run_demo

    configure_logging(level="WARNING")
    with friendly_errors(console):
        run_demo(console, items=items, database=database, changes=changes)


def main() -> None:
    app()
