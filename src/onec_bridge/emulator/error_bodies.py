"""1C's error body in the negotiated format: ``odata.error`` JSON or ``m:error`` XML."""

from __future__ import annotations

from xml.sax.saxutils import escape

from onec_bridge.emulator.negotiation import ResponseFormat
from onec_bridge.emulator.wire_json import JSON_CONTENT_TYPE, json_error

__all__ = ["XML_CONTENT_TYPE", "error_body"]

XML_CONTENT_TYPE = "application/xml;charset=utf-8"
_METADATA_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"


def error_body(fmt: ResponseFormat, code: str, message: str) -> tuple[str, bytes]:
    """``(content type, body)`` of an error with 1C's internal ``code`` (a string)."""
    if fmt.is_json:
        return JSON_CONTENT_TYPE, json_error(code, message)
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\r\n'
        f'<m:error xmlns:m="{_METADATA_NS}"><m:code>{escape(code)}</m:code>'
        f"<m:message>{escape(message)}</m:message></m:error>"
    )
    return XML_CONTENT_TYPE, xml.encode("utf-8")
