"""bench/RESULTS.md: the machine, the versions, one table per scenario."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psutil

__all__ = ["Line", "Scenario", "ratio_text", "write_results"]

PACKAGES = (
    "onec-bridge", "httpx2", "msgspec", "SQLAlchemy", "psycopg", "uvicorn", "starlette",
    "requests", "dlt", "psutil",
)  # fmt: skip


def ratio_text(peer_seconds: float, our_seconds: float) -> str:
    """``onec-bridge 2.3x faster`` or, below 1, ``onec-bridge 1.2x slower`` (never
    "0.8x faster")."""
    ratio = peer_seconds / our_seconds
    if ratio >= 1:
        return f"onec-bridge {ratio:.1f}x faster"
    return f"onec-bridge {1 / ratio:.1f}x slower"


@dataclass
class Line:
    peer: str
    target: str
    n: int
    seconds: float
    ratio: str = ""
    rows: int | None = None  # rows/s from this many rows (default n)
    extra: str = ""

    @property
    def rows_per_second(self) -> float:
        return (self.rows if self.rows is not None else self.n) / self.seconds

    def markdown(self) -> str:
        return (
            f"| {self.peer} | {self.target} | {self.n:,} | {self.seconds:.2f} | "
            f"{self.rows_per_second:,.0f} | {self.ratio} | {self.extra} |"
        )


@dataclass
class Scenario:
    title: str
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        head = [
            f"### {self.title}",
            "",
            "| peer | target | N | seconds | rows/s | ratio | notes |",
            "|---|---|---:|---:|---:|---|---|",
        ]
        tail = [""] + [f"- {note}" for note in self.notes] if self.notes else []
        return "\n".join(head + [line.markdown() for line in self.lines] + tail)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _postgres_version() -> str:
    try:
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version", "test"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def machine_lines() -> list[str]:
    import sqlite3

    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    return [
        f"- CPU: {_cpu_model()}, nproc {os.cpu_count()}",
        f"- RAM: {psutil.virtual_memory().total / 2**30:.1f} GiB",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {_postgres_version()}",
        f"- packages: {', '.join(versions)}",
    ]


def write_results(path: Path, scenarios: list[Scenario], preamble: list[str], argv: str) -> None:
    text = [
        "# onec-bridge benchmarks",
        "",
        f"Produced by `python -m bench.run {argv}`".rstrip()
        + f" on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC;"
        " the script rewrites this file. Every ratio compares runs made in that one invocation,"
        " on the same emulator and database.",
        "",
        "## Machine",
        "",
        *machine_lines(),
        "",
        *preamble,
        "",
        "## Results",
        "",
    ]
    for scenario in scenarios:
        text += [scenario.markdown(), ""]
    path.write_text("\n".join(text))
