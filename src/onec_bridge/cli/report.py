"""Rich rendering of runs: progress bars while pulling, a summary table after."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from onec_bridge.sync.counts import RunResult
from onec_bridge.sync.pull import ProgressCallback

__all__ = ["progress_bars", "summary_table"]


@contextmanager
def progress_bars(console: Console) -> Iterator[ProgressCallback]:
    """A progress callback drawing one bar per entity."""
    progress = Progress(
        TextColumn("[bold]{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[speed]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=console, transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def update(entity: str, done: int, total: int | None) -> None:
        if entity not in tasks:
            tasks[entity] = progress.add_task(entity, total=total, speed="")
        task = progress.tasks[tasks[entity]]
        elapsed = task.elapsed or 0.0
        speed = f"{done / elapsed:,.0f} rows/s" if elapsed > 0 else ""
        progress.update(tasks[entity], completed=done, total=max(total or 0, done), speed=speed)

    with progress:
        yield update


def summary_table(results: Sequence[RunResult], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for header in ("entity", "mode", "read", "inserted", "updated", "unchanged",
                   "marked deleted", "deleted", "skipped", "seconds", "rows/s", "correlation id"):
        table.add_column(header, justify="left" if header in ("entity", "mode",
                                                              "correlation id") else "right")
    for result in results:
        counts = result.counts
        table.add_row(
            result.entity, result.mode + (" (resumed)" if result.resumed else ""),
            f"{counts.read:,}", f"{counts.inserted:,}", f"{counts.updated:,}",
            f"{counts.unchanged:,}", f"{counts.marked_deleted:,}", f"{counts.deleted:,}",
            f"{counts.skipped:,}", f"{result.seconds:.2f}", f"{result.rows_per_second:,.0f}",
            result.correlation_id,
        )
    return table
