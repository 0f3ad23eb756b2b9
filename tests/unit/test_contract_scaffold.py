"""scaffold_contract: names, types, keys, tabular sections, references; loads and checks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from onec_bridge.contract import load_contract
from onec_bridge.contract.check import check_contract
from onec_bridge.contract.model import IDENTIFIER
from onec_bridge.contract.scaffold import ScaffoldError, scaffold_contract
from onec_bridge.contract.transliterate import MAX_IDENTIFIER_LENGTH, column_name, split_words
from onec_bridge.onec.metadata import Schema, parse_metadata
from tests.samples import METADATA_SAMPLE

SMALL = Path(__file__).parent / "contract_fixtures" / "metadata.xml"
ENV = {"ONEC_USER": "Администратор", "ONEC_PASSWORD": "secret"}


@pytest.fixture(scope="module")
def sample() -> Schema:
    return parse_metadata(METADATA_SAMPLE)


@pytest.fixture(scope="module")
def small() -> Schema:
    return parse_metadata(SMALL)


def entities_of(text: str) -> dict[str, Any]:
    document = YAML(typ="safe").load(text)
    entities: dict[str, Any] = document["entities"]
    return entities


# -- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("onec", "expected"),
    [
        ("Номенклатура", "nomenklatura"),
        ("ЕдиницаИзмерения_Key", "edinitsa_izmereniya_id"),
        ("ВидНоменклатуры", "vid_nomenklatury"),
        ("ХозяйственнаяОперация", "khozyaystvennaya_operatsiya"),
        ("ИПКодПодчиненностиФСС", "ip_kod_podchinennosti_fss"),
        ("Субконто1_Type", "subkonto_1_type"),
        ("ЩитЪёж", "shchit_yozh"),
    ],
)
def test_transliteration_without_dictionary(onec: str, expected: str) -> None:
    assert column_name(onec, dictionary={}) == expected


@pytest.mark.parametrize(
    ("onec", "expected"),
    [
        ("Ref_Key", "id"),
        ("Description", "name"),
        ("Code", "code"),
        ("DeletionMark", "is_deleted"),
        ("Parent_Key", "parent_id"),
        ("IsFolder", "is_group"),
        ("Date", "date"),
        ("Number", "number"),
        ("Posted", "is_posted"),
        ("LineNumber", "line_number"),
    ],
)
def test_standard_fields_get_english_names(onec: str, expected: str) -> None:
    assert column_name(onec, dictionary={}) == expected


@pytest.mark.parametrize(
    ("onec", "expected"),
    [
        ("ЕдиницаИзмерения_Key", "unit_id"),
        ("Контрагент_Key", "counterparty_id"),
        ("Склад_Key", "warehouse_id"),
        ("Цена", "price"),
        ("Количество", "quantity"),
        ("Сумма", "amount"),
        ("Артикул", "sku"),
        ("ИНН", "inn"),
        ("КПП", "kpp"),
        ("Организация_Key", "organization_id"),
        ("ВидНоменклатуры", "item_kind"),
        ("ОсновнойСклад_Key", "osnovnoy_warehouse_id"),
    ],
)
def test_dictionary_translates_common_words(onec: str, expected: str) -> None:
    assert column_name(onec) == expected


def test_camel_case_splits_abbreviations_and_digits() -> None:
    assert split_words("ИПКодПодчиненностиФСС") == ["ИП", "Код", "Подчиненности", "ФСС"]
    assert split_words("Субконто1") == ["Субконто", "1"]


def test_long_names_are_cut_but_keep_their_suffix() -> None:
    name = column_name("Удалить" + "ОченьДлинноеИмя" * 8 + "_Key", dictionary={})
    assert len(name) <= MAX_IDENTIFIER_LENGTH
    assert name.endswith("_id")


@given(
    st.text(
        alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
        "abcXYZ0123456789_",
        min_size=1,
        max_size=80,
    )
)
def test_every_name_becomes_a_valid_column(onec: str) -> None:
    name = column_name(onec)
    assert IDENTIFIER.match(name), name
    assert len(name) <= MAX_IDENTIFIER_LENGTH


# -- the skeleton ------------------------------------------------------------------------------


def test_whole_real_sample_loads_and_passes_check(tmp_path: Path, sample: Schema) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text(scaffold_contract(sample, None, {}), encoding="utf-8")
    contract = load_contract(path, environ=ENV)
    assert check_contract(path, sample, environ=ENV) == []
    sets = {entity.source.odata for entity in contract.entities.values()}
    assert "Catalog_Организации" in sets
    assert "Document_ВнутреннееПотреблениеТоваров_Товары" in sets
    # register record sets give way to their row-level _RecordType sets
    assert "AccountingRegister_Хозрасчетный" not in sets
    assert "AccountingRegister_Хозрасчетный_RecordType" in sets


def test_catalog_entity(sample: Schema) -> None:
    entity = entities_of(scaffold_contract(sample, ["Catalog_ЦенныеБумаги"], {}))
    securities = entity["tsennye_bumagi"]
    assert securities["source"] == {"odata": "Catalog_ЦенныеБумаги"}
    assert securities["keyset"] == "Code"
    assert securities["key"] == ["id"]
    assert securities["incremental"] == "data_version"
    assert securities["deletes"] == "soft"
    assert securities["deletion_flag"] == "is_deleted"
    assert securities["fields"] == {
        "id": "Ref_Key",
        "name": "Description",
        "code": "Code",
        "parent_id": "Parent_Key",
        "is_group": "IsFolder",
        "is_deleted": "DeletionMark",
    }


def test_document_with_tabular_sections_as_child_entities(sample: Schema) -> None:
    text = scaffold_contract(
        sample, ["Document_ВнутреннееПотреблениеТоваров"], {}, use_dictionary=False
    )
    entities = entities_of(text)
    owner = entities["vnutrennee_potreblenie_tovarov"]
    assert owner["keyset"] == "Date"
    assert owner["fields"]["is_posted"] == "Posted"
    assert "tovary" not in owner["fields"]  # the collection is a child entity, not a column
    lines = entities["vnutrennee_potreblenie_tovarov_tovary"]
    assert lines["source"] == {"odata": "Document_ВнутреннееПотреблениеТоваров_Товары"}
    assert lines["key"] == ["owner_id", "line_number"]
    assert lines["incremental"] == "data_version" and lines["deletes"] == "hard"
    assert lines["fields"]["owner_id"] == {
        "from": "Ref_Key",
        "references": "vnutrennee_potreblenie_tovarov",
    }
    assert lines["fields"]["kolichestvo"] == {"from": "Количество", "type": "decimal(15,3)"}
    assert lines["fields"]["nomenklatura_id"] == "Номенклатура_Key"
    assert "keyset" not in lines


def test_types_come_from_the_metadata(small: Schema) -> None:
    fields = entities_of(scaffold_contract(small, ["Catalog_Номенклатура"], {}))["item"]["fields"]
    assert fields["weight"] == {"from": "Вес", "type": "decimal(15,3)"}
    assert fields["shelf_life"] == {"from": "СрокГодности", "type": "bigint"}
    assert fields["created_at"] == {"from": "ДатаСоздания", "type": "datetime"}
    assert fields["is_group"] == "IsFolder"
    assert fields["manufacturer"] == "Производитель"
    assert fields["manufacturer_type"] == "Производитель_Type"
    assert "data_version" not in fields
    assert not any(value == "УдалитьСтарыйКод" for value in fields.values())


def test_comments_carry_the_1c_names_and_precision_hint(small: Schema) -> None:
    text = scaffold_contract(small, ["Catalog_Номенклатура", "Document_ЗаказКлиента"], {})
    assert re.search(r"^  item: +# справочник «Номенклатура»$", text, re.M)
    assert re.search(
        r"^  order_klienta_goods: +# табличная часть «Товары»: "
        r"документ «ЗаказКлиента»$",
        text,
        re.M,
    )
    assert re.search(r"^      weight: .*# Edm\.Double: decimal\(15,3\) is a guess", text, re.M)
    assert re.search(r"^      # left out \(obsolete, «Удалить…»\): УдалитьСтарыйКод$", text, re.M)
    assert re.search(r"^      unit_id: .*# Edm\.Guid -> Catalog_ЕдиницыИзмерения$", text, re.M)


def test_references_only_to_scaffolded_targets(small: Schema) -> None:
    both = entities_of(
        scaffold_contract(small, ["Catalog_Номенклатура", "Catalog_ЕдиницыИзмерения"], {})
    )
    assert both["item"]["fields"]["unit_id"] == {
        "from": "ЕдиницаИзмерения_Key",
        "references": "units",
    }
    assert both["item"]["fields"]["parent_id"] == {"from": "Parent_Key", "references": "item"}
    alone = entities_of(scaffold_contract(small, ["Catalog_Номенклатура"], {}))
    assert alone["item"]["fields"]["unit_id"] == "ЕдиницаИзмерения_Key"


def test_register_references_on_the_real_sample(sample: Schema) -> None:
    text = scaffold_contract(
        sample,
        ["AccumulationRegister_ТоварыКОтгрузке_RecordType", "Catalog_Организации"],
        {"AccumulationRegister_ТоварыКОтгрузке_RecordType": "goods_to_ship"},
    )
    shipping = entities_of(text)["goods_to_ship"]
    assert shipping["key"] == ["recorder", "line_number", "recorder_type"]
    assert shipping["keyset"] == "Period"
    assert shipping["incremental"] == "full"


def test_overrides_rename_sets_properties_and_words(small: Schema, tmp_path: Path) -> None:
    overrides = {
        "Catalog_Номенклатура": "products",
        "Description": "title",
        "Вес": "weight_kg",
        "ЕдиницаИзмерения": "uom",
    }
    text = scaffold_contract(small, ["Catalog_Номенклатура"], overrides)
    fields = entities_of(text)["products"]["fields"]
    assert fields["title"] == "Description"
    assert fields["weight_kg"]["from"] == "Вес"
    assert fields["uom_id"] == "ЕдиницаИзмерения_Key"
    path = tmp_path / "contract.yaml"
    path.write_text(text, encoding="utf-8")
    assert check_contract(path, small, environ=ENV) == []


def test_small_metadata_scaffold_checks_clean(small: Schema, tmp_path: Path) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text(
        scaffold_contract(small, None, {}, onec_url="http://1c.local/trade"), encoding="utf-8"
    )
    contract = load_contract(path, environ=ENV)
    assert contract.onec.url == "http://1c.local/trade"
    assert check_contract(path, small, environ=ENV) == []


def test_unknown_only_set_is_a_clear_error(small: Schema) -> None:
    with pytest.raises(ScaffoldError, match="did you mean `Catalog_Номенклатура`"):
        scaffold_contract(small, ["Catalog_Номенклатурa"], {})
