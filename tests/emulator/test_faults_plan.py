"""The fault plan: compact and JSON forms, clear errors, merged rules, reproducible draws."""

from __future__ import annotations

from collections import Counter

import pytest

from onec_bridge.emulator.fault_plan import FaultKind, FaultPlan, FaultRule, FaultSpecError, decide


def test_compact_form_reads_units_percent_and_seed() -> None:
    plan = FaultPlan.parse(
        "latency=30ms,jitter=0.01s,error_rate=5%,seed=7; "
        "path=*/$metadata,metadata_size=5MB,bandwidth=512KB/s,retry_after=3,hang=2"
    )
    assert plan.seed == 7
    first, second = plan.rules
    assert (first.latency_ms, first.jitter_ms, first.error_rate) == (30.0, 10.0, 0.05)
    assert second.path == "*/$metadata"
    assert second.metadata_size_bytes == 5 * 1024 * 1024
    assert second.bandwidth_bytes_per_s == 512 * 1024
    assert (second.retry_after_s, second.hang_s) == (3, 2.0)


def test_json_form_round_trips() -> None:
    plan = FaultPlan.parse("seed=3,throttle_rate=0.5,retry_after=4s")
    again = FaultPlan.from_json(plan.to_json())
    assert again == plan
    assert again.rules[0].retry_after_s == 4


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("latency=30xs", "'latency'"),
        ("lag=30ms", "unknown key 'lag'"),
        ("error_rate", "has no '='"),
        ("error_rate=1.5", "error_rate"),
        ("error_rate=0.7,drop_rate=0.7", "add up to 1.400"),
        ("metadata_size=lots", "is not a size"),
    ],
)
def test_bad_spec_names_the_problem(spec: str, fragment: str) -> None:
    with pytest.raises(FaultSpecError) as error:
        FaultPlan.parse(spec)
    assert fragment in str(error.value)
    assert spec in str(error.value)


def test_bad_json_names_the_field() -> None:
    with pytest.raises(FaultSpecError, match=r"rules\.0\.latency_ms"):
        FaultPlan.from_json(b'{"rules": [{"latency_ms": -1}]}')


def test_matching_rules_merge_in_order_and_only_override_what_they_set() -> None:
    plan = FaultPlan.parse("latency=30ms,error_rate=0.1; path=*/hs/*,error_rate=0")
    hs_rule = plan.rule_for("/base/hs/loyalty/products")
    odata_rule = plan.rule_for("/base/odata/standard.odata/Catalog_X")
    assert hs_rule is not None
    assert odata_rule is not None
    assert (hs_rule.latency_ms, hs_rule.error_rate) == (30.0, 0.0)
    assert (odata_rule.latency_ms, odata_rule.error_rate) == (30.0, 0.1)
    assert FaultPlan.parse("path=*/hs/*,drop_rate=1").rule_for("/odata") is None


def _kinds(plan: FaultPlan, n: int) -> list[FaultKind | None]:
    return [decide(plan, "GET", f"/x?n={i}", "/x", 0).kind for i in range(n)]


def test_draw_is_reproducible_by_seed_and_differs_across_seeds() -> None:
    plan = FaultPlan.parse("seed=7,error_rate=0.3,drop_rate=0.2")
    assert _kinds(plan, 200) == _kinds(plan, 200)
    assert _kinds(plan, 200) != _kinds(FaultPlan.parse("seed=8,error_rate=0.3,drop_rate=0.2"), 200)


def test_rates_are_honoured_over_many_draws() -> None:
    plan = FaultPlan.parse("seed=1,error_rate=0.25,throttle_rate=0.25")
    counts = Counter(_kinds(plan, 4000))
    assert 850 < counts[FaultKind.ERROR] < 1150
    assert 850 < counts[FaultKind.THROTTLE] < 1150
    assert 1850 < counts[None] < 2150


def test_a_retry_of_the_same_url_draws_anew() -> None:
    plan = FaultPlan(seed=5, rules=(FaultRule(error_rate=0.5),))
    fates = {decide(plan, "GET", "/same", "/same", n).kind for n in range(40)}
    assert fates == {FaultKind.ERROR, None}


def test_latency_with_jitter_stays_in_its_band() -> None:
    plan = FaultPlan.parse("latency=30ms,jitter=10ms")
    delays = [decide(plan, "GET", "/u", "/u", n).delay_s for n in range(300)]
    assert all(0.020 <= delay <= 0.040 for delay in delays)
    assert max(delays) - min(delays) > 0.015
