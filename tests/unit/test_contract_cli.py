"""`onec-bridge contract check|init` through the real typer app."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onec_bridge.cli.app import app
from onec_bridge.cli.contract_actions import publication_root
from onec_bridge.contract import load_contract

SMALL = Path(__file__).parent / "contract_fixtures" / "metadata.xml"
DEMO_CONTRACT = Path(__file__).resolve().parents[2] / "examples" / "demo" / "contract.yaml"
runner = CliRunner()

CONTRACT = """\
onec:
  url: {url}
  user: Администратор
entities:
  products:
    source: {{odata: Catalog_Номенклатура}}
    keyset: Code
    fields:
      id: Ref_Key
      sku: {{from: {sku}, type: string(25)}}
"""


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/base"


def write_contract(tmp_path: Path, sku: str = "Артикул", url: str = "http://1c.local/b") -> Path:
    path = tmp_path / "contract.yaml"
    path.write_text(CONTRACT.format(url=url, sku=sku), encoding="utf-8")
    return path


def test_check_lists_every_problem_with_its_location_and_exits_2(tmp_path: Path) -> None:
    path = write_contract(tmp_path, sku="Артикл")
    result = runner.invoke(app, ["contract", "check", str(path), "--metadata", str(SMALL)])
    assert result.exit_code == 2, result.output
    assert (
        f"{path}:10:13: entities.products.fields.sku.from: unknown attribute `Артикл` of "
        "Catalog_Номенклатура (did you mean `Артикул`?)"
    ) in result.output
    assert "1 problem(s)" in result.output


def test_check_passes_a_matching_contract(tmp_path: Path) -> None:
    path = write_contract(tmp_path)
    result = runner.invoke(app, ["contract", "check", str(path), "--metadata", str(SMALL)])
    assert result.exit_code == 0, result.output
    assert "1 entities match $metadata" in result.output


def test_check_reports_local_problems_before_contacting_1c(tmp_path: Path) -> None:
    path = write_contract(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace("keyset:", "keysett:"), encoding="utf-8"
    )
    result = runner.invoke(app, ["contract", "check", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:7:5: entities.products.keysett: unknown key 'keysett'" in result.output


def test_check_without_reachable_1c_validates_the_file_and_says_so(tmp_path: Path) -> None:
    path = write_contract(tmp_path, sku="Артикл", url=closed_port_url())
    result = runner.invoke(app, ["contract", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "unreachable" in result.output
    assert "checked the file only" in result.output


def test_check_offline_skips_1c(tmp_path: Path) -> None:
    path = write_contract(tmp_path, sku="Артикл")
    result = runner.invoke(app, ["contract", "check", str(path), "--offline"])
    assert result.exit_code == 0, result.output
    assert "--offline" in result.output


def test_init_writes_a_contract_that_loads_and_checks(tmp_path: Path) -> None:
    output = tmp_path / "contract.yaml"
    result = runner.invoke(
        app,
        [
            "contract",
            "init",
            "--from-metadata",
            str(SMALL),
            "--only",
            "Catalog_Номенклатура",
            "--only",
            "Catalog_ЕдиницыИзмерения",
            "--rename",
            "Catalog_Номенклатура=products",
            "--output",
            str(output),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 entities" in result.output
    contract = load_contract(output, environ={"ONEC_USER": "u", "ONEC_PASSWORD": "p"})
    assert sorted(contract.entities) == ["products", "units"]
    assert contract.entities["products"].fields["unit_id"].references == "units"
    check = runner.invoke(
        app,
        ["contract", "check", str(output), "--metadata", str(SMALL)],
        env={"ONEC_USER": "u", "ONEC_PASSWORD": "p"},
    )
    assert check.exit_code == 0, check.output


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    output = tmp_path / "contract.yaml"
    output.write_text("keep me", encoding="utf-8")
    arguments = ["contract", "init", "--from-metadata", str(SMALL), "--output", str(output)]
    refused = runner.invoke(app, arguments)
    assert refused.exit_code == 2
    assert "--force" in refused.output
    assert output.read_text(encoding="utf-8") == "keep me"
    forced = runner.invoke(app, [*arguments, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "entities:" in output.read_text(encoding="utf-8")


def test_init_to_stdout_and_without_dictionary() -> None:
    result = runner.invoke(
        app,
        [
            "contract",
            "init",
            "--from-metadata",
            str(SMALL),
            "--only",
            "Catalog_Номенклатура",
            "--no-dictionary",
            "--output",
            "-",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "  nomenklatura:  # справочник «Номенклатура»" in result.output
    assert "edinitsa_izmereniya_id: ЕдиницаИзмерения_Key" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--only", "Catalog_Номенклатурa"], "did you mean `Catalog_Номенклатура`"),
        (["--rename", "Номенклатура"], "write it as 1C name=English name"),
    ],
)
def test_init_bad_arguments_exit_2(arguments: list[str], message: str) -> None:
    result = runner.invoke(
        app, ["contract", "init", "--from-metadata", str(SMALL), "--output", "-", *arguments]
    )
    assert result.exit_code == 2
    assert message in result.output


def test_init_from_a_url_needs_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONEC_USER", raising=False)
    result = runner.invoke(
        app, ["contract", "init", "--from-metadata", "http://1c.local/trade", "--output", "-"]
    )
    assert result.exit_code == 2
    assert "ONEC_USER" in result.output


def test_init_from_an_unreachable_1c(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "contract",
            "init",
            "--from-metadata",
            closed_port_url(),
            "--output",
            str(tmp_path / "c.yaml"),
        ],
        env={"ONEC_USER": "u", "ONEC_PASSWORD": "p"},
    )
    assert result.exit_code == 3
    assert "unreachable" in result.output
    assert not (tmp_path / "c.yaml").exists()


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("http://host/trade", "http://host/trade"),
        ("http://host/trade/", "http://host/trade"),
        ("http://host/trade/odata/standard.odata/$metadata", "http://host/trade"),
        ("https://h/ut/odata/standard.odata", "https://h/ut"),
    ],
)
def test_publication_root(url: str, root: str) -> None:
    assert publication_root(url) == root


@pytest.fixture(scope="module")
def live_1c() -> Iterator[dict[str, str]]:
    """The demo emulator as a real HTTP server; the environment that points at it."""
    from onec_bridge.cli.emulator_command import DEMO_PASSWORD, DEMO_USER, start_demo_emulator

    _base, handle = start_demo_emulator(items=20)
    try:
        yield {"ONEC_URL": handle.url, "ONEC_USER": DEMO_USER, "ONEC_PASSWORD": DEMO_PASSWORD}
    finally:
        handle.stop()


def test_check_asks_the_contracts_live_1c(tmp_path: Path, live_1c: dict[str, str]) -> None:
    demo = DEMO_CONTRACT.read_text(encoding="utf-8")
    good = runner.invoke(app, ["contract", "check", str(DEMO_CONTRACT)], env=live_1c)
    assert good.exit_code == 0, good.output
    assert f"match $metadata (live {live_1c['ONEC_URL']})" in good.output
    broken = tmp_path / "contract.yaml"
    broken.write_text(demo.replace("{from: Артикул,", "{from: Артикл,"), encoding="utf-8")
    bad = runner.invoke(app, ["contract", "check", str(broken)], env=live_1c)
    assert bad.exit_code == 2, bad.output
    assert "did you mean `Артикул`?" in bad.output


def test_init_from_a_live_1c_then_check(tmp_path: Path, live_1c: dict[str, str]) -> None:
    output = tmp_path / "contract.yaml"
    written = runner.invoke(
        app,
        [
            "contract",
            "init",
            "--from-metadata",
            live_1c["ONEC_URL"],
            "--only",
            "Catalog_Номенклатура",
            "--output",
            str(output),
        ],
        env=live_1c,
    )
    assert written.exit_code == 0, written.output
    contract = load_contract(output, environ=live_1c)
    assert contract.onec.url == live_1c["ONEC_URL"]
    assert contract.entities["item"].keyset == "Code"
    checked = runner.invoke(app, ["contract", "check", str(output)], env=live_1c)
    assert checked.exit_code == 0, checked.output
