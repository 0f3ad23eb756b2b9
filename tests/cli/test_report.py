"""What `onec-bridge sync` prints after the runs: the summary, then each run's warnings."""

from __future__ import annotations

from rich.console import Console

from onec_bridge.cli.report import run_report
from onec_bridge.sync.counts import RunCounts, RunResult


def _printed(results: list[RunResult]) -> str:
    console = Console(width=120, record=True)
    console.print(run_report(results, "sync c0ffee"))
    return console.export_text()


def test_warnings_follow_the_summary_one_line_each() -> None:
    quiet = RunResult("units", 1, "c0ffee", "data_version", "succeeded", 0.1, RunCounts(read=5))
    kept = RunResult("products", 2, "c0ffee", "data_version", "succeeded", 0.2, RunCounts(read=9))
    kept.warnings.append("1 row(s), e.g. 5f6a1d1c-…: not deleted")
    text = _printed([quiet, kept])
    summary, _, after = text.partition("correlation id c0ffee")
    assert "products" in summary and "rows read" in summary
    assert [line for line in after.splitlines() if line.strip()] == [
        "warning: products: 1 row(s), e.g. 5f6a1d1c-…: not deleted"
    ]


def test_no_warning_line_when_every_run_did_as_the_contract_says() -> None:
    run = RunResult("units", 1, "c0ffee", "full", "succeeded", 0.1, RunCounts(read=5))
    assert "warning" not in _printed([run])
