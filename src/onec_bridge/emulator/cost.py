"""What a request costs on a real 1C, so benchmarks against the emulator are honest.

1C's query language has no OFFSET: ``$skip=N`` still reads the N skipped rows,
so a page deep in a collection costs O(offset), and a naive ``$skip`` loop is
quadratic. ``CostModel.charge`` sleeps ``per_request + rows * per_row +
skipped * per_skipped_row`` seconds; the OData app calls it once per collection
response. ``CostModel()`` costs nothing; ``CostModel.realistic()`` is about what a
small 1C server shows (~30 ms per request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = [
    "REALISTIC_PER_REQUEST_S",
    "REALISTIC_PER_ROW_S",
    "REALISTIC_PER_SKIPPED_ROW_S",
    "CostModel",
]

REALISTIC_PER_REQUEST_S = 0.030
REALISTIC_PER_ROW_S = 0.000_02
REALISTIC_PER_SKIPPED_ROW_S = 0.000_005


@dataclass(frozen=True, slots=True)
class CostModel:
    """Seconds per request, per returned row and per row read past by ``$skip``."""

    per_request: float = 0.0
    per_row: float = 0.0
    per_skipped_row: float = 0.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)

    def __post_init__(self) -> None:
        for name in ("per_request", "per_row", "per_skipped_row"):
            if getattr(self, name) < 0:
                raise ValueError(
                    f"CostModel.{name} must be >= 0 seconds, got {getattr(self, name)}"
                )

    @classmethod
    def realistic(cls) -> CostModel:
        return cls(REALISTIC_PER_REQUEST_S, REALISTIC_PER_ROW_S, REALISTIC_PER_SKIPPED_ROW_S)

    def is_free(self) -> bool:
        return not (self.per_request or self.per_row or self.per_skipped_row)

    def seconds_for(self, *, rows: int, skipped: int) -> float:
        """The cost of one collection response of ``rows`` rows after ``skipped`` rows."""
        if rows < 0 or skipped < 0:
            raise ValueError(f"rows and skipped must be >= 0, got rows={rows}, skipped={skipped}")
        return self.per_request + rows * self.per_row + skipped * self.per_skipped_row

    async def charge(self, *, rows: int, skipped: int) -> None:
        """Sleep for the cost of one collection response (nothing when free)."""
        seconds = self.seconds_for(rows=rows, skipped=skipped)
        if seconds > 0:
            await self.sleep(seconds)
