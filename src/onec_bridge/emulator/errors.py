"""Errors the emulated 1C answers with: HTTP status + 1C's internal code (a string) + message.

Codes follow the developer guide, section 17.4.10; messages are 1C's Russian texts
(or close to them where the exact text is not documented).
"""

from __future__ import annotations

__all__ = [
    "INTERNAL_ERROR_TEXT",
    "ODataError",
    "bad_option",
    "entity_not_found",
    "internal_error",
    "not_supported",
    "unknown_entity_set",
]

INTERNAL_ERROR_TEXT = (
    "Произошла внутренняя ошибка OData сервиса. "
    "Дополнительные сведения можно найти в технологическом журнале."
)


class ODataError(Exception):
    """An error response; ``code`` is 1C's internal code as a string (``"9"``, ``"-1"``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status}, 1C code {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def entity_not_found(set_name: str) -> ODataError:
    object_name = set_name.split("_", 1)[-1]
    return ODataError(
        404, "9", f'Экземпляр сущности "{object_name}" не найден по переданному ключу.'
    )


def unknown_entity_set(segment: str) -> ODataError:
    return ODataError(400, "8", f"Тип сущности с именем '{segment}' не найден.")


def bad_option(option: str, detail: str) -> ODataError:
    return ODataError(400, "14", f"Ошибка разбора параметра запроса {option}: {detail}")


def not_supported(detail: str) -> ODataError:
    return ODataError(501, "0", f"Операция не поддерживается: {detail}")


def internal_error(message: str = INTERNAL_ERROR_TEXT) -> ODataError:
    return ODataError(500, "-1", message)
