"""What a run did, in numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["RunCounts", "RunResult"]


@dataclass
class RunCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_deleted: int = 0
    deleted: int = 0
    skipped: int = 0

    def add(self, other: RunCounts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_columns(self) -> dict[str, int]:
        return {f"rows_{name}": value for name, value in asdict(self).items()}

    @classmethod
    def from_columns(cls, row: dict[str, int]) -> RunCounts:
        return cls(**{name: int(row[f"rows_{name}"] or 0) for name in cls.__dataclass_fields__})


@dataclass
class RunResult:
    entity: str
    run_id: int
    correlation_id: str
    mode: str
    status: str
    seconds: float
    counts: RunCounts = field(default_factory=RunCounts)
    resumed: bool = False
    errors: list[str] = field(default_factory=list)
    #: what the run did not do as the contract says, and why (it still succeeded)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.counts.read / self.seconds if self.seconds > 0 else 0.0
