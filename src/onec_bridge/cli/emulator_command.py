"""`onec-bridge emulator`: the 1C stand-in as a real server."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from onec_bridge.emulator import (
    EmulatorBase,
    EmulatorSettings,
    ServerHandle,
    create_app,
    demo_configuration,
    generate_demo_base,
    run_in_thread,
)
from onec_bridge.emulator.fault_plan import FaultPlan
from onec_bridge.emulator.loyalty import demo_http_services

__all__ = ["DEMO_PASSWORD", "DEMO_USER", "serve", "start_demo_emulator"]

DEMO_USER = "Администратор"
DEMO_PASSWORD = "demo"


def start_demo_emulator(
    *,
    items: int,
    host: str = "127.0.0.1",
    port: int = 0,
    base_file: Path | None = None,
    base_name: str = "demo",
    faults: str | None = None,
    seed: int = 1,
) -> tuple[EmulatorBase, ServerHandle]:
    """Open (or generate) a demo base and serve it; returns the base and the server handle.

    The demo loyalty HTTP service is mounted at ``{url}/hs/loyalty/…`` (same Basic auth)."""
    base = EmulatorBase.open(base_file, configuration=demo_configuration())
    generate_demo_base(base, items=items, seed=seed)
    settings = EmulatorSettings(
        base_name=base_name,
        users={DEMO_USER: DEMO_PASSWORD},
        admin=True,
        faults=FaultPlan.parse(faults) if faults else None,
        hs_app=demo_http_services(base),
    )
    handle = run_in_thread(create_app(base, settings), host=host, port=port)
    return base, handle


def serve(
    console: Console,
    *,
    host: str,
    port: int,
    items: int,
    base_file: Path | None,
    base_name: str,
    faults: str | None,
    seed: int,
) -> None:
    started = time.perf_counter()
    _base, handle = start_demo_emulator(
        items=items,
        host=host,
        port=port,
        base_file=base_file,
        base_name=base_name,
        faults=faults,
        seed=seed,
    )
    url = handle.url
    console.print(f"1C emulator ready in {time.perf_counter() - started:.1f}s")
    console.print(f"  OData root:    {url}/odata/standard.odata/")
    console.print(f"  HTTP services: {url}/hs/")
    console.print(f"  user: {DEMO_USER} password: {DEMO_PASSWORD}")
    console.print("Press Ctrl+C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        handle.stop()
