"""1C error bodies (JSON, XML, HTML, broken) become the right OneCError."""

from __future__ import annotations

import orjson
import pytest

from onec_bridge.onec.error_mapping import (
    ONEC_CODE_HINTS,
    error_from_response,
    looks_like_html,
    parse_onec_error,
    protocol_error_for_body,
    strip_credentials,
)
from onec_bridge.onec.errors import (
    OneCAuthError,
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

URL = "http://host/base/odata/standard.odata/Catalog_Товары"


def json_error(code: str, message: str) -> bytes:
    return orjson.dumps(
        {"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}
    )


INTERNAL = "Произошла внутренняя ошибка OData сервиса."
XML_NOT_FOUND = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
    '<m:code>9</m:code><m:message>Экземпляр сущности "НакладнаяОтгрузки" не найден по '
    "переданному ключу.</m:message></m:error>"
).encode()


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "14", OneCValidationError),
        (401, "20", OneCAuthError),
        (403, "20", OneCAuthError),
        (404, "9", OneCNotFound),
        (409, "15", OneCConflict),
        (412, "-1", OneCPreconditionFailed),
        (500, "-1", OneCServerError),
        (501, "21", OneCNotSupported),
        (502, "-1", OneCUnavailable),
        (503, "-1", OneCUnavailable),
        (504, "-1", OneCUnavailable),
        (429, "-1", OneCUnavailable),
        (418, "2", OneCValidationError),
        (507, "-1", OneCServerError),
    ],
)
def test_status_decides_the_class(status: int, code: str, expected: type[OneCError]) -> None:
    error = error_from_response(status, {}, json_error(code, "текст"), URL)
    assert type(error) is expected
    assert error.status == status
    assert error.code == code
    assert error.message == "текст"


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "9", OneCNotFound),
        (400, "15", OneCConflict),
        (500, "20", OneCAuthError),
        (400, "0", OneCNotSupported),
        (500, "-1", OneCServerError),
    ],
)
def test_code_refines_generic_status(status: int, code: str, expected: type[OneCError]) -> None:
    assert type(error_from_response(status, {}, json_error(code, "x"), URL)) is expected


def test_json_error_code_stays_a_string_and_hint_is_code_specific() -> None:
    error = error_from_response(
        500, {"Content-Type": "application/json"}, json_error("-1", INTERNAL), URL
    )
    assert error.code == "-1"
    assert error.message == INTERNAL
    assert error.hint == ONEC_CODE_HINTS["-1"]
    assert "HTTP 500" in str(error)
    assert "1C code -1" in str(error)


def test_numeric_code_in_json_is_normalised_to_string() -> None:
    body = b'{"odata.error":{"code":13,"message":{"lang":"ru","value":"m"}}}'
    error = error_from_response(400, {}, body, URL)
    assert error.code == "13"
    assert "whole tabular section" in error.hint


def test_xml_error_is_parsed() -> None:
    error = error_from_response(404, {"content-type": "application/xml"}, XML_NOT_FOUND, URL)
    assert isinstance(error, OneCNotFound)
    assert error.code == "9"
    assert error.message.startswith("Экземпляр сущности")
    assert error.hint == ONEC_CODE_HINTS["9"]


def test_every_documented_code_has_a_hint() -> None:
    assert set(ONEC_CODE_HINTS) >= {str(code) for code in range(22)} | {"-1"}


def test_html_200_is_a_protocol_error() -> None:
    body = b"<!DOCTYPE html><html><body>Login</body></html>"
    error = error_from_response(200, {"Content-Type": "text/html"}, body, URL)
    assert isinstance(error, OneCProtocolError)
    assert "misconfigured" in error.hint


def test_iis_html_404_hints_at_url_length() -> None:
    body = b"<html><head><title>404 - File or directory not found.</title></head></html>"
    error = error_from_response(404, {}, body, URL)
    assert isinstance(error, OneCProtocolError)
    assert "maxQueryString" in error.hint


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, OneCAuthError), (503, OneCUnavailable), (500, OneCServerError)],
)
def test_html_pages_with_telling_status(status: int, expected: type[OneCError]) -> None:
    error = error_from_response(
        status, {"Content-Type": "text/html; charset=utf-8"}, b"<p>x</p>", URL
    )
    assert type(error) is expected


def test_looks_like_html() -> None:
    assert looks_like_html(b"  \n<!doctype html><html>")
    assert looks_like_html(b"\xef\xbb\xbf<HTML>")
    assert looks_like_html(b"whatever", "text/html")
    assert not looks_like_html(b'{"value": []}', "application/json")
    assert not looks_like_html(XML_NOT_FOUND)


def test_credentials_are_stripped_from_url() -> None:
    error = error_from_response(
        404, {}, json_error("9", "x"), "http://Иван:s3cr3t@host/base/odata/X?password=p1&$top=1"
    )
    assert error.url == "http://host/base/odata/X?password=***&$top=1"
    for text in (str(error), repr(error)):
        assert "s3cr3t" not in text
        assert "p1" not in text
        assert "Иван" not in text


def test_strip_credentials_keeps_clean_url() -> None:
    assert strip_credentials(URL) == URL


def test_unparseable_error_body_keeps_status_class_and_snippet() -> None:
    error = error_from_response(500, {}, b'{"odata.error": {"code": "-1", "mess', URL)
    assert isinstance(error, OneCServerError)
    assert error.code is None
    assert "odata.error" in error.message


def test_empty_error_body() -> None:
    error = error_from_response(503, {}, b"", URL)
    assert isinstance(error, OneCUnavailable)
    assert "empty body" in error.message


def test_control_characters_in_message_are_neutralised_and_long_message_cut() -> None:
    error = error_from_response(400, {}, json_error("4", "bad\x02value" + "я" * 2000), URL)
    assert "\x02" not in error.message
    assert len(error.message) <= 501


def test_parse_onec_error_variants() -> None:
    assert parse_onec_error(json_error("9", "m")) == ("9", "m")
    assert parse_onec_error(b'{"value": []}') is None
    assert parse_onec_error(b"not json") is None
    assert parse_onec_error(b"<feed/>") is None
    assert parse_onec_error(XML_NOT_FOUND) is not None


def test_protocol_error_names_control_character_offset_and_field() -> None:
    body = '{"value":[{"Ref_Key":"a","Description":"Мёд\x02 липовый"}]}'.encode()
    error = protocol_error_for_body(body, "http://u:pw@h/x", "invalid JSON")
    offset = body.index(b"\x02")
    assert isinstance(error, OneCProtocolError)
    assert f"at byte {offset}" in error.message
    assert "'Description'" in error.message
    assert "0x02" in error.message
    assert error.url == "http://h/x"
    assert "control character" in error.hint


def test_protocol_error_detects_truncation() -> None:
    body = '{"value":[{"Ref_Key":"a","Description":"Мёд'.encode()
    error = protocol_error_for_body(body, URL, "cannot decode page")
    assert "truncated" in error.message
    assert f"at byte {len(body)}" in error.message


def test_ok_status_with_garbage_is_protocol_error() -> None:
    error = error_from_response(200, {}, b'{"value": [', URL)
    assert isinstance(error, OneCProtocolError)
    assert "truncated" in error.message
