"""1C names (Cyrillic CamelCase) -> English snake_case column and entity names.

Three steps, each overridable: 1C's standard fields get their English names
(``Ref_Key`` -> ``id``); words found in a dictionary of common 1C vocabulary
are translated (``ЕдиницаИзмерения`` -> ``unit``); every other word is
transliterated (BGN/PCGN style without diacritics, as in ГОСТ 7.79 system B
for ``ц``/``х``: ``Номенклатура`` -> ``nomenklatura``).

>>> column_name("ЕдиницаИзмерения_Key", dictionary={})
'edinitsa_izmereniya_id'
>>> column_name("ЕдиницаИзмерения_Key")
'unit_id'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "COMMON_WORDS",
    "MAX_IDENTIFIER_LENGTH",
    "STANDARD_FIELDS",
    "column_name",
    "split_words",
    "transliterate",
]

# PostgreSQL silently truncates longer identifiers, which could merge two columns.
MAX_IDENTIFIER_LENGTH = 63

LETTERS = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}

STANDARD_FIELDS: dict[str, str] = {
    "Ref_Key": "id",
    "Description": "name",
    "Code": "code",
    "DeletionMark": "is_deleted",
    "Parent_Key": "parent_id",
    "Owner_Key": "owner_id",
    "IsFolder": "is_group",
    "Predefined": "is_predefined",
    "PredefinedDataName": "predefined_name",
    "DataVersion": "data_version",
    "Date": "date",
    "Number": "number",
    "Posted": "is_posted",
    "LineNumber": "line_number",
    "Period": "period",
    "Recorder": "recorder",
    "Recorder_Key": "recorder_id",
    "Recorder_Type": "recorder_type",
    "Active": "is_active",
    "RecordType": "record_type",
    "Value": "value",
}

# Whole words or CamelCase word sequences; the longest match wins.
COMMON_WORDS: dict[str, str] = {
    "Номенклатура": "item",
    "Номенклатуры": "item",
    "ВидНоменклатуры": "item_kind",
    "ХарактеристикаНоменклатуры": "item_variant",
    "ХарактеристикиНоменклатуры": "item_variants",
    "Контрагент": "counterparty",
    "Контрагенты": "counterparties",
    "Партнер": "partner",
    "Партнеры": "partners",
    "Склад": "warehouse",
    "Склады": "warehouses",
    "Цена": "price",
    "ЦенаПродажи": "sale_price",
    "ЦенаЗакупки": "purchase_price",
    "Цены": "prices",
    "ВидЦены": "price_kind",
    "Количество": "quantity",
    "Сумма": "amount",
    "СуммаНДС": "vat_amount",
    "СтавкаНДС": "vat_rate",
    "НДС": "vat",
    "Артикул": "sku",
    "ШтрихКод": "barcode",
    "Штрихкод": "barcode",
    "ИНН": "inn",
    "КПП": "kpp",
    "Организация": "organization",
    "Организации": "organizations",
    "ЕдиницаИзмерения": "unit",
    "ЕдиницыИзмерения": "units",
    "Валюта": "currency",
    "Валюты": "currencies",
    "ВалютаДокумента": "currency",
    "Комментарий": "comment",
    "Ответственный": "responsible",
    "Подразделение": "department",
    "Сотрудник": "employee",
    "Сотрудники": "employees",
    "Пользователь": "user",
    "Пользователи": "users",
    "Договор": "contract",
    "Соглашение": "agreement",
    "Заказ": "order",
    "Заказы": "orders",
    "Товар": "product",
    "Товары": "goods",
    "Товаров": "goods",
    "Услуги": "services",
    "Серия": "series",
    "Серии": "series",
    "Вес": "weight",
    "Объем": "volume",
    "Наименование": "name",
    "НаименованиеПолное": "full_name",
    "Описание": "description",
    "Код": "code",
    "Дата": "date",
    "Номер": "number",
    "Статус": "status",
    "Адрес": "address",
    "Телефон": "phone",
    "Страна": "country",
    "Город": "city",
    "Производитель": "manufacturer",
    "Поставщик": "supplier",
    "Покупатель": "customer",
    "Клиент": "client",
    "Скидка": "discount",
    "Процент": "percent",
    "Коэффициент": "ratio",
    "Остаток": "balance",
    "Остатки": "balances",
    "СрокГодности": "shelf_life",
    "ДатаСоздания": "created_at",
    "ДатаИзменения": "modified_at",
    "Родитель": "parent",
    "Владелец": "owner",
}

_WORD = re.compile(r"[А-ЯЁA-Z]+(?=[А-ЯЁA-Z][а-яёa-z])|[А-ЯЁA-Z]?[а-яёa-z]+|[А-ЯЁA-Z]+|[0-9]+")
_SUFFIXES = (("_Key", "id"), ("_Type", "type"), ("_Base64Data", "data"))


def split_words(name: str) -> list[str]:
    """CamelCase words of a 1C name: ``ИПКодПодчиненностиФСС`` -> ИП, Код, Подчиненности, ФСС."""
    return _WORD.findall(name)


def transliterate(text: str) -> str:
    """Lower-case Latin spelling of ``text``; Latin letters and digits pass through."""
    return "".join(LETTERS.get(char, char) for char in text.lower())


def column_name(
    onec_name: str,
    dictionary: Mapping[str, str] | None = None,
    standard: Mapping[str, str] = STANDARD_FIELDS,
) -> str:
    """The snake_case English name of a 1C property or object name.

    ``dictionary`` maps 1C words (or CamelCase word runs) to English; None means
    :data:`COMMON_WORDS`, ``{}`` means pure transliteration.
    """
    if onec_name in standard:
        return standard[onec_name]
    words = COMMON_WORDS if dictionary is None else dictionary
    stem, suffix = _split_suffix(onec_name)
    parts = [_translate(chunk, words) for chunk in stem.split("_") if chunk]
    return _valid_identifier("_".join(part for part in parts if part), suffix)


def _split_suffix(name: str) -> tuple[str, str]:
    for onec_suffix, english in _SUFFIXES:
        if name.endswith(onec_suffix) and len(name) > len(onec_suffix):
            return name[: -len(onec_suffix)], english
    return name, ""


def _translate(chunk: str, dictionary: Mapping[str, str]) -> str:
    """Greedy longest run of CamelCase words found in ``dictionary``; the rest transliterated."""
    words = split_words(chunk)
    result: list[str] = []
    start = 0
    while start < len(words):
        for end in range(len(words), start, -1):
            phrase = "".join(words[start:end])
            if phrase in dictionary:
                result.append(dictionary[phrase])
                start = end
                break
        else:
            result.append(transliterate(words[start]))
            start += 1
    return "_".join(part for part in result if part)


def _valid_identifier(stem: str, suffix: str) -> str:
    """Lower snake_case, not starting with a digit, short enough to keep ``suffix`` whole."""
    stem = re.sub(r"[^a-z0-9_]+", "_", stem.lower())
    stem = re.sub(r"_+", "_", stem).strip("_")
    if not stem:
        return suffix or "field"
    if stem[0].isdigit():
        stem = f"f_{stem}"
    tail = f"_{suffix}" if suffix else ""
    return stem[: MAX_IDENTIFIER_LENGTH - len(tail)].rstrip("_") + tail
