"""Rich rendering of runs: progress bars while pulling, a summary table (and warnings) after."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console, Group, RenderableType
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
from rich.text import Text

from onec_bridge.sync.counts import RunResult
from onec_bridge.sync.pull import ProgressCallback

__all__ = ["progress_bars", "run_report", "summary_table"]


@contextmanager
def progress_bars(console: Console) -> Iterator[ProgressCallback]:
    """A progress callback drawing one bar per entity."""
    progress = Progress(
        TextColumn("[bold]{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[speed]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
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
    """One column per entity, one row per measure: fits a narrow terminal."""
    correlation_ids = sorted({result.correlation_id for result in results})
    table = Table(
        title=title,
        title_justify="left",
        caption=f"correlation id {', '.join(correlation_ids)}",
        caption_justify="left",
    )
    table.add_column("")
    for result in results:
        table.add_column(result.entity, justify="right")
    measures: list[tuple[str, Callable[[RunResult], str]]] = [
        ("mode", lambda r: r.mode + (" (resumed)" if r.resumed else "")),
        ("status", lambda r: r.status),
        ("rows read", lambda r: f"{r.counts.read:,}"),
        ("inserted", lambda r: f"{r.counts.inserted:,}"),
        ("updated", lambda r: f"{r.counts.updated:,}"),
        ("unchanged", lambda r: f"{r.counts.unchanged:,}"),
        ("marked deleted", lambda r: f"{r.counts.marked_deleted:,}"),
        ("deleted", lambda r: f"{r.counts.deleted:,}"),
        ("skipped (dead letters)", lambda r: f"{r.counts.skipped:,}"),
        ("seconds", lambda r: f"{r.seconds:.2f}"),
        ("rows/s", lambda r: f"{r.rows_per_second:,.0f}"),
    ]
    for label, render in measures:
        table.add_row(label, *(render(result) for result in results))
    return table


def run_report(results: Sequence[RunResult], title: str) -> RenderableType:
    """The summary table, then a line for each warning a run gave."""
    warnings = [
        Text.assemble(("warning: ", "bold yellow"), f"{result.entity}: {warning}")
        for result in results
        for warning in result.warnings
    ]
    return Group(summary_table(results, title), *warnings)
