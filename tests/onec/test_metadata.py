"""$metadata parsing: the real sample, container/enum/function forms, cache, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from onec_bridge.onec import metadata as metadata_module
from onec_bridge.onec.errors import OneCProtocolError
from onec_bridge.onec.metadata import MetadataCache, Property, Schema, parse_metadata
from tests.samples import METADATA_SAMPLE

SAMPLE = METADATA_SAMPLE


@pytest.fixture(scope="module")
def schema() -> Schema:
    return parse_metadata(SAMPLE)


def test_sample_counts(schema: Schema) -> None:
    assert schema.namespace == "StandardODATA"
    assert len(schema.entity_types) == 19
    assert len(schema.complex_types) == 15
    assert len(schema.functions) == 6


@pytest.mark.parametrize(
    ("set_name", "key"),
    [
        ("Catalog_Организации", ("Ref_Key",)),
        ("Document_ВнутреннееПотреблениеТоваров", ("Ref_Key",)),
        ("Document_ВнутреннееПотреблениеТоваров_Товары", ("Ref_Key", "LineNumber")),
        (
            "AccumulationRegister_ТоварыКОтгрузке_RecordType",
            ("Recorder", "LineNumber", "Recorder_Type"),
        ),
        ("AccountingRegister_Хозрасчетный", ("Recorder", "Recorder_Type")),
    ],
)
def test_sample_keys(schema: Schema, set_name: str, key: tuple[str, ...]) -> None:
    assert schema.entity_type_of(set_name).key == key


def test_sample_property_types(schema: Schema) -> None:
    catalog = schema.entity_type_of("Catalog_Организации")
    assert catalog.property("Ref_Key") == Property("Ref_Key", "Edm.Guid", nullable=False)
    assert catalog.property("DataVersion") == Property("DataVersion", "Edm.String", nullable=True)
    assert catalog.property("DeletionMark") == Property("DeletionMark", "Edm.Boolean")
    assert catalog.property("Военкомат_Key") == Property("Военкомат_Key", "Edm.Guid")
    assert catalog.property("Нет") is None
    record = schema.entity_type_of("AccumulationRegister_ТоварыКОтгрузке_RecordType")
    types = {prop.name: prop.type for prop in record.properties}
    assert types["LineNumber"] == "Edm.Int64"
    assert types["Period"] == "Edm.DateTime"
    assert types["ВРезерве"] == "Edm.Double"
    assert types["ДокументОтгрузки_Type"] == "Edm.String"
    assert record.property("Recorder") == Property("Recorder", "Edm.String", nullable=False)


def test_open_type_and_navigation_targets(schema: Schema) -> None:
    assert schema.entity_types["AccountingRegister_Хозрасчетный"].open_type is True
    assert schema.entity_types["Catalog_Организации"].open_type is False
    navigation = {nav.name: nav for nav in schema.entity_type_of("Catalog_Организации").navigation}
    head = navigation["ГоловнаяОрганизация"]
    assert head.relationship == "StandardODATA.Catalog_Организации_ГоловнаяОрганизация"
    assert head.target_type == "StandardODATA.Catalog_Организации"
    assert navigation["ГрафикРаботы"].target_type == "StandardODATA.Catalog_Календари"


def test_tabular_sections_and_record_set(schema: Schema) -> None:
    sections = schema.tabular_sections("Document_ВнутреннееПотреблениеТоваров")
    assert [(s.name, s.table_set) for s in sections] == [
        ("Товары", "Document_ВнутреннееПотреблениеТоваров_Товары"),
        ("ВидыЗапасов", "Document_ВнутреннееПотреблениеТоваров_ВидыЗапасов"),
        ("Серии", "Document_ВнутреннееПотреблениеТоваров_Серии"),
    ]
    assert sections[0].row_type == "Document_ВнутреннееПотреблениеТоваров_Товары_RowType"
    # the register's RecordSet is a collection but not a tabular section
    assert schema.tabular_sections("AccountingRegister_Хозрасчетный") == []
    organisations = schema.tabular_sections("Catalog_Организации")
    by_name = {s.name: s.table_set for s in organisations}
    assert by_name["КонтактнаяИнформация"] == "Catalog_Организации_КонтактнаяИнформация"
    assert by_name["ДополнительныеРеквизиты"] is None  # not exposed as a set in the sample


def test_virtual_table_functions(schema: Schema) -> None:
    functions = {f.name: f for f in schema.functions_for("AccountingRegister_Хозрасчетный")}
    assert set(functions) == {
        "Balance", "Turnovers", "BalanceAndTurnovers", "ExtDimensions",
        "RecordsWithExtDimensions", "DrCrTurnovers",
    }  # fmt: skip
    balance = functions["Balance"]
    assert (
        balance.return_type == "Collection(StandardODATA.AccountingRegister_Хозрасчетный_Balance)"
    )
    assert balance.is_side_effecting is False
    assert [p.name for p in balance.parameters] == [
        "AccountCondition", "Condition", "Dimensions", "ExtraDimensions", "Period",
    ]  # fmt: skip
    assert functions["RecordsWithExtDimensions"].parameters[-1].type == "Edm.Int64"
    complex_type = schema.row_type_of("StandardODATA.AccountingRegister_Хозрасчетный_Balance")
    assert complex_type.name == "AccountingRegister_Хозрасчетный_Balance"


def test_sets_are_derived_when_no_container(schema: Schema) -> None:
    assert set(schema.entity_sets) == set(schema.entity_types)
    assert schema.entity_sets["Catalog_Организации"].entity_type == (
        "StandardODATA.Catalog_Организации"
    )


def test_unknown_set_error_names_close_sets(schema: Schema) -> None:
    with pytest.raises(KeyError, match=r"outside the OData composition.*Catalog_"):
        schema.entity_type_of("Catalog_Нет")


WITH_CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">
 <edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
   m:DataServiceVersion="3.0">
  <Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="StandardODATA">
   <EntityType Name="Document_Заказ">
    <Key><PropertyRef Name="Ref_Key"/></Key>
    <Property Name="Ref_Key" Type="Edm.Guid" Nullable="false"/>
    <Property Name="Статус" Type="Edm.String"/>
   </EntityType>
   <EnumType Name="СтатусыЗаказов" UnderlyingType="Edm.Int32">
    <Member Name="Новый"/><Member Name="Закрыт"/>
   </EnumType>
   <EntityContainer Name="EnterpriseV8" m:IsDefaultEntityContainer="true">
    <EntitySet Name="Document_Заказ" EntityType="StandardODATA.Document_Заказ"/>
    <FunctionImport Name="Post" IsBindable="true" IsSideEffecting="true">
     <Parameter Name="bindingParameter" Type="StandardODATA.Document_Заказ"/>
     <Parameter Name="PostingModeOperational" Type="Edm.Boolean"/>
    </FunctionImport>
   </EntityContainer>
  </Schema>
 </edmx:DataServices>
</edmx:Edmx>""".encode()


def test_container_sets_enums_and_post() -> None:
    schema = parse_metadata(WITH_CONTAINER)
    assert list(schema.entity_sets) == ["Document_Заказ"]
    assert schema.enum_types["СтатусыЗаказов"].members == ("Новый", "Закрыт")
    (post,) = schema.functions_for("Document_Заказ")
    assert post.name == "Post"
    assert post.is_side_effecting is True
    assert post.return_type is None
    assert [(p.name, p.type) for p in post.parameters] == [
        ("PostingModeOperational", "Edm.Boolean")
    ]


def test_file_object_source(tmp_path: Path) -> None:
    path = tmp_path / "m.xml"
    path.write_bytes(WITH_CONTAINER)
    with path.open("rb") as handle:
        assert list(parse_metadata(handle).entity_types) == ["Document_Заказ"]
    assert list(parse_metadata(str(path)).entity_types) == ["Document_Заказ"]


def test_broken_metadata_is_protocol_error() -> None:
    with pytest.raises(OneCProtocolError, match=r"not well-formed XML.*line"):
        parse_metadata(WITH_CONTAINER[:400])


def test_cache_parses_once_per_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real_parse = metadata_module.parse_metadata

    def counting_parse(source: bytes) -> Schema:
        calls.append(1)
        return real_parse(source)

    monkeypatch.setattr(metadata_module, "parse_metadata", counting_parse)
    cache = MetadataCache(tmp_path / "cache")
    body = SAMPLE.read_bytes()
    first = cache.get_or_parse(body)
    second = MetadataCache(tmp_path / "cache").get_or_parse(body)
    assert calls == [1]
    assert second == first
    assert second.entity_type_of("Catalog_Организации").key == ("Ref_Key",)
    cache.get_or_parse(WITH_CONTAINER)
    assert calls == [1, 1]


def test_cache_keyed_by_etag_and_recovers_from_corruption(tmp_path: Path) -> None:
    cache = MetadataCache(tmp_path)
    by_etag = cache.get_or_parse(WITH_CONTAINER, etag='W/"abc"')
    path = cache.path_for(WITH_CONTAINER, 'W/"abc"')
    assert path.exists()
    assert path != cache.path_for(WITH_CONTAINER)
    path.write_bytes(b"garbage")
    assert cache.get_or_parse(WITH_CONTAINER, etag='W/"abc"') == by_etag
    assert path.read_bytes() != b"garbage"
