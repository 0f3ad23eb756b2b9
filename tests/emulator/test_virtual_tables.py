"""Virtual tables (checklist 14): both URL forms, results, 501, $metadata, atom shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import pytest
from lxml import etree

from onec_bridge.emulator import EmulatorBase
from onec_bridge.onec.metadata import parse_metadata
from tests.emulator.emulator_helpers import odata_client
from tests.emulator.registers_config import ITEM_A, ITEM_B, STORE_1, STORE_2, registers_base

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "1c"
D = "{http://schemas.microsoft.com/ado/2007/08/dataservices}"
M = "{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}"
STOCK = "AccumulationRegister_Остатки"


@pytest.fixture(scope="module")
def base() -> EmulatorBase:
    return registers_base()


@pytest.fixture
async def client(base: EmulatorBase) -> AsyncIterator[httpx2.AsyncClient]:
    async with odata_client(base) as http:
        yield http


async def values(client: httpx2.AsyncClient, url: str) -> list[dict[str, Any]]:
    response = await client.get(url + ("&" if "?" in url else "?") + "$format=json")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["value"]
    return rows


async def test_balance_in_both_url_forms_gives_the_same_rows(client: httpx2.AsyncClient) -> None:
    condition = f"Склад_Key eq guid'{STORE_1}'"
    parenthesised = (
        f"{STOCK}/Balance(Period=datetime'2024-02-01T00:00:00',"
        f"Condition='{condition}',Dimensions='Товар,Склад')"
    )
    doubled = quote(condition.replace("'", "''"))
    query = f"Period=datetime'2024-02-01T00:00:00'&Condition='{doubled}'&Dimensions='Товар,Склад'"
    expected = [
        {"КоличествоBalance": 7, "СуммаBalance": 70, "Товар_Key": ITEM_A, "Склад_Key": STORE_1}
    ]
    assert await values(client, parenthesised) == expected
    assert await values(client, f"{STOCK}/Balance()?{query}") == expected
    assert await values(client, f"{STOCK}/Balance?{query}") == expected


async def test_balance_excludes_the_period_itself_and_zero_rows(client: httpx2.AsyncClient) -> None:
    rows = await values(client, f"{STOCK}/Balance(Period=datetime'2024-02-05T00:00:00')")
    assert {(r["Товар_Key"], r["Склад_Key"]): r["КоличествоBalance"] for r in rows} == {
        (ITEM_A, STORE_1): 7,
        (ITEM_B, STORE_2): 5,  # the expense at exactly 2024-02-05 is not in the balance yet
    }
    rows = await values(client, f"{STOCK}/Balance")
    assert (ITEM_B, STORE_2) not in {(r["Товар_Key"], r["Склад_Key"]) for r in rows}


async def test_turnovers_have_turnover_receipt_expense(client: httpx2.AsyncClient) -> None:
    url = (
        f"{STOCK}/Turnovers(StartPeriod=datetime'2024-01-01T00:00:00',"
        "EndPeriod=datetime'2024-01-31T00:00:00',Dimensions='Товар')"
    )
    rows = await values(client, url)
    assert rows[0] == {
        "КоличествоTurnover": 7,
        "КоличествоReceipt": 10,
        "КоличествоExpense": 3,
        "СуммаTurnover": 70,
        "СуммаReceipt": 100,
        "СуммаExpense": 30,
        "Товар_Key": ITEM_A,
    }
    sales = await values(client, "AccumulationRegister_Продажи/Turnovers")
    assert sales == [{"ВыручкаTurnover": 1500.75, "Товар_Key": ITEM_A}]


async def test_balance_and_turnovers_open_and_close(client: httpx2.AsyncClient) -> None:
    url = (
        f"{STOCK}/BalanceAndTurnovers?StartPeriod=datetime'2024-02-01T00:00:00'&Dimensions='Склад'"
    )
    rows = {row["Склад_Key"]: row for row in await values(client, url)}
    far = rows[STORE_2]
    assert (far["КоличествоOpeningBalance"], far["КоличествоReceipt"]) == (5, 2)
    assert (far["КоличествоExpense"], far["КоличествоTurnover"]) == (5, -3)
    assert far["КоличествоClosingBalance"] == 2


async def test_slice_last_and_first(client: httpx2.AsyncClient) -> None:
    last = await values(
        client, "InformationRegister_Цены/SliceLast(Period=datetime'2024-02-15T00:00:00')"
    )
    assert {r["Товар_Key"]: r["Цена"] for r in last} == {ITEM_A: 120, ITEM_B: 50}
    first = await values(
        client, f"InformationRegister_Цены/SliceFirst?Condition='Товар_Key eq guid''{ITEM_A}'''"
    )
    assert first == [{"Period": "2024-01-01T00:00:00", "Товар_Key": ITEM_A, "Цена": 100}]


async def test_account_condition_on_accumulation_register_is_501(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.get(f"{STOCK}/Balance(AccountCondition='x')?$format=json")
    assert response.status_code == 501


async def test_wrong_function_is_400_code_11(client: httpx2.AsyncClient) -> None:
    response = await client.get("InformationRegister_Цены/Balance?$format=json")
    assert (response.status_code, response.json()["odata.error"]["code"]) == (400, "11")


async def test_metadata_has_result_types_and_function_imports(client: httpx2.AsyncClient) -> None:
    schema = parse_metadata((await client.get("$metadata")).content)
    balance = schema.complex_types[f"{STOCK}_Balance"]
    assert "КоличествоBalance" in str(balance)
    names = {f.name for f in schema.functions}
    assert {"Balance", "Turnovers", "BalanceAndTurnovers", "SliceLast", "SliceFirst"} <= names


def _shape(body: bytes) -> tuple[str, str, list[list[tuple[str, str | None]]]]:
    """Root tag, root m:type pattern, and per element (tag kind, m:type pattern)."""
    root = etree.fromstring(body)

    def kind(tag: str) -> str:
        name = tag.removeprefix(D)
        for suffix in ("____Presentation", "_Key", "Balance", "Turnover", "Receipt", "Expense"):
            if name.endswith(suffix):
                return suffix
        return "other"

    elements = []
    for element in root:
        assert element.tag == f"{D}element"
        type_name = element.get(f"{M}type", "")
        kinds = sorted({(kind(child.tag), child.get(f"{M}type")) for child in element})
        elements.append([("element", type_name.rsplit("_", 1)[-1]), *kinds])
    root_type = root.get(f"{M}type", "")
    return root.tag, root_type.split(".")[0] + "." + root_type.rsplit("_", 1)[-1], elements[:1]


@pytest.mark.parametrize(
    ("sample", "url"),
    [
        (
            "datareducer_AccumulationRegister_Balance.xml",
            f"{STOCK}/Balance(Period=datetime'2024-02-01T00:00:00',"
            f"Condition='Склад_Key eq guid'{STORE_1}'',Dimensions='Товар,Склад')"
            "?$select=*,Товар____Presentation",
        ),
        (
            "datareducer_AccumulationRegister_Turnovers.xml",
            f"{STOCK}/Turnovers(StartPeriod=datetime'2024-01-01T00:00:00',"
            "EndPeriod=datetime'2025-01-01T00:00:00',Dimensions='Товар')"
            "?$select=*,Товар____Presentation",
        ),
    ],
)
async def test_atom_result_has_the_structure_of_the_real_sample(
    client: httpx2.AsyncClient, sample: str, url: str
) -> None:
    response = await client.get(url)
    assert response.status_code == 200
    assert _shape(response.content) == _shape((SAMPLES / sample).read_bytes())
