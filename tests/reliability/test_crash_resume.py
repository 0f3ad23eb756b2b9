"""kill -9 the sync at random moments, run again: the app database ends equal to 1C.

After every clean finish each row equals what the emulator holds: none missing,
none duplicated, none stale, physical deletes applied (``deletes: soft``). A run
that 1C changed under it (changes made while a killed run waited to resume) may
miss changes to pages it had already committed, like any non-snapshot read; the
next run must catch them, so equality is then checked after one more clean run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from onec_bridge.emulator import (
    EmulatorBase,
    EmulatorSettings,
    create_app,
    demo_configuration,
    generate_demo_base,
    run_in_thread,
)
from onec_bridge.emulator.fault_plan import FaultPlan
from tests.reliability.crash_harness import PASSWORD, USER, CrashHarness


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[tuple[EmulatorBase, str]]:
    base = EmulatorBase.open(tmp_path / "onec.db", configuration=demo_configuration())
    settings = EmulatorSettings(
        base_name="demo", users={USER: PASSWORD}, faults=FaultPlan.parse("latency=2ms")
    )
    handle = run_in_thread(create_app(base, settings), port=0)
    yield base, handle.url
    handle.stop()
    base.close()


def _soak(harness: CrashHarness, rounds: int, kills_per_round: int, full_every: int) -> None:
    rng = harness.rng
    calibration = harness.run()
    harness.assert_equal_to_1c()
    span = max(calibration.seconds, 1.0)
    items = harness.base.count("Catalog_Номенклатура")
    for round_number in range(rounds):
        full = full_every > 0 and round_number % full_every == full_every - 1
        harness.change_1c()
        changed_mid_run = False
        for kill in range(kills_per_round):
            if kill and rng.random() < 0.3:
                harness.change_1c()
                changed_mid_run = True
            if rng.random() < 0.5:
                harness.run(kill_after=rng.uniform(0.0, 1.2 * span), full=full)
            else:
                harness.run(kill_at_rows=rng.randint(1, items), full=full)
        harness.run(full=full)
        if changed_mid_run:
            harness.run()
        harness.assert_equal_to_1c()


def _harness(emulator: tuple[EmulatorBase, str], url: str, tmp: Path, seed: int) -> CrashHarness:
    base, onec_url = emulator
    return CrashHarness(base, onec_url, url, tmp, random.Random(seed))


def test_quick_kill_and_resume(
    emulator: tuple[EmulatorBase, str], database_url: str, tmp_path: Path
) -> None:
    generate_demo_base(emulator[0], items=300, seed=1)
    harness = _harness(emulator, database_url, tmp_path, seed=5)
    try:
        assert harness.run(kill_at_commit=4).killed  # mid first load, at a commit boundary
        harness.run(kill_at_rows=200)  # the resumed load, killed again (by time)
        harness.run()
        harness.assert_equal_to_1c()
        harness.change_1c()
        assert harness.run(kill_at_commit=3).killed
        harness.run()
        harness.assert_equal_to_1c()
        harness.change_1c()  # the check itself sees a database behind 1C
        with pytest.raises(AssertionError, match=r"stale|missing|not marked"):
            harness.assert_equal_to_1c()
    finally:
        harness.close()
    assert sum("killed" in line for line in harness.log) >= 2, harness.log


@pytest.mark.slow
def test_soak_kill_and_resume(
    emulator: tuple[EmulatorBase, str], database_url: str, tmp_path: Path
) -> None:
    generate_demo_base(emulator[0], items=2_000, seed=1)
    harness = _harness(emulator, database_url, tmp_path, seed=20240601)
    try:
        _soak(harness, rounds=12, kills_per_round=3, full_every=4)
    finally:
        harness.close()
    print("\n".join(harness.log))
    assert sum("killed" in line for line in harness.log) >= 20, harness.log
