"""contract check for enum, HTTP-service, virtual-table, tabular-section and exchange-plan
sources: one test per kind of problem, each located in the YAML with a suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from onec_bridge.onec.metadata import (
    EntitySet,
    EntityType,
    EnumType,
    Property,
    Schema,
    parse_metadata,
)
from tests.unit.test_contract_check import (
    METADATA,
    VALID,
    assert_at,
    changed,
    check,
    only_problem,
    position,
)

PLAN = "ExchangePlan_ОбменССайтом"
WITH_SOURCES = (
    VALID
    + """\
  product_kinds:
    source: {enum: ВидыНоменклатуры}
    key: [name]
    fields:
      name: Name
      position: {from: Order, type: integer}
  loyalty:
    source: {http_service: "GET /loyalty/products", paging: {size: 100}}
    key: [id]
    fields:
      id: {from: id, type: string(36)}
  site_products:
    source: {odata: Catalog_Номенклатура}
    incremental: exchange_plan
    exchange_plan: {plan: ОбменССайтом, node: САЙТ}
    fields:
      id: Ref_Key
"""
)


@pytest.fixture(scope="module")
def schema() -> Schema:
    """The small $metadata plus an enumeration and an exchange plan."""
    schema = parse_metadata(METADATA)
    schema.enum_types["ВидыНоменклатуры"] = EnumType("ВидыНоменклатуры", ("Товар", "Услуга"))
    schema.entity_types[PLAN] = EntityType(
        PLAN, ("Ref_Key",), (Property("Ref_Key", "Edm.Guid"), Property("Code", "Edm.String"))
    )
    schema.entity_sets[PLAN] = EntitySet(PLAN, f"StandardODATA.{PLAN}")
    return schema


def test_every_source_kind_that_fits_has_no_problems(tmp_path: Path, schema: Schema) -> None:
    _, problems = check(tmp_path, WITH_SOURCES, schema)
    assert problems == []


def test_unknown_enumeration_suggests_the_closest(tmp_path: Path, schema: Schema) -> None:
    text = changed("{enum: ВидыНоменклатуры}", "{enum: Enum_ВидНоменклатуры}", WITH_SOURCES)
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "unknown enumeration `Enum_ВидНоменклатуры`" in problem.message
    assert problem.suggestion == "did you mean `ВидыНоменклатуры`?"
    assert problem.path == "entities.product_kinds.source.enum"
    assert_at(problem, path, text, "Enum_ВидНоменклатуры", "enum")


def test_enumeration_rows_have_only_name_and_order(tmp_path: Path, schema: Schema) -> None:
    text = changed("{from: Order, type: integer}", "{from: Ordre, type: integer}", WITH_SOURCES)
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "unknown attribute `Ordre` of enumeration ВидыНоменклатуры" in problem.message
    assert problem.suggestion == "did you mean `Order`?"
    assert_at(problem, path, text, "{from: Ordre", "from")


def test_http_service_that_is_not_an_endpoint(tmp_path: Path, schema: Schema) -> None:
    text = changed('"GET /loyalty/products"', '"/loyalty/products"', WITH_SOURCES)
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "`/loyalty/products` is not an HTTP-service list endpoint" in problem.message
    assert problem.suggestion == "http_service: GET /loyalty/products"
    assert_at(problem, path, text, "/loyalty/products", "http_service")


def test_http_service_must_be_read_with_get(tmp_path: Path) -> None:
    text = changed('"GET /loyalty/products"', '"POST /loyalty/products"', WITH_SOURCES)
    path, problems = check(tmp_path, text, None)  # needs no $metadata
    problem = only_problem(problems)
    assert "only GET list endpoints are pulled; a POST may change data" in problem.message
    assert (
        problem.suggestion == "http_service: GET /loyalty/products (if the service lists with GET)"
    )
    assert_at(problem, path, text, "POST /loyalty", "http_service")


def test_paging_keys_must_differ(tmp_path: Path, schema: Schema) -> None:
    text = changed("paging: {size: 100}", "paging: {size: 100, offset_param: limit}", WITH_SOURCES)
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "sends `limit` as both the page size and the offset" in problem.message
    assert problem.suggestion == "offset_param: offset"
    assert_at(problem, path, text, "offset_param: limit", "offset_param")


def test_paging_key_must_be_a_query_parameter_name(tmp_path: Path, schema: Schema) -> None:
    text = changed("paging: {size: 100}", 'paging: {size: 100, limit_param: "top&x"}', WITH_SOURCES)
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "paging limit_param `top&x` is not a query-parameter name" in problem.message
    assert problem.suggestion is not None and "letters, digits" in problem.suggestion
    assert_at(problem, path, text, "limit_param:", "limit_param")


def test_paging_on_an_odata_source_is_ignored(tmp_path: Path, schema: Schema) -> None:
    text = changed("{odata: Catalog_Контрагенты}", "{odata: Catalog_Контрагенты, paging: {}}")
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "`paging` applies to `http_service` sources only" in problem.message
    assert problem.suggestion == "remove `paging`"
    assert_at(problem, path, text, "Catalog_Контрагенты, paging", "paging")


def test_unknown_virtual_table_parameter(tmp_path: Path, schema: Schema) -> None:
    text = changed("/SliceLast()", "/SliceLast(Perod=datetime'2024-01-01T00:00:00')")
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "InformationRegister_ЦеныНоменклатуры/SliceLast has no parameter `Perod`" in (
        problem.message
    )
    assert problem.suggestion == "did you mean `Period`?"
    assert_at(problem, path, text, "SliceLast(Perod", "odata")


def test_unknown_tabular_section_of_a_known_owner(tmp_path: Path, schema: Schema) -> None:
    text = changed("{odata: Document_ЗаказКлиента_Товары}", "{odata: Document_ЗаказКлиента_Товар}")
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "`Document_ЗаказКлиента` has no tabular section `Товар`" in problem.message
    assert problem.suggestion == "did you mean `Товары`?"
    assert_at(problem, path, text, "Document_ЗаказКлиента_Товар}", "odata")


def test_tabular_section_without_its_own_set_is_checked_through_the_owner(
    tmp_path: Path, schema: Schema
) -> None:
    """1C may publish the owner but not ``Document_X_Товары``: the engine reads the owner's
    inline rows, so the check uses the section's row type."""
    owner_only = parse_metadata(METADATA)
    del owner_only.entity_sets["Document_ЗаказКлиента_Товары"]
    del owner_only.entity_types["Document_ЗаказКлиента_Товары"]
    assert check(tmp_path, VALID, owner_only)[1] == []
    text = changed(
        '{from: Количество, type: "decimal(15,3)"}', '{from: Колво, type: "decimal(15,3)"}'
    )
    path, problems = check(tmp_path, text, owner_only)
    problem = only_problem(problems)
    assert "unknown attribute `Колво` of Document_ЗаказКлиента_Товары" in problem.message
    assert_at(problem, path, text, "{from: Колво", "from")


def test_unknown_exchange_plan_suggests_the_closest(tmp_path: Path, schema: Schema) -> None:
    text = changed("{plan: ОбменССайтом,", "{plan: ОбменСайтом,", WITH_SOURCES)
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "unknown exchange plan `ОбменСайтом`" in problem.message
    assert "no set ExchangePlan_ОбменСайтом" in problem.message
    assert problem.suggestion == "did you mean `ОбменССайтом`?"
    line, brace = position(text, "{plan: ОбменСайтом", "{plan")
    assert (problem.file, problem.line, problem.column) == (str(path), line, brace + 1)


def test_modified_field_unknown_to_the_set_suggests_the_closest(
    tmp_path: Path, schema: Schema
) -> None:
    text = changed(
        "    keyset: Date\n",
        "    keyset: Date\n    incremental: modified_field\n    modified_field: Dat\n",
    )
    path, problems = check(tmp_path, text, schema)
    problem = only_problem(problems)
    assert "unknown attribute `Dat` of Document_ЗаказКлиента" in problem.message
    assert problem.suggestion == "did you mean `Date`?"
    assert_at(problem, path, text, "modified_field: Dat", "modified_field")
