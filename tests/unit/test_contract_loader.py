from __future__ import annotations

from pathlib import Path

import pytest

from onec_bridge.contract import ContractError, load_contract
from onec_bridge.contract.model import IncrementalStrategy

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "contract.yaml"
ENV = {"ONEC_PASSWORD": "s3cret"}

MINIMAL = """\
onec:
  url: http://1c.local/trade
  user: Администратор
  password: ${ONEC_PASSWORD}
entities:
  items:
    source: {odata: Catalog_Номенклатура}
    keyset: Code
    fields:
      id: Ref_Key
      name: Description
"""


def write(tmp_path: Path, text: str, name: str = "contract.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_contract_loads_with_env_defaults() -> None:
    contract = load_contract(DEMO, environ=ENV)
    products = contract.entities["products"]
    assert contract.onec.url == "http://127.0.0.1:8765/demo"
    assert contract.onec.user == "Администратор"
    assert contract.onec.password.get_secret_value() == "s3cret"
    assert products.fields["price"].resolved_type == "decimal(15,2)"
    assert products.fields["unit_id"].resolved_type == "uuid"
    assert products.fields["is_deleted"].resolved_type == "boolean"
    assert products.incremental is IncrementalStrategy.DATA_VERSION


def test_environment_overrides_defaults(tmp_path: Path) -> None:
    contract = load_contract(
        DEMO,
        environ={**ENV, "ONEC_URL": "https://erp.example/ut/", "DATABASE_URL": "sqlite:///x.db"},
    )
    assert contract.onec.url == "https://erp.example/ut"
    assert contract.database.url == "sqlite:///x.db"


def test_missing_variable_names_variable_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    with pytest.raises(ContractError) as caught:
        load_contract(path, environ={})
    text = str(caught.value)
    assert "ONEC_PASSWORD" in text
    assert f"{path}:4:" in text


def test_wrong_url_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("http://1c.local/trade", "1c.local/trade"))
    with pytest.raises(ContractError) as caught:
        load_contract(path, environ=ENV)
    problem = caught.value.problems[0]
    assert problem.line == 2
    assert "http://" in problem.message
    assert "'1c.local/trade'" in problem.message


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("    keyset: Code", "    keyst: Code"))
    with pytest.raises(ContractError) as caught:
        load_contract(path, environ=ENV)
    problem = caught.value.problems[0]
    assert problem.line == 8
    assert problem.suggestion == "did you mean `keyset`?"


def test_bad_column_type_is_explained(tmp_path: Path) -> None:
    path = write(
        tmp_path, MINIMAL.replace("name: Description", "name: {from: Description, type: varchar}")
    )
    with pytest.raises(ContractError) as caught:
        load_contract(path, environ=ENV)
    problem = caught.value.problems[0]
    assert problem.line == 11
    assert "unknown column type 'varchar'" in problem.message
    assert problem.path == "entities.items.fields.name.type"


def test_key_must_be_a_field(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("    keyset: Code", "    keyset: Code\n    key: [ref]"))
    with pytest.raises(ContractError, match=r"key column\(s\) \['ref'\]"):
        load_contract(path, environ=ENV)


def test_invalid_yaml_reports_position(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "  broken: [unclosed\n")
    with pytest.raises(ContractError) as caught:
        load_contract(path, environ=ENV)
    assert "not valid YAML" in str(caught.value)
    assert caught.value.problems[0].line is not None


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="contract file not found"):
        load_contract(tmp_path / "nope.yaml", environ=ENV)


def test_files_merge_in_order(tmp_path: Path) -> None:
    base = write(tmp_path, MINIMAL)
    extra = write(
        tmp_path,
        """\
onec:
  page_size: 250
entities:
  units:
    source: {odata: Catalog_ЕдиницыИзмерения}
    fields: {id: Ref_Key}
""",
        "extra.yaml",
    )
    contract = load_contract([base, extra], environ=ENV)
    assert contract.onec.page_size == 250
    assert contract.onec.user == "Администратор"
    assert set(contract.entities) == {"items", "units"}


def test_password_is_not_in_repr(tmp_path: Path) -> None:
    contract = load_contract(write(tmp_path, MINIMAL), environ=ENV)
    assert "s3cret" not in repr(contract)
    assert "s3cret" not in str(contract.model_dump())


def test_bad_value_from_the_environment_names_the_variable() -> None:
    with pytest.raises(ContractError) as caught:
        load_contract(DEMO, environ={**ENV, "ONEC_URL": "1c.local/trade"})
    problem = caught.value.problems[0]
    assert problem.path == "onec.url"
    assert problem.line == 8  # `url:` under `onec:` in examples/demo/contract.yaml
    assert "from $ONEC_URL" in problem.message
    assert "'1c.local/trade'" in problem.message
