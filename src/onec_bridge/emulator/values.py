"""1C value encodings: version-1 GUIDs, DataVersion, and storage <-> JSON wire values."""

from __future__ import annotations

import base64
import random
import struct
from collections.abc import Callable
from typing import Any

from onec_bridge.emulator.model import EdmType, Property
from onec_bridge.mapping.onec_values import EMPTY_DATE, EMPTY_GUID, UNDEFINED_TYPE

__all__ = [
    "UNDEFINED_TYPE",
    "UUID1_EPOCH_OFFSET",
    "default_storage_value",
    "encode_data_version",
    "new_uuid1",
    "pad_fixed",
    "to_json_converter",
]

"""``<Name>_Type`` of an empty composite attribute (its value is then ``""``)."""

# 100-ns intervals between 1582-10-15 (the UUID epoch) and 1970-01-01.
UUID1_EPOCH_OFFSET = 0x01B21DD213814000
_YEAR_2015_TICKS = UUID1_EPOCH_OFFSET + 1_420_070_400 * 10_000_000


def new_uuid1(rng: random.Random) -> str:
    """A version-1 GUID as 1C generates it (time-based), reproducible from ``rng``.

    Formatted by hand (what ``str(uuid.UUID(fields=…))`` gives, several times faster)."""
    ticks = _YEAR_2015_TICKS + rng.getrandbits(51)
    clock_seq = rng.getrandbits(14)
    node = rng.getrandbits(48) | 0x010000000000  # multicast bit: a random, not a real, MAC
    return (
        f"{ticks & 0xFFFFFFFF:08x}-{(ticks >> 32) & 0xFFFF:04x}-"
        f"{((ticks >> 48) & 0x0FFF) | 0x1000:04x}-{((clock_seq >> 8) & 0x3F) | 0x80:02x}"
        f"{clock_seq & 0xFF:02x}-{node:012x}"
    )


def encode_data_version(counter: int) -> str:
    """DataVersion: base64 of 8 bytes (``AAAAAQAAAAA=`` for 1), new on every write."""
    return base64.b64encode(struct.pack(">II", counter & 0xFFFFFFFF, counter >> 32)).decode()


def pad_fixed(value: str, length: int | None) -> str:
    """Fixed-length strings come padded with spaces to their declared length."""
    if length is None:
        return value
    return value[:length].ljust(length)


def default_storage_value(prop: Property) -> Any:
    """The value 1C shows for an unfilled property of this type."""
    if prop.composite_type:
        return UNDEFINED_TYPE
    if prop.type is EdmType.GUID:
        return EMPTY_GUID
    if prop.type is EdmType.DATETIME:
        return EMPTY_DATE
    if prop.type is EdmType.BOOLEAN:
        return 0
    if prop.type in (EdmType.DOUBLE, EdmType.INT16, EdmType.INT32, EdmType.INT64):
        return 0
    return pad_fixed("", prop.fixed_length)


def _int64_to_json(value: Any) -> Any:
    return None if value is None else str(value)


def _bool_to_json(value: Any) -> Any:
    return None if value is None else bool(value)


def _double_to_json(value: Any) -> Any:
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def to_json_converter(prop: Property) -> Callable[[Any], Any] | None:
    """How a stored value becomes its JSON form; None when it is stored as sent."""
    if prop.type is EdmType.INT64:
        return _int64_to_json
    if prop.type is EdmType.BOOLEAN:
        return _bool_to_json
    if prop.type is EdmType.DOUBLE:
        return _double_to_json
    return None
