"""``python -m bench.run [--items N] [--quick] [--million] …``: every scenario, one invocation.

Starts the emulated 1C in its own process, runs onec-bridge (in a subprocess, RSS sampled
with psutil) and the baselines against it, and rewrites ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from bench.breakdown import breakdown
from bench.client_read import client_read, requests_read
from bench.dlt_peer import dlt_sync
from bench.emulator_client import Emulator
from bench.engine import EngineRun, run_engine
from bench.limit import emulator_alone, requests_per_second
from bench.naive import naive_sync
from bench.report import Line, Scenario, ratio_text, write_results
from bench.targets import Targets

LATENCY = 0.030
EXCHANGE_ENTITY = "products_exchange"
RESULTS = Path(__file__).with_name("RESULTS.md")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _engine_line(run: EngineRun, target: str, n: int, extra: str = "") -> Line:
    rss = f"peak RSS {run.peak_rss_mb:.0f} MB"
    return Line(
        "onec-bridge", target, n, run.seconds, extra=f"{rss}{'; ' + extra if extra else ''}"
    )


def _spread(seconds: list[float]) -> str:
    if len(seconds) < 2:
        return ""
    return f"median of {len(seconds)} ({min(seconds):.2f}–{max(seconds):.2f} s)"


def _median_run(runs: list[EngineRun]) -> EngineRun:
    """The run of median time, carrying the highest peak RSS of them all and the spread."""
    ordered = sorted(runs, key=lambda run: run.seconds)
    median = ordered[(len(ordered) - 1) // 2]
    median.peak_rss_mb = max(run.peak_rss_mb for run in runs)
    median.spread = _spread([run.seconds for run in runs])
    return median


def _joined(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _limit(odata: str, repeat: int) -> tuple[float, int, str]:
    """The emulator-alone time: median of ``repeat`` runs, its request count and spread."""
    runs = [emulator_alone(odata) for _ in range(repeat)]
    seconds = [run[0] for run in runs]
    return statistics.median_low(seconds), runs[0][1], _spread(seconds)


def _guard(scenario: Scenario, what: str, fn: Callable[[], None]) -> None:
    try:
        fn()
    except Exception as exc:  # a baseline that cannot run here is reported, not fatal
        _say(traceback.format_exc())
        scenario.notes.append(f"{what} could not run: {type(exc).__name__}: {exc}"[:400])


def client_scenarios(emulator: Emulator, rows: int) -> Scenario:
    scenario = Scenario("Issue 4 — full read by OneCClient vs a plain requests loop")
    for latency in (LATENCY, 0.0):
        emulator.set_latency(latency)
        tag = f"{latency * 1000:.0f} ms/request"
        plain_s, plain_pages, plain_rows = requests_read(emulator.odata)
        ours_s, pages, got = client_read(emulator.url)
        scenario.lines.append(
            Line(
                "OneCClient (4 in flight)",
                tag,
                got,
                ours_s,
                ratio_text(plain_s, ours_s),
                extra=f"{pages / ours_s:.1f} pages/s",
            )
        )
        scenario.lines.append(
            Line(
                "requests loop",
                tag,
                plain_rows,
                plain_s,
                "1.0",
                extra=f"{plain_pages / plain_s:.1f} pages/s",
            )
        )
        assert got == plain_rows == rows, (got, plain_rows, rows)
    scenario.notes.append("keyset pages of 1,000 rows on `Code`, every column, JSON decoded")
    return scenario


def emulator_scenario(emulator: Emulator) -> Scenario:
    emulator.set_latency(0.0)
    scenario = Scenario("Emulator — requests/s for one 1,000-row JSON page (no added latency)")
    for clients in (1, 4):
        rps = requests_per_second(emulator.odata, clients=clients)
        scenario.lines.append(
            Line(f"{clients} client(s)", "emulator", 1000, 1 / rps, extra=f"{rps:.1f} requests/s")
        )
    return scenario


def full_sync(
    emulator: Emulator, targets: Targets, kinds: list[str], rows: int, latency: float,
    with_dlt: bool, keep: dict[str, tuple[str, float]], repeat: int,
) -> Scenario:  # fmt: skip
    emulator.set_latency(latency)
    tag = f"{latency * 1000:.0f} ms/request"
    scenario = Scenario(f"Issue 5 — full sync of {emulator.items:,} items, {tag}")
    limit_s, limit_pages, limit_spread = _limit(emulator.odata, repeat)
    for kind in kinds:
        label = f"{kind}_{int(latency * 1000)}ms"
        _say(f"full sync {label}: onec-bridge x{repeat}")
        runs, url = [], ""
        for attempt in range(repeat):
            url = targets.url(kind, f"engine_{label}_{attempt}")
            runs.append(run_engine(emulator.url, url))
            assert runs[-1].counts["read"] == rows, runs[-1].counts
        ours = _median_run(runs)
        keep[kind] = (url, ours.seconds)
        scenario.lines.append(_engine_line(ours, kind, rows, ours.spread))
        _say(f"full sync {label}: naive loop")
        naive_s, naive_rows = naive_sync(emulator.odata, targets.url(kind, f"naive_{label}"))
        scenario.lines.append(Line("(a) naive loop", kind, naive_rows, naive_s,
                                   ratio_text(naive_s, ours.seconds)))  # fmt: skip
        if with_dlt:
            _say(f"full sync {label}: dlt")

            def run_dlt(kind: str = kind, label: str = label, ours_s: float = ours.seconds) -> None:
                dlt_s, dlt_rows = dlt_sync(emulator.odata, targets.url(kind, f"dlt_{label}"), label)
                scenario.lines.append(Line("(b) dlt rest_api, merge", kind, dlt_rows, dlt_s,
                                           ratio_text(dlt_s, ours_s)))  # fmt: skip

            _guard(scenario, f"dlt into {kind}", run_dlt)
        ratio = f"onec-bridge takes {ours.seconds / limit_s:.2f}x the limit"
        extra = _joined(f"{limit_pages} requests, bodies discarded", limit_spread)
        scenario.lines.append(Line("(c) limit: emulator alone", kind, rows, limit_s, ratio,
                                   extra=extra))  # fmt: skip
    return scenario


def incremental(emulator: Emulator, kinds: list[str], keep: dict[str, tuple[str, float]],
                rows: int, repeat: int) -> Scenario:  # fmt: skip
    """``repeat`` rounds of: 1 % of the items changed, then one data_version run per target."""
    emulator.set_latency(0.0)
    count = max(1, emulator.items // 100)
    scenario = Scenario(f"Issue 5 — incremental (data_version) after {count:,} items changed")
    runs: dict[str, list[EngineRun]] = {kind: [] for kind in kinds}
    for attempt in range(repeat):  # every target sees each round's changes exactly once
        changed = emulator.modify(count, seed=101 + attempt)
        for kind in kinds:
            run = run_engine(emulator.url, keep[kind][0])
            assert run.mode == "data_version" and run.counts["updated"] == changed, (kind, run)
            runs[kind].append(run)
    for kind in kinds:
        full_s = keep[kind][1]
        run = _median_run(runs[kind])
        extra = _joined(f"{run.counts['updated']} updated", run.spread)
        scenario.lines.append(_engine_line(run, kind, rows, extra))
        scenario.lines[-1].ratio = f"{run.seconds / full_s * 100:.1f} % of the full sync"
    return scenario


def exchange_incremental(emulator: Emulator, targets: Targets, kinds: list[str],
                         rows: int, repeat: int) -> Scenario:  # fmt: skip
    """Per target: a first run (the full load, confirmed), then ``repeat`` rounds of 1 % of
    the items changed and a run reading only the node's packet. One node feeds one entity,
    so each target gets its own rounds (the packet of one is confirmed by its run)."""
    emulator.set_latency(0.0)
    count = max(1, emulator.items // 100)
    scenario = Scenario(f"Issue 5 — incremental (exchange_plan) after {count:,} items changed")
    for seed, kind in enumerate(kinds, start=21):
        _say(f"exchange plan {kind}: first run (full load)")
        url = targets.url(kind, "engine_exchange")
        first = run_engine(emulator.url, url, EXCHANGE_ENTITY)
        assert first.mode == "exchange_plan_full" and first.counts["read"] == rows, first
        scenario.lines.append(_engine_line(first, kind, rows, "first run: full load, confirmed"))
        runs = []
        for attempt in range(repeat):
            changed = emulator.modify(count, seed=seed * 10 + attempt)
            _say(f"exchange plan {kind}: after {changed} changes")
            runs.append(run_engine(emulator.url, url, EXCHANGE_ENTITY))
            assert runs[-1].mode == "exchange_plan", runs[-1]
            assert runs[-1].counts["updated"] == changed, runs[-1]
        run = _median_run(runs)
        extra = _joined(f"{run.counts['updated']} updated from the packet", run.spread)
        line = _engine_line(run, kind, changed, extra)
        line.ratio = f"{run.seconds / first.seconds * 100:.1f} % of the full sync"
        scenario.lines.append(line)
    scenario.notes.append(
        "entity `products_exchange`: `incremental: exchange_plan`, node САЙТ of ОбменССайтом;"
        " N of the second run is the packet's rows; the ratio compares it with the first run"
    )
    return scenario


def million(targets: Targets, kinds: list[str]) -> Scenario:
    items = 1_000_000
    _say("generating the 1,000,000-item base (takes a while)")
    with Emulator(items) as emulator:
        scenario = Scenario(f"Issue 5 — full sync of {items:,} items, 0 ms/request, peak RSS")
        limit_s, pages = emulator_alone(emulator.odata)
        for kind in kinds:
            run = run_engine(emulator.url, targets.url(kind, "engine_million"))
            line = _engine_line(run, kind, run.counts["read"])
            line.ratio = f"{run.seconds / limit_s:.2f}x the limit"
            scenario.lines.append(line)
        scenario.lines.append(Line("(c) limit: emulator alone", "-", run.counts["read"], limit_s,
                                   extra=f"{pages} requests"))  # fmt: skip
    return scenario


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 items, no dlt, SQLite only")
    parser.add_argument("--million", action="store_true", help="also the 1,000,000-item sync")
    parser.add_argument("--no-dlt", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of onec-bridge and of the limit per figure"
    )
    args = parser.parse_args(argv)
    items = 10_000 if args.quick else args.items
    kinds = ["sqlite"] if args.quick or args.no_postgres else ["sqlite", "postgresql"]
    with_dlt = not (args.quick or args.no_dlt)
    targets = Targets()
    scenarios: list[Scenario] = []
    keep: dict[str, tuple[str, float]] = {}
    try:
        with Emulator(items) as emulator:
            rows = emulator_rows(emulator)
            scenarios.append(client_scenarios(emulator, rows))
            scenarios.append(emulator_scenario(emulator))
            scenarios.append(breakdown(emulator.odata, emulator.url))
            repeat = max(1, args.repeat)
            scenarios.append(full_sync(emulator, targets, kinds, rows, 0.0, with_dlt, keep, repeat))
            scenarios.append(full_sync(emulator, targets, kinds, rows, LATENCY, False, {}, repeat))
            scenarios.append(incremental(emulator, kinds, keep, rows, repeat))
            scenarios.append(exchange_incremental(emulator, targets, kinds, rows, repeat))
        if args.million:
            scenarios.append(million(targets, kinds))
    finally:
        targets.drop_all()
    preamble = [
        "## Set-up",
        "",
        "- The emulated 1C (`onec_bridge.emulator`, demo base, seed 1) runs in its own process"
        " (uvicorn, one worker); `N` counts items plus folders. Added latency is the emulator's"
        " `CostModel(per_request=…)` on every collection answer.",
        "- onec-bridge runs `bench/contract.yaml` (page 1,000, keyset `Code`, at most 4 requests"
        " in flight, rate limit raised to 10,000/s so that it does not cap the measurement) in a"
        " subprocess whose RSS psutil samples; seconds exclude interpreter start-up.",
        "- onec-bridge's figures and the limit are the median of `--repeat` runs (spread in the"
        " notes column; peak RSS is the highest of them); the naive loop and dlt run once.",
        "- PostgreSQL runs get a throw-away schema each, dropped at the end.",
    ]
    write_results(
        args.output, scenarios, preamble, " ".join(sys.argv[1:] if argv is None else argv)
    )
    _say(args.output.read_text())


def emulator_rows(emulator: Emulator) -> int:
    import requests

    from bench.auth import auth_header
    from bench.naive import SET

    answer = requests.get(f"{emulator.odata}/{SET}/$count", headers=auth_header(), timeout=60)
    return int(answer.text)


if __name__ == "__main__":
    main()
