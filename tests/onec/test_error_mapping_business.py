"""The additions to error mapping: a posting handler's refusal, an HTTP service's own error
body, 1C's licence message, and the 412 hint."""

from __future__ import annotations

import orjson
import pytest

from onec_bridge.onec import (
    OneCBusinessError,
    OneCConflict,
    OneCPreconditionFailed,
    OneCServerError,
    OneCValidationError,
)
from onec_bridge.onec.breaker import counts_as_failure
from onec_bridge.onec.error_mapping import LICENCE_HINT, error_from_response
from onec_bridge.onec.retry import RetryPolicy

ROOT = "http://h/b/odata/standard.odata"
POST_URL = f"{ROOT}/Document_X(guid'8ce32335-8726-11e3-8054-0015e9b8c48d')/Post?$format=json"
INTERNAL = "Произошла внутренняя ошибка OData сервиса. Дополнительные сведения … журнале."


def odata_error(code: str, message: str) -> bytes:
    error = {"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}
    return orjson.dumps(error)


@pytest.mark.parametrize("action", ["Post", "Unpost"])
def test_a_posting_refusal_is_a_business_error_neither_retried_nor_a_breaker_failure(
    action: str,
) -> None:
    url = POST_URL.replace("/Post?", f"/{action}?")
    error = error_from_response(500, {}, odata_error("-1", "Недостаточно товара"), url)
    assert type(error) is OneCBusinessError
    assert isinstance(error, OneCServerError)
    assert (error.code, error.message) == ("-1", "Недостаточно товара")
    assert RetryPolicy().reason_to_retry(error, idempotent=True) is None
    assert not counts_as_failure(error)


@pytest.mark.parametrize(
    ("status", "code", "message", "url"),
    [
        (500, "-1", INTERNAL, POST_URL),  # the platform failed: worth another try
        (500, "-1", "Недостаточно товара", f"{ROOT}/Catalog_X"),  # not a posting action
        (500, "14", "x", POST_URL),
        (502, "-1", "x", POST_URL),
    ],
)
def test_other_server_errors_stay_retryable(status: int, code: str, message: str, url: str) -> None:
    error = error_from_response(status, {}, odata_error(code, message), url)
    assert not isinstance(error, OneCBusinessError)
    assert RetryPolicy().reason_to_retry(error, idempotent=True) is not None


def test_an_http_services_own_error_body_gives_message_and_details() -> None:
    body = b'{"Ref_Key": "8ce32335-8726-11e3-8054-0015e9b8c48d", "error": "already recorded"}'
    conflict = error_from_response(409, {}, body, "http://h/b/hs/loyalty/transactions")
    assert isinstance(conflict, OneCConflict)
    assert conflict.message == "already recorded"
    assert conflict.ref_key == "8ce32335-8726-11e3-8054-0015e9b8c48d"
    invalid = error_from_response(400, {}, b'{"error": "field \'amount\'"}', "http://h/b/hs/x")
    assert isinstance(invalid, OneCValidationError)
    assert (invalid.message, invalid.details) == ("field 'amount'", {"error": "field 'amount'"})
    plain = error_from_response(409, {}, b"busy", "http://h/b/hs/x")
    assert isinstance(plain, OneCConflict) and plain.ref_key is None and plain.details is None


def test_the_licence_message_gets_a_hint_naming_the_cures() -> None:
    body = "Не найдена лицензия. Не обнаружен ключ защиты программы!".encode()
    error = error_from_response(500, {"Content-Type": "text/plain"}, body, ROOT)
    assert isinstance(error, OneCServerError)
    assert error.hint == LICENCE_HINT


def test_a_412_with_code_minus_one_keeps_the_precondition_hint() -> None:
    error = error_from_response(412, {}, odata_error("-1", "Версия изменилась"), ROOT)
    assert isinstance(error, OneCPreconditionFailed)
    assert error.hint == OneCPreconditionFailed.default_hint
