"""Parent side of ``bench.emulator_proc``: start, reconfigure and stop the emulated 1C."""

from __future__ import annotations

import subprocess
import sys
from types import TracebackType

__all__ = ["Emulator"]


class Emulator:
    def __init__(self, items: int) -> None:
        self.items = items
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.emulator_proc", "--items", str(items)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self._answer("READY").split()[1]

    @property
    def odata(self) -> str:
        return f"{self.url}/odata/standard.odata"

    def _answer(self, prefix: str) -> str:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith(prefix):
            raise RuntimeError(f"emulator process answered {line!r}")
        return line

    def _command(self, text: str) -> str:
        assert self._proc.stdin is not None
        self._proc.stdin.write(text + "\n")
        self._proc.stdin.flush()
        return self._answer("OK")

    def set_latency(self, seconds: float) -> None:
        """Per-request cost of every collection answer (no per-row or per-skip cost)."""
        self._command(f"cost {seconds} 0 0")

    def modify(self, count: int, seed: int = 11) -> int:
        """Change ``count`` items (the same ones, to the same values, for the same seed)."""
        return int(self._command(f"modify {count} {seed}").split()[1])

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.write("quit\n")
            self._proc.stdin.close()
            self._proc.wait(timeout=30)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
