"""Wire conventions of 1C's standard OData interface, shared by the client and the emulator.

1C has no NULL for references and dates: an empty reference is the zero GUID and
an empty date is ``0001-01-01T00:00:00``. Dates carry no offset; they are the
server's local time. These helpers are the single place that knows it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
ODATA_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
EDM_NAMESPACE = "StandardODATA"
UNDEFINED_TYPE = "StandardODATA.Undefined"

__all__ = [
    "EDM_NAMESPACE",
    "EMPTY_DATE",
    "EMPTY_GUID",
    "ODATA_DATETIME_FORMAT",
    "UNDEFINED_TYPE",
    "format_onec_datetime",
    "is_empty_date",
    "is_empty_guid",
    "parse_onec_datetime",
]


def is_empty_guid(value: str | uuid.UUID | None) -> bool:
    """True for None, '' and the zero GUID in any letter case."""
    if value is None or value == "":
        return True
    return str(value).lower() == EMPTY_GUID


def is_empty_date(value: str | datetime | None) -> bool:
    """True for None, '' and 1C's empty date (year 1)."""
    if value is None or value == "":
        return True
    if isinstance(value, datetime):
        return value.year == 1 and value.month == 1 and value.day == 1 and not value.hour
    return value.startswith("0001-01-01")


def format_onec_datetime(value: datetime | None) -> str:
    """A naive server-local datetime as 1C writes it; None becomes the empty date."""
    if value is None:
        return EMPTY_DATE
    return value.replace(microsecond=0).strftime(ODATA_DATETIME_FORMAT).rjust(19, "0")


def parse_onec_datetime(text: str) -> datetime | None:
    """Parse 1C's ``YYYY-MM-DDTHH:MM:SS`` (no offset); the empty date becomes None."""
    if is_empty_date(text):
        return None
    return datetime.fromisoformat(text)
