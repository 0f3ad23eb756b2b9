"""Turn a failed 1C answer (status, headers, body) into the right ``OneCError``.

1C reports errors three ways: its ``odata.error`` JSON (the code is a *string*:
``"9"``, ``"-1"``), the XML ``m:error`` of the atom format, and — when the web
server (IIS/Apache) answers instead of 1C — an HTML page, sometimes with
status 200. Bodies may be truncated or carry control characters.

>>> err = error_from_response(404, {}, b'{"odata.error":{"code":"9","message":'
...     b'{"lang":"ru","value":"not found"}}}', "http://u:p@h/b/odata/standard.odata/X")
>>> type(err).__name__, err.code, err.url
('OneCNotFound', '9', 'http://h/b/odata/standard.odata/X')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

import orjson
from lxml import etree

from onec_bridge.onec.errors import (
    OneCAuthError,
    OneCBusinessError,
    OneCConflict,
    OneCError,
    OneCNotFound,
    OneCNotSupported,
    OneCPreconditionFailed,
    OneCProtocolError,
    OneCServerError,
    OneCUnavailable,
    OneCValidationError,
)

__all__ = [
    "ONEC_CODE_HINTS",
    "error_from_response",
    "looks_like_html",
    "parse_onec_error",
    "protocol_error_for_body",
    "strip_credentials",
]

MAX_MESSAGE_CHARS = 500
_SNIPPET_CHARS = 40
_METADATA_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<title)", re.IGNORECASE)
_JSON_KEY_BEFORE = re.compile(rb'"([^"\\]{1,200})"\s*:\s*"?[^"]*$')
_SECRET_QUERY = re.compile(r"(?i)((?:password|passwd|pwd|token|secret)=)[^&#]*")
# ``…/Post`` and ``…/Unpost``: a 500 with code -1 there is the posting handler's verdict.
_DOCUMENT_ACTION = re.compile(r"\)/(Post|Unpost)$")
# 1C's generic text for a platform failure (not the application's own exception).
_INTERNAL_ERROR_MARKER = "внутренняя ошибка"
_LICENCE_MARKER = "лицензи"
LICENCE_HINT = (
    "1C has no free client licence for a new session: every licence is taken. Enable "
    "session_reuse (one session per client), lower max_concurrency, close other sessions "
    "or add licences."
)

ONEC_CODE_HINTS: dict[str, str] = {
    "-1": "1C raised an exception (often a business rule); read the message and the "
    "1C technology journal.",
    "0": "The operation is not supported by 1C's standard OData interface.",
    "1": "1C could not parse a string in the request; check literal formats "
    "(guid'…', datetime'YYYY-MM-DDTHH:MM:SS').",
    "2": "The request format is wrong; check the URL syntax and the body.",
    "3": "The requested representation is not supported; use $format=json or atom.",
    "4": "A property value is invalid for its type; check the payload types.",
    "5": "A required value is missing; fill the mandatory attributes.",
    "6": "The URL is invalid; check the entity-set name and the key syntax.",
    "7": "A part of the key is missing; give every key property (e.g. Ref_Key and LineNumber).",
    "8": "The entity type is not found; add the object to the OData composition "
    "(УстановитьСоставСтандартногоИнтерфейсаOData) or fix the name.",
    "9": "No entity with this key; it may have been deleted — re-read the set.",
    "10": "A property is not found; compare the name with $metadata.",
    "11": "The method is not found; check the function name (Post, Unpost, SliceLast…).",
    "12": "A required function argument is missing.",
    "13": "Tabular-section rows cannot be created directly; PATCH the owner with the "
    "whole tabular section.",
    "14": "A query option could not be parsed; check $filter/$orderby/$select syntax and "
    "use only functions 1C supports.",
    "15": "An entity with this key already exists; read it instead of creating it.",
    "16": "The property cannot be assigned (read-only, e.g. Posted or Ref_Key).",
    "17": "Data-load mode (1C_OData-DataLoadMode) is not supported for this object.",
    "18": "The payload repeats a property name; send each property once.",
    "19": "This HTTP method is not allowed on this resource.",
    "20": "The 1C user lacks rights; grant them in 1C or add allowedOnly=true to set reads.",
    "21": "The function is not implemented or got wrong arguments.",
}

_STATUS_CLASSES: dict[int, type[OneCError]] = {
    400: OneCValidationError,
    401: OneCAuthError,
    403: OneCAuthError,
    404: OneCNotFound,
    405: OneCNotSupported,
    409: OneCConflict,
    412: OneCPreconditionFailed,
    429: OneCUnavailable,
    500: OneCServerError,
    501: OneCNotSupported,
    502: OneCUnavailable,
    503: OneCUnavailable,
    504: OneCUnavailable,
}

# When 1C answers a generic 400/500, its code says more than the status.
_CODE_CLASSES: dict[str, type[OneCError]] = {
    "0": OneCNotSupported,
    "9": OneCNotFound,
    "15": OneCConflict,
    "20": OneCAuthError,
    "21": OneCNotSupported,
}

_HTML_HINTS: dict[int, str] = {
    200: "The web server answered an HTML page instead of OData: the publication is "
    "misconfigured or a login/proxy page intercepted the request; open the URL in a browser.",
    404: "The web server (not 1C) answered 404: usually the URL exceeded IIS maxQueryString "
    "(2048 bytes) — split long $filter chains (chunk_in_filters) — or the publication "
    "path is wrong.",
    400: "The web server (not 1C) rejected the request: a path segment may exceed IIS "
    "UrlSegmentMaxLength (260); pass long parameters in the query string.",
}


def strip_credentials(url: str) -> str:
    """The URL without ``user:password@`` and without secret-looking query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _SECRET_QUERY.sub(r"\1***", url.split("@")[-1])
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = _SECRET_QUERY.sub(r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def looks_like_html(body: bytes, content_type: str | None = None) -> bool:
    """True when the body is an HTML page (a web-server answer, not 1C's OData)."""
    if content_type and "html" in content_type.lower():
        return True
    return bool(_HTML_START.match(body[:512].lstrip(b"\xef\xbb\xbf")))


def parse_onec_error(body: bytes) -> tuple[str | None, str | None] | None:
    """1C's ``(code, message)`` from a JSON ``odata.error`` or XML ``m:error`` body.

    None when the body is neither; the code is kept as the string 1C sent.
    """
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return _parse_json_error(stripped)
    if stripped.startswith(b"<"):
        return _parse_xml_error(stripped)
    return None


def _parse_json_error(body: bytes) -> tuple[str | None, str | None] | None:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict):
        return None
    error = document.get("odata.error") or document.get("error")
    if isinstance(error, str):
        return None, error  # an HTTP service's own ``{"error": "text"}``
    if not isinstance(error, dict):
        return None
    code = error.get("code")
    message = error.get("message")
    if isinstance(message, dict):
        message = message.get("value")
    return (
        None if code is None else str(code),
        None if message is None else str(message),
    )


def _parse_xml_error(body: bytes) -> tuple[str | None, str | None] | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None
    if etree.QName(root).localname != "error":
        return None
    code = root.findtext(f"{{{_METADATA_NS}}}code")
    message_element = root.find(f"{{{_METADATA_NS}}}message")
    if message_element is None:
        message_element = root.find("message")
    message = None
    if message_element is not None:
        message = "".join(str(part) for part in message_element.itertext())
    if code is None:
        code = root.findtext("code")
    return (code.strip() if code else None, message)


def _clean_message(text: str) -> str:
    text = _CONTROL_CHARS.sub("?", text).strip()
    if len(text) > MAX_MESSAGE_CHARS:
        return text[:MAX_MESSAGE_CHARS] + "…"
    return text


def _error_class(status: int, code: str | None) -> type[OneCError]:
    if status in (400, 500) and code in _CODE_CLASSES:
        return _CODE_CLASSES[code]
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if 500 <= status < 600:
        return OneCServerError
    if 400 <= status < 500:
        return OneCValidationError
    return OneCProtocolError


def _html_error(status: int, url: str) -> OneCError:
    if status in (401, 403):
        message = f"The web server refused access (HTTP {status})"
        return OneCAuthError(message, status=status, url=url)
    if status in (502, 503, 504):
        message = f"The web server in front of 1C answered HTTP {status}"
        return OneCUnavailable(message, status=status, url=url)
    if status >= 500:
        message = f"The web server answered an HTML error page (HTTP {status})"
        return OneCServerError(message, status=status, url=url)
    hint = _HTML_HINTS.get(status, _HTML_HINTS[200])
    return OneCProtocolError(
        f"Expected an OData answer but got an HTML page (HTTP {status})",
        status=status,
        url=url,
        hint=hint,
    )


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, url: str
) -> OneCError:
    """The ``OneCError`` for a failed (or HTML) answer of 1C.

    The class follows the status (401/403 auth, 404 not found, 409 conflict,
    412 precondition, 400 validation, 501 not supported, 500 server error,
    429/502/503/504 unavailable), refined by 1C's code on a generic 400/500
    (``9`` not found, ``15`` conflict, ``20`` rights, ``0``/``21`` not supported).
    An HTML page becomes a protocol error unless its status says more.
    """
    safe_url = strip_credentials(url)
    content_type = _header(headers, "content-type")
    if looks_like_html(body, content_type):
        return _html_error(status, safe_url)
    parsed = parse_onec_error(body)
    if parsed is None:
        if status < 400:
            return protocol_error_for_body(body, safe_url, "the body is not a valid OData answer")
        snippet = _clean_message(body[:MAX_MESSAGE_CHARS].decode("utf-8", "replace"))
        fallback = snippet or "1C answered with an empty body"
        hint = LICENCE_HINT if _LICENCE_MARKER in snippet.lower() else None
        error = _error_class(status, None)(fallback, status=status, url=safe_url, hint=hint)
        error.details = _json_object(body)
        return error
    code, message = parsed
    error_class = _error_class(status, code)
    if _is_business_failure(status, code, message, safe_url):
        error_class = OneCBusinessError
    hint = ONEC_CODE_HINTS.get(code or "") or error_class.default_hint
    if error_class in (OneCPreconditionFailed, OneCBusinessError):
        hint = error_class.default_hint  # says more than code -1's generic hint
    if status == 401:
        # 1C answers a wrong password and missing rights alike; name both causes
        hint = (
            f"{OneCAuthError.default_hint} {hint}" if hint != OneCAuthError.default_hint else hint
        )
    text = _clean_message(message or "") or "1C returned an error without a message"
    error = error_class(text, status=status, code=code, url=safe_url, hint=hint)
    error.details = _json_object(body)
    return error


def _is_business_failure(status: int, code: str | None, message: str | None, url: str) -> bool:
    """A posting handler's refusal: 500, code -1, on ``…/Post``/``…/Unpost``, not the
    platform's generic internal-error text."""
    if status != 500 or code != "-1" or not message:
        return False
    if _INTERNAL_ERROR_MARKER in message.lower():
        return False
    return _DOCUMENT_ACTION.search(urlsplit(url).path) is not None


def _json_object(body: bytes) -> dict[str, object] | None:
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"{"):
        return None
    try:
        document = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def protocol_error_for_body(body: bytes, url: str, reason: str) -> OneCProtocolError:
    """A protocol error saying what is wrong with the body and where.

    Finds the first control character (1C exports one ``0x02`` and blocks a
    whole exchange) or the truncation point, and names the JSON field it is in
    when one can be read before that offset.
    """
    safe_url = strip_credentials(url)
    offset, detail = _locate_defect(body)
    message = f"Invalid 1C answer: {reason}"
    if offset is not None:
        field = _field_before(body, offset)
        where = f" at byte {offset}" + (f" in field {field!r}" if field else "")
        message += f"; {detail}{where}"
    start = max(0, (offset or 0) - _SNIPPET_CHARS)
    window = body[start : (offset or 0) + _SNIPPET_CHARS]
    snippet = _clean_message(window.decode("utf-8", "replace"))
    if snippet:
        message += f" (near: {snippet!r})"
    hint = (
        "Find the 1C object with the control character in this field and clean it, "
        "or read the set in smaller pages to isolate it."
        if detail.startswith("control")
        else OneCProtocolError.default_hint
    )
    return OneCProtocolError(message, url=safe_url, hint=hint)


def _locate_defect(body: bytes) -> tuple[int | None, str]:
    match = re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", body)
    if match is not None:
        return match.start(), f"control character 0x{match.group()[0]:02x}"
    if not body.strip():
        return None, "empty body"
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as error:
        text = body.decode("utf-8", "replace")
        byte_offset = len(text[: error.pos].encode())
        if error.pos >= len(text.rstrip()) - 1:
            return byte_offset, "the body ends early (truncated)"
        return byte_offset, f"invalid JSON ({error.msg})"
    return None, "unexpected content"


def _field_before(body: bytes, offset: int) -> str | None:
    window = body[max(0, offset - 4096) : offset]
    match = _JSON_KEY_BEFORE.search(window)
    if match is None:
        return None
    return match.group(1).decode("utf-8", "replace")
