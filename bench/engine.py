"""Run ``bench.engine_proc`` and sample its RSS with psutil while it works."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import psutil

__all__ = ["EngineRun", "run_engine"]


@dataclass
class EngineRun:
    seconds: float
    mode: str
    counts: dict[str, int]
    peak_rss_mb: float
    #: "median of n (min–max s)" when this run stands for several
    spread: str = ""


def run_engine(onec_url: str, database_url: str, entity: str = "products") -> EngineRun:
    """Sync ``entity`` of ``bench/contract.yaml`` once, in its own process."""
    command = [sys.executable, "-m", "bench.engine_proc", "--onec-url", onec_url]
    command += ["--database-url", database_url, "--entity", entity]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.02)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"onec-bridge sync failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if result["status"] != "succeeded":
        raise RuntimeError(f"onec-bridge sync ended {result['status']}")
    peak_mb = max(peak / 2**20, float(result["maxrss_mb"]))
    return EngineRun(result["seconds"], result["mode"], result["counts"], peak_mb)
