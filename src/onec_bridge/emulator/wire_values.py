"""JSON values sent by a client -> storage values, checked against the property's type."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from onec_bridge.emulator.errors import ODataError
from onec_bridge.emulator.model import Configuration, EdmType, Property
from onec_bridge.emulator.values import pad_fixed
from onec_bridge.mapping.onec_values import EMPTY_DATE, EMPTY_GUID

__all__ = ["bad_value", "storage_value"]

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_INTEGERS = (EdmType.INT16, EdmType.INT32, EdmType.INT64)


def bad_value(prop: Property, value: Any, expected: str) -> ODataError:
    return ODataError(
        400,
        "4",
        f"Неправильное значение свойства '{prop.name}': {value!r} (ожидается {expected}).",
    )


def _guid(prop: Property, value: Any) -> str:
    if value in (None, ""):
        return EMPTY_GUID
    if not isinstance(value, str) or not _GUID.match(value):
        raise bad_value(prop, value, "GUID вида 00000000-0000-0000-0000-000000000000")
    return value.lower()


def _datetime(prop: Property, value: Any) -> str:
    if value in (None, ""):
        return EMPTY_DATE
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise bad_value(prop, value, "дата YYYY-MM-DDTHH:MM:SS") from None
    if moment.tzinfo is not None:
        raise bad_value(prop, value, "дата без смещения часового пояса")
    return moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")


def _number(prop: Property, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad_value(prop, value, "число")
    try:
        number = float(value)
    except ValueError:
        raise bad_value(prop, value, "число") from None
    if prop.type in _INTEGERS:
        if not number.is_integer():
            raise bad_value(prop, value, "целое число")
        return int(number)
    return number


def _composite_type(configuration: Configuration, prop: Property, value: str) -> str:
    """``X_Type``: ``StandardODATA.Undefined``, ``StandardODATA.<Set>`` or ``Edm.<Type>``."""
    set_name = value.removeprefix("StandardODATA.")
    known = set_name == "Undefined" or configuration.entity_set(set_name) is not None
    if (value.startswith("StandardODATA.") and known) or value in set(EdmType):
        return value
    raise bad_value(prop, value, "StandardODATA.Undefined, StandardODATA.<Набор> или Edm.<Тип>")


def storage_value(configuration: Configuration, prop: Property, value: Any) -> Any:
    """The stored form of a client's JSON value; a wrong type is 1C's 400 with code 4."""
    if prop.type is EdmType.GUID:
        return _guid(prop, value)
    if prop.type is EdmType.DATETIME:
        return _datetime(prop, value)
    if prop.type is EdmType.BOOLEAN:
        if not isinstance(value, bool):
            raise bad_value(prop, value, "true или false")
        return int(value)
    if prop.type in (EdmType.DOUBLE, *_INTEGERS):
        return _number(prop, value)
    if value is None:
        return pad_fixed("", prop.fixed_length)
    if not isinstance(value, str):
        raise bad_value(prop, value, "строка")
    if prop.composite_type:
        return _composite_type(configuration, prop, value)
    if prop.enum is not None and value and value not in configuration.enums.get(prop.enum, ()):
        members = ", ".join(configuration.enums.get(prop.enum, ()))
        raise bad_value(prop, value, f"одно из значений {members} или пустая строка")
    return pad_fixed(value, prop.fixed_length)
