"""check_contract against $metadata: one test per kind of problem, each located in the YAML."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from onec_bridge.contract.check import check_contract
from onec_bridge.contract.errors import ContractProblem
from onec_bridge.onec.metadata import Property, Schema, parse_metadata

METADATA = Path(__file__).parent / "contract_fixtures" / "metadata.xml"

VALID = """\
onec:
  url: http://1c.local/trade
  user: Администратор
entities:
  units:
    source: {odata: Catalog_ЕдиницыИзмерения}
    keyset: Code
    deletion_flag: is_deleted
    fields:
      id: Ref_Key
      code: {from: Code, type: string(9)}
      name: Description
      is_deleted: DeletionMark
  counterparties:
    source: {odata: Catalog_Контрагенты}
    fields:
      id: Ref_Key
      inn: ИНН
  products:
    source: {odata: Catalog_Номенклатура}
    keyset: Code
    fields:
      id: Ref_Key
      sku: {from: Артикул, type: string(25)}
      unit_id: {from: ЕдиницаИзмерения_Key, references: units}
      parent_id: {from: Parent_Key, references: products}
      weight: {from: Вес, type: "decimal(15,3)"}
      shelf_life_days: {from: СрокГодности, type: integer}
      created_at: {from: ДатаСоздания, type: datetime}
  orders:
    source: {odata: Document_ЗаказКлиента}
    keyset: Date
    fields:
      id: Ref_Key
      number: Number
      date: Date
      customer_id: {from: Контрагент_Key, references: counterparties}
      total: {from: СуммаДокумента, type: "decimal(15,2)"}
  order_lines:
    source: {odata: Document_ЗаказКлиента_Товары}
    key: [order_id, line_number]
    fields:
      order_id: {from: Ref_Key, references: orders}
      line_number: {from: LineNumber, type: integer}
      product_id: {from: Номенклатура_Key, references: products}
      quantity: {from: Количество, type: "decimal(15,3)"}
  prices:
    source: {odata: "InformationRegister_ЦеныНоменклатуры/SliceLast()"}
    incremental: full
    key: [product_id]
    fields:
      product_id: {from: Номенклатура_Key, references: products}
      price: {from: Цена, type: "decimal(15,2)"}
"""


@pytest.fixture(scope="module")
def schema() -> Schema:
    return parse_metadata(METADATA)


def changed(old: str, new: str, text: str = VALID) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once in the contract"
    return text.replace(old, new)


def check(tmp_path: Path, text: str, schema: Schema | None) -> tuple[Path, list[ContractProblem]]:
    path = tmp_path / "contract.yaml"
    path.write_text(text, encoding="utf-8")
    return path, check_contract(path, schema, environ={})


def position(text: str, line_part: str, key: str) -> tuple[int, int]:
    """1-based line and column of ``key`` on the only line containing ``line_part``."""
    lines = [i for i, line in enumerate(text.splitlines()) if line_part in line]
    assert len(lines) == 1, line_part
    line = text.splitlines()[lines[0]]
    return lines[0] + 1, line.index(key) + 1


def only_problem(problems: list[ContractProblem]) -> ContractProblem:
    assert len(problems) == 1, [problem.render() for problem in problems]
    return problems[0]


def assert_at(problem: ContractProblem, path: Path, text: str, line_part: str, key: str) -> None:
    assert problem.file == str(path)
    assert (problem.line, problem.column) == position(text, line_part, key)


def test_a_contract_that_fits_the_metadata_has_no_problems(tmp_path: Path, schema: Schema) -> None:
    _, problems = check(tmp_path, VALID, schema)
    assert problems == []


def test_unknown_entity_set_suggests_the_closest(tmp_path: Path, schema: Schema) -> None:
    text = changed("{odata: Catalog_Контрагенты}", "{odata: Catalog_Контрагент}")
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "unknown entity set `Catalog_Контрагент`" in problem.message
    assert problem.suggestion == "did you mean `Catalog_Контрагенты`?"
    assert problem.path == "entities.counterparties.source.odata"
    assert_at(problem, path, text, "Catalog_Контрагент}", "odata")


def test_unknown_entity_set_far_from_any_points_to_the_composition(
    tmp_path: Path, schema: Schema
) -> None:
    text = changed("{odata: Catalog_Контрагенты}", "{odata: AccumulationRegister_Склады}")
    _, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "`AccumulationRegister_Склады`" in problem.message
    assert problem.suggestion is not None and "composition" in problem.suggestion


def test_unknown_attribute_suggests_the_closest(tmp_path: Path, schema: Schema) -> None:
    text = changed("{from: Артикул,", "{from: Артикл,")
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert problem.message == "unknown attribute `Артикл` of Catalog_Номенклатура"
    assert problem.suggestion == "did you mean `Артикул`?"
    assert problem.path == "entities.products.fields.sku.from"
    assert_at(problem, path, text, "Артикл", "from")
    assert problem.render().startswith(f"{path}:{problem.line}:{problem.column}: entities.")


def test_short_form_attribute_is_located_at_its_column(tmp_path: Path, schema: Schema) -> None:
    text = changed("inn: ИНН", "inn: ИН")
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "`ИН`" in problem.message
    assert problem.suggestion == "did you mean `ИНН`?"
    assert_at(problem, path, text, "inn: ИН", "inn")


def test_navigation_link_instead_of_its_key(tmp_path: Path, schema: Schema) -> None:
    text = changed("{from: ЕдиницаИзмерения_Key,", "{from: ЕдиницаИзмерения,")
    _, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "`ЕдиницаИзмерения`" in problem.message
    assert problem.suggestion is not None and "`ЕдиницаИзмерения_Key`" in problem.suggestion


@pytest.mark.parametrize(
    ("old", "new", "edm", "column_type", "fix"),
    [
        (
            '{from: Вес, type: "decimal(15,3)"}',
            "{from: Вес, type: integer}",
            "Edm.Double",
            "integer",
            "decimal(15,3)",
        ),
        (
            "{from: Артикул, type: string(25)}",
            "{from: Артикул, type: uuid}",
            "Edm.String",
            "uuid",
            "text",
        ),
        (
            "{from: ЕдиницаИзмерения_Key, references: units}",
            '{from: ЕдиницаИзмерения_Key, type: "decimal(10,2)", references: units}',
            "Edm.Guid",
            "decimal(10,2)",
            "uuid",
        ),
        (
            "{from: ДатаСоздания, type: datetime}",
            "{from: ДатаСоздания, type: boolean}",
            "Edm.DateTime",
            "boolean",
            "datetime",
        ),
    ],
)
def test_type_mismatch_names_both_types_and_the_fix(
    tmp_path: Path, schema: Schema, old: str, new: str, edm: str, column_type: str, fix: str
) -> None:
    text = changed(old, new)
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert f"is {edm} in $metadata" in problem.message
    assert f"column type {column_type} cannot hold" in problem.message
    assert problem.suggestion == f"use type: {fix}"
    assert problem.path.endswith(".type")
    assert_at(problem, path, text, new, "type")


def test_guid_in_a_string_too_short_for_it(tmp_path: Path, schema: Schema) -> None:
    text = changed(
        "{from: ЕдиницаИзмерения_Key, references: units}",
        "{from: ЕдиницаИзмерения_Key, type: string(20), references: units}",
    )
    _, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "Edm.Guid" in problem.message and "string(20)" in problem.message


def test_string_shorter_than_the_metadata_max_length(tmp_path: Path, schema: Schema) -> None:
    class SizedProperty(Property, frozen=True):
        max_length: int | None = None

    items = schema.entity_types["Catalog_Номенклатура"]
    properties = tuple(
        SizedProperty(prop.name, prop.type, prop.nullable, max_length=50)
        if prop.name == "Артикул"
        else prop
        for prop in items.properties
    )
    sized = msgspec.structs.replace(
        schema,
        entity_types={
            **schema.entity_types,
            items.name: msgspec.structs.replace(items, properties=properties),
        },
    )
    _, problems = check(tmp_path, VALID, sized)
    problem = only_problem(problems)
    assert "up to 50 characters" in problem.message and "string(25)" in problem.message
    assert problem.suggestion == "use type: string(50) or text"


def test_key_column_that_is_not_a_key(tmp_path: Path, schema: Schema) -> None:
    text = changed(
        "    keyset: Code\n    fields:\n      id: Ref_Key\n      sku:",
        "    keyset: Code\n    key: [sku]\n    fields:\n      id: Ref_Key\n      sku:",
    )
    path, problems = check(tmp_path, text, schema)
    assert len(problems) == 2, [problem.render() for problem in problems]
    not_key, incomplete = problems
    assert "key column `sku` (from `Артикул`) is not a key" in not_key.message
    assert "keyed by (Ref_Key)" in not_key.message
    assert "missing Ref_Key" in incomplete.message
    assert not_key.suggestion == incomplete.suggestion == "key: [id]"
    assert_at(not_key, path, text, "key: [sku]", "key")


def test_incomplete_key_of_a_tabular_section(tmp_path: Path, schema: Schema) -> None:
    text = changed("key: [order_id, line_number]", "key: [order_id]")
    _, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "the key is incomplete" in problem.message and "missing LineNumber" in problem.message
    assert problem.suggestion == "key: [order_id, line_number]"


def test_keyset_on_ref_key_is_refused_like_real_1c(tmp_path: Path, schema: Schema) -> None:
    text = changed(
        "    keyset: Code\n    fields:\n      id: Ref_Key\n      sku:",
        "    keyset: Ref_Key\n    fields:\n      id: Ref_Key\n      sku:",
    )
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "keyset `Ref_Key` is a reference" in problem.message
    assert problem.suggestion == "use keyset: Code"
    assert_at(problem, path, text, "keyset: Ref_Key", "keyset")


@pytest.mark.parametrize(
    ("keyset", "entity", "old", "detail"),
    [
        (
            "Производитель",
            "products",
            "keyset: Code\n    fields:\n      id: Ref_Key\n      sku:",
            "composite",
        ),
        ("Товары", "orders", "keyset: Date", "Collection("),
    ],
)
def test_keyset_on_a_non_scalar(
    tmp_path: Path, schema: Schema, keyset: str, entity: str, old: str, detail: str
) -> None:
    new = old.replace(old.split("\n")[0], f"keyset: {keyset}")
    _, problems = check(tmp_path, changed(old, new), schema)
    problem = only_problem(problems)
    assert f"keyset `{keyset}` is not a scalar" in problem.message and detail in problem.message
    assert problem.path == f"entities.{entity}.keyset"


def test_keyset_on_an_unknown_attribute(tmp_path: Path, schema: Schema) -> None:
    text = changed("keyset: Date", "keyset: Dat")
    _, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "unknown attribute `Dat`" in problem.message
    assert problem.suggestion == "did you mean `Date`?"


def test_reference_to_an_entity_of_another_type(tmp_path: Path, schema: Schema) -> None:
    text = changed("references: counterparties}", "references: units}")
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "`Контрагент_Key` points to Catalog_Контрагенты" in problem.message
    assert "`units` reads Catalog_ЕдиницыИзмерения" in problem.message
    assert problem.suggestion == "references: counterparties"
    assert_at(problem, path, text, "Контрагент_Key", "references")


def test_tabular_row_owner_reference_must_be_the_owner(tmp_path: Path, schema: Schema) -> None:
    text = changed("{from: Ref_Key, references: orders}", "{from: Ref_Key, references: products}")
    _, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "points to Document_ЗаказКлиента" in problem.message
    assert problem.suggestion == "references: orders"


def test_reference_from_a_non_reference_attribute(tmp_path: Path, schema: Schema) -> None:
    text = changed("inn: ИНН", "inn: {from: ИНН, references: units}")
    _, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "`ИНН` is Edm.String, not a reference" in problem.message


def test_unknown_virtual_table(tmp_path: Path, schema: Schema) -> None:
    text = changed("/SliceLast()", "/SliceLst()")
    _, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "no virtual table `SliceLst`" in problem.message
    assert problem.suggestion == "did you mean `SliceLast`?"


def test_virtual_table_attributes_come_from_its_return_type(tmp_path: Path, schema: Schema) -> None:
    text = changed('{from: Цена, type: "decimal(15,2)"}', '{from: Цены, type: "decimal(15,2)"}')
    _, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "of InformationRegister_ЦеныНоменклатуры" in problem.message
    assert problem.suggestion == "did you mean `Цена`?"


def test_modified_field_must_be_a_date(tmp_path: Path, schema: Schema) -> None:
    text = changed(
        "    keyset: Date\n",
        "    keyset: Date\n    incremental: modified_field\n    modified_field: Number\n",
    )
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "modified_field `Number` is Edm.String, not a date" in problem.message
    assert problem.suggestion == "date attributes: Date"
    assert_at(problem, path, text, "modified_field: Number", "modified_field")


def test_local_problems_come_back_without_metadata(tmp_path: Path) -> None:
    text = changed("    keyset: Date\n", "    keysett: Date\n")
    path, problems = check(tmp_path, text, None)
    problem = only_problem(problems)
    assert problem.message == "unknown key 'keysett'"
    assert problem.suggestion == "did you mean `keyset`?"
    assert_at(problem, path, text, "keysett", "keysett")


def test_without_metadata_a_valid_file_has_no_problems(tmp_path: Path) -> None:
    _, problems = check(tmp_path, changed("{from: Вес,", "{from: НетТакого,"), None)
    assert problems == []


def test_problems_name_the_file_that_defines_the_entity(tmp_path: Path, schema: Schema) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(VALID, encoding="utf-8")
    extra = tmp_path / "extra.yaml"
    extra_text = (
        "entities:\n  more_units:\n    source: {odata: Catalog_ЕдиницыИзмерения}\n"
        "    fields:\n      id: Ref_Key\n      title: Descripton\n"
    )
    extra.write_text(extra_text, encoding="utf-8")
    problem = only_problem(check_contract([base, extra], schema, environ={}))
    assert problem.file == str(extra)
    assert (problem.line, problem.column) == (6, 7)
    assert problem.suggestion == "did you mean `Description`?"
