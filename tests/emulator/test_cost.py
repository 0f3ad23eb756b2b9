"""CostModel: $skip costs O(offset); charge sleeps exactly the computed cost."""

from __future__ import annotations

import pytest

from onec_bridge.emulator.cost import CostModel


def recording_model(
    per_request: float, per_row: float, per_skipped_row: float
) -> tuple[CostModel, list[float]]:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    return CostModel(per_request, per_row, per_skipped_row, sleep=fake_sleep), slept


async def test_charge_sleeps_request_rows_and_skipped_cost() -> None:
    model, slept = recording_model(0.03, 0.001, 0.0001)
    await model.charge(rows=100, skipped=5000)
    assert slept == [pytest.approx(0.03 + 0.1 + 0.5)]


async def test_skip_loop_cost_grows_quadratically() -> None:
    model = CostModel(per_request=0.0, per_row=0.0, per_skipped_row=1e-6)

    def loop_cost(items: int, page: int = 100) -> float:
        return sum(model.seconds_for(rows=page, skipped=offset) for offset in range(0, items, page))

    assert loop_cost(10_000) * 90 < loop_cost(100_000) < loop_cost(10_000) * 110


async def test_free_model_never_sleeps() -> None:
    model, slept = recording_model(0.0, 0.0, 0.0)
    await model.charge(rows=1000, skipped=10_000)
    assert model.is_free()
    assert slept == []


def test_realistic_preset_is_about_30ms_a_request() -> None:
    assert CostModel.realistic().seconds_for(rows=0, skipped=0) == pytest.approx(0.03)


def test_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="per_row"):
        CostModel(per_row=-1)
    with pytest.raises(ValueError, match="skipped=-1"):
        CostModel().seconds_for(rows=1, skipped=-1)
