"""One onec-bridge sync of the bench contract, in its own process; prints a JSON line.

Run by ``bench.engine`` so that peak RSS is the sync's alone and the timing
excludes interpreter start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import time
from pathlib import Path

import structlog

from bench.auth import PASSWORD, USER
from onec_bridge.contract.loader import load_contract
from onec_bridge.preload import preload_dependencies
from onec_bridge.sync.runner import run_sync

CONTRACT = Path(__file__).with_name("contract.yaml")


def _peak_rss_mb() -> float:
    """This process's peak RSS. Not ``ru_maxrss``: Linux carries that across fork + exec, so
    it would report the bench parent's size at the fork (the 1M key scan: ~480 MB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--onec-url", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--entity", default="products", help="an entity of bench/contract.yaml")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run here")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    environ = {
        "ONEC_URL": args.onec_url,
        "ONEC_USER": USER,
        "ONEC_PASSWORD": PASSWORD,
        "DATABASE_URL": args.database_url,
    }
    contract = load_contract(CONTRACT, environ=environ)
    preload_dependencies(contract.database.url)  # start-up, as `onec-bridge sync` does
    started = time.perf_counter()
    if args.profile:
        import cProfile

        with cProfile.Profile() as profile:
            [result] = asyncio.run(run_sync(contract, [args.entity]))
        profile.dump_stats(args.profile)
    else:
        [result] = asyncio.run(run_sync(contract, [args.entity]))
    seconds = time.perf_counter() - started
    out = {
        "seconds": seconds,
        "mode": result.mode,
        "status": result.status,
        "counts": vars(result.counts),
        "maxrss_mb": _peak_rss_mb(),
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
