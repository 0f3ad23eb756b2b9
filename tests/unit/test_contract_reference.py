"""docs/contract.md is generated from the models and must not drift from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from onec_bridge.contract import load_contract
from onec_bridge.contract.model import Contract, Entity, FieldSpec, IncrementalStrategy
from onec_bridge.contract.reference import (
    BEGIN_MARKER,
    DEFAULT_DOCUMENT,
    END_MARKER,
    EXTRA_DESCRIPTIONS,
    main,
    render_reference,
    update_document,
)
from onec_bridge.onec.settings import OneCSettings, ResilienceSettings

MODELS: dict[str, type[BaseModel]] = {
    "OneCSettings": OneCSettings,
    "ResilienceSettings": ResilienceSettings,
}


def test_docs_contract_md_is_up_to_date() -> None:
    current = DEFAULT_DOCUMENT.read_text(encoding="utf-8")
    assert update_document(current) == current, (
        "docs/contract.md is stale: run `python -m onec_bridge.contract.reference`"
    )


def test_check_flag_fails_on_a_stale_document(tmp_path: Path) -> None:
    stale = tmp_path / "contract.md"
    stale.write_text(
        f"intro\n\n{BEGIN_MARKER}\nSTALE-CONTENT\n{END_MARKER}\n\noutro\n", encoding="utf-8"
    )
    assert main([str(stale), "--check"]) == 1
    assert main([str(stale)]) == 0
    text = stale.read_text(encoding="utf-8")
    assert text.startswith("intro\n\n") and text.endswith("\n\noutro\n")
    assert "STALE-CONTENT" not in text
    assert main([str(stale), "--check"]) == 0


def test_every_key_default_and_enum_value_is_documented() -> None:
    reference = render_reference()
    for model in (Contract, Entity, FieldSpec, OneCSettings, ResilienceSettings):
        for name, field in model.model_fields.items():
            assert f"| `{field.alias or name}` |" in reference, (model.__name__, name)
    assert (
        "| `incremental` | [IncrementalStrategy](#incrementalstrategy) | `data_version` |"
        in reference
    )
    for strategy in IncrementalStrategy:
        assert f"`{strategy.value}`" in reference
    assert re.search(r"\| `retries` \| integer \| `5` \| .*\(≥ 0\) \|", reference)
    assert "| `onec` | OneCSettings | **required** |" in reference


def test_every_documented_field_has_a_description() -> None:
    rows = [line for line in render_reference().splitlines() if line.startswith("| `")]
    assert rows
    assert all(not line.rstrip().endswith("|  |") for line in rows), [
        line for line in rows if line.rstrip().endswith("|  |")
    ]


@pytest.mark.parametrize(("model_name", "field"), sorted(EXTRA_DESCRIPTIONS))
def test_extra_descriptions_name_existing_fields(model_name: str, field: str) -> None:
    assert field in MODELS[model_name].model_fields


def test_the_complete_example_in_the_docs_loads(tmp_path: Path) -> None:
    text = DEFAULT_DOCUMENT.read_text(encoding="utf-8")
    examples = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert examples
    path = tmp_path / "contract.yaml"
    path.write_text(examples[0], encoding="utf-8")
    contract = load_contract(path, environ={"ONEC_USER": "u", "ONEC_PASSWORD": "p"})
    assert contract.entities["prices"].key == ["item_id", "price_kind_id"]
