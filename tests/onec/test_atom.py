"""Atom parsing on the real captured 1C samples, plus deletions, prefixes and broken input."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from onec_bridge.onec.atom import parse_feed
from onec_bridge.onec.errors import OneCProtocolError
from onec_bridge.onec.metadata import Schema, parse_metadata
from tests.samples import SAMPLES_1C

SAMPLES = SAMPLES_1C
ROOT = "http://192.168.17.4:8080/DemoEnterprise20/odata/standard.odata/"


@pytest.fixture(scope="module")
def schema() -> Schema:
    return parse_metadata(SAMPLES / "datareducer_metadata.xml")


def sample(name: str) -> bytes:
    return (SAMPLES / f"datareducer_{name}.xml").read_bytes()


def test_catalog_feed(schema: Schema) -> None:
    feed = parse_feed(sample("Catalog"), schema=schema)
    assert len(feed.entries) == 3
    first = feed.entries[0]
    assert first.id == (
        f"{ROOT}Catalog_БанковскиеСчетаОрганизаций(guid'8ce32335-8726-11e3-8054-0015e9b8c48d')"
    )
    assert first.type_name == "StandardODATA.Catalog_БанковскиеСчетаОрганизаций"
    assert first.updated == "2016-09-06T21:55:52"
    assert first.edit_link == (
        "Catalog_БанковскиеСчетаОрганизаций(guid'8ce32335-8726-11e3-8054-0015e9b8c48d')"
    )
    props = first.properties
    assert props["Ref_Key"] == "8ce32335-8726-11e3-8054-0015e9b8c48d"
    assert props["DataVersion"] == "AAAAAQAAAAA="
    assert props["DeletionMark"] is False
    assert props["Description"] == 'КОНГРЕСС-БАНК ОАО, Торговый дом "Комплексный" (EUR)'
    assert props["НомерСчета"] == "40702810838110014563"
    assert props["БанкДляРасчетов_Key"] == "00000000-0000-0000-0000-000000000000"
    assert props["ТекстКорреспондента"] == ""
    assert props["СрокИсполненияПлатежа"] == 1  # Edm.Int64 by the schema
    assert props["ИспользоватьОбменСБанком"] is True
    assert props["ДополнительныеРеквизиты"] == []  # empty tabular section, typed by m:type
    last = feed.entries[-1].properties
    assert last["DataVersion"] == "AAAAAQAAAA8="
    assert last["ФайлЗагрузки"] == "C:\\Program Files\\1cv82\\8.2.11.229\\bin\\kl_to_1c.txt"


def test_without_schema_untyped_values_stay_text() -> None:
    props = parse_feed(sample("Catalog_filtered")).entries[0].properties
    assert props["СрокИсполненияПлатежа"] == "1"
    assert props["DeletionMark"] == "false"
    assert props["ДополнительныеРеквизиты"] == []


def test_accounting_register_records_with_nulls(schema: Schema) -> None:
    feed = parse_feed(sample("AccountingRegister_RecordType"), schema=schema)
    assert len(feed.entries) == 3
    first = feed.entries[0].properties
    assert first["Period"] == datetime(2015, 1, 30, 12, 0, 1)
    assert first["Recorder"] == "48fa5315-fa43-11e4-92f1-0050568b35ac"
    assert first["Recorder_Type"] == (
        "StandardODATA.Document_ПоступлениеБезналичныхДенежныхСредств"
    )
    assert first["LineNumber"] == 1
    assert first["Сумма"] == Decimal("13600000")
    assert first["ВалютаDr_Key"] is None  # m:null="true"
    assert first["КоличествоDr"] is None
    last = feed.entries[-1].properties
    assert last["Содержание"] == "Зачет авансов клиентов"
    assert last["Period"] == datetime(2015, 2, 28, 23, 59, 59)


def test_accumulation_register_records(schema: Schema) -> None:
    feed = parse_feed(sample("AccumulationRegister_RecordType"), schema=schema)
    assert len(feed.entries) == 5
    first = feed.entries[0]
    assert "Recorder='103f5d42-d455-11e4-869d-0050568b35ac'" in (first.id or "")
    assert first.properties["RecordType"] == "Receipt"
    assert first.properties["Period"] == datetime(2014, 12, 4)
    last = feed.entries[-1].properties
    assert last["Recorder_Type"] == "StandardODATA.Document_ВводОстатков"
    assert last["ДокументПоступления_Type"] == "StandardODATA.Document_ВводОстатков"
    assert last["Количество"] == Decimal("10")
    assert last["СтоимостьБезНДС"] == Decimal("211.86")
    assert last["НДСРегл"] == Decimal("2145.76")


def test_balance_virtual_table_result(schema: Schema) -> None:
    feed = parse_feed(sample("AccumulationRegister_Balance"), schema=schema)
    assert len(feed.entries) == 14
    first = feed.entries[0]
    assert first.type_name == "StandardODATA.AccumulationRegister_ТоварыКОтгрузке_Balance"
    assert first.properties["КОтгрузкеBalance"] == Decimal("-1")
    assert first.properties["Номенклатура_Key"] == "e8a71ffa-55bc-11d9-848a-00112f43529a"
    assert first.properties["Номенклатура____Presentation"] == "Соковыжималка  SOLAC  Мод.541"
    last = feed.entries[-1].properties
    assert last["КОтгрузкеBalance"] == Decimal("1800")
    assert last["Номенклатура____Presentation"] == "Лист 6 Ст3пс5"


def test_turnovers_virtual_table_result(schema: Schema) -> None:
    feed = parse_feed(sample("AccumulationRegister_Turnovers"), schema=schema)
    assert len(feed.entries) == 5
    first = feed.entries[0].properties
    assert first["СуммаTurnover"] == Decimal("130831.29")
    assert first["СуммаReceipt"] == Decimal("3632693.43")
    assert first["СуммаExpense"] == Decimal("3501862.14")
    assert first["СуммаУпрTurnover"] == Decimal("-10056.82")
    assert feed.entries[-1].properties["Организация____Presentation"] == "Деловой союз"


def test_virtual_table_without_schema_keeps_untyped_text() -> None:
    first = parse_feed(sample("AccumulationRegister_Turnovers")).entries[0]
    assert (
        first.type_name == "StandardODATA.AccumulationRegister_ДенежныеСредстваБезналичные_Turnover"
    )
    assert first.properties["СуммаTurnover"] == "130831.29"


def test_chart_of_characteristic_types_nested_complex_values(schema: Schema) -> None:
    feed = parse_feed(sample("ChartOfCharacteristicTypes"), schema=schema)
    first = feed.entries[0].properties
    assert first["Description"] == "Цвет холодильника (Холодильники)"
    assert first["ValueType"]["Types"] == ["CatalogRef.ЗначенияСвойствОбъектов"]
    assert first["ValueType"]["NumberQualifiers"]["AllowedSign"] == "Any"
    last = feed.entries[-1].properties
    assert last["Description"] == "Дата заказа "  # padding kept at the syntax layer
    assert last["ЗависимостиДополнительныхРеквизитов"] == []


def test_tabular_section_set(schema: Schema) -> None:
    feed = parse_feed(sample("TabularSection"), schema=schema)
    assert len(feed.entries) == 2
    first = feed.entries[0]
    assert first.id == (
        f"{ROOT}Catalog_Организации_КонтактнаяИнформация"
        "(Ref_Key=guid'c58c98ad-c3e6-11e4-946e-bcaec56cc144', LineNumber=1)"
    )
    assert first.properties["LineNumber"] == 1
    assert first.properties["Тип"] == "Адрес"
    assert first.properties["Представление"] == "Москва г, Вавилова , дом № 97"
    assert first.properties["ЗначенияПолей"].startswith("<КонтактнаяИнформация xmlns=")
    assert feed.entries[1].properties["ДействуетС"] == datetime(1, 1, 1)


EXCHANGE_PACKET = """<?xml version="1.0" encoding="utf-8"?>
<a:feed xmlns:a="http://www.w3.org/2005/Atom"
        xmlns:x="http://schemas.microsoft.com/ado/2007/08/dataservices"
        xmlns:y="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
        xmlns:t="http://purl.org/atompub/tombstones/1.0">
  <y:count>2</y:count>
  <a:entry>
    <a:id>Catalog_Товары(guid'11111111-2222-3333-4444-555555555555')</a:id>
    <a:category term="StandardODATA.Catalog_Товары"/>
    <a:content type="application/xml"><y:properties>
      <x:Ref_Key y:type="Edm.Guid">11111111-2222-3333-4444-555555555555</x:Ref_Key>
      <x:Цена y:type="Edm.Double">12345678901234567.891</x:Цена>
      <x:Остаток y:type="Edm.Int64">9007199254740993</x:Остаток>
      <x:Активен y:type="Edm.Boolean">true</x:Активен>
      <x:Дата y:type="Edm.DateTime">2024-03-01T10:20:30</x:Дата>
      <x:Пусто y:null="true"/>
      <x:Товары y:type="Collection(StandardODATA.Catalog_Товары_Товары_RowType)">
        <x:element><x:LineNumber y:type="Edm.Int64">1</x:LineNumber><x:Код>А-1</x:Код></x:element>
        <x:element><x:LineNumber y:type="Edm.Int64">2</x:LineNumber><x:Код>А-2</x:Код></x:element>
      </x:Товары>
    </y:properties></a:content>
  </a:entry>
  <t:deleted-entry ref="Catalog_Товары(guid'66666666-2222-3333-4444-555555555555')"
                   when="2024-03-02T08:00:00"/>
</a:feed>""".encode()


def test_exchange_packet_with_other_prefixes_and_deleted_entries() -> None:
    feed = parse_feed(EXCHANGE_PACKET)
    assert feed.count == 2
    assert len(feed.entries) == 1
    props = feed.entries[0].properties
    assert props["Цена"] == Decimal("12345678901234567.891")
    assert props["Остаток"] == 9007199254740993
    assert props["Активен"] is True
    assert props["Дата"] == datetime(2024, 3, 1, 10, 20, 30)
    assert props["Пусто"] is None
    assert props["Товары"] == [{"LineNumber": 1, "Код": "А-1"}, {"LineNumber": 2, "Код": "А-2"}]
    assert [(item.ref, item.when) for item in feed.deleted] == [
        ("Catalog_Товары(guid'66666666-2222-3333-4444-555555555555')", datetime(2024, 3, 2, 8))
    ]


def test_single_entry_document() -> None:
    start = EXCHANGE_PACKET.index(b"<a:entry>")
    end = EXCHANGE_PACKET.index(b"</a:entry>") + len(b"</a:entry>")
    namespaces = (
        b' xmlns:a="http://www.w3.org/2005/Atom"'
        b' xmlns:x="http://schemas.microsoft.com/ado/2007/08/dataservices"'
        b' xmlns:y="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"'
    )
    body = EXCHANGE_PACKET[start:end].replace(b"<a:entry>", b"<a:entry" + namespaces + b">", 1)
    feed = parse_feed(body)
    assert len(feed.entries) == 1
    assert feed.entries[0].properties["Остаток"] == 9007199254740993


@pytest.mark.parametrize(
    "body",
    [b"<feed><entry>", b"not xml", EXCHANGE_PACKET.replace(b">9007199254740993<", b">x<")],
)
def test_broken_atom_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(OneCProtocolError, match="cannot read the atom answer") as caught:
        parse_feed(body, url="http://u:p@h/x")
    assert caught.value.url == "http://h/x"
