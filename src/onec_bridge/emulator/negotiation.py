"""Which representation a request gets: atom-xml by default, JSON when asked for.

JSON is chosen by ``$format=json``, ``$format=application/json[;odata=…]`` or an
``Accept`` header naming ``application/json``; ``Accept: */*`` or none gets atom.
"""

from __future__ import annotations

from enum import Enum

from onec_bridge.emulator.errors import ODataError

__all__ = ["ResponseFormat", "choose_format"]


class ResponseFormat(Enum):
    ATOM = "atom"
    JSON = "json"
    JSON_NOMETADATA = "json-nometadata"
    JSON_FULLMETADATA = "json-fullmetadata"

    @property
    def is_json(self) -> bool:
        return self is not ResponseFormat.ATOM


def _json_level(media: str) -> ResponseFormat:
    if "odata=nometadata" in media:
        return ResponseFormat.JSON_NOMETADATA
    if "odata=fullmetadata" in media:
        return ResponseFormat.JSON_FULLMETADATA
    return ResponseFormat.JSON


def choose_format(format_option: str | None, accept: str | None) -> ResponseFormat:
    """The negotiated format; an unknown ``$format`` is 1C's code 3 (415)."""
    if format_option is not None:
        media = format_option.strip().lower().replace(" ", "")
        if media == "json" or media.startswith("application/json"):
            return _json_level(media)
        if media in ("atom", "xml", "application/atom+xml", "application/xml"):
            return ResponseFormat.ATOM
        raise ODataError(415, "3", f"Представление '{format_option}' не поддерживается.")
    media = (accept or "").lower().replace(" ", "")
    if "application/json" in media:
        return _json_level(media)
    return ResponseFormat.ATOM
