"""Errors as types: every failure talking to 1C becomes a ``OneCError`` subclass.

Each error carries the HTTP status, 1C's own error code (a *string*: 1C sends
``"9"``, ``"-1"``), 1C's message, the URL without credentials and a hint of
what to do. ``str(error)`` is a one-paragraph message for a human.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "OneCAuthError",
    "OneCBusinessError",
    "OneCCircuitOpen",
    "OneCConflict",
    "OneCError",
    "OneCNotFound",
    "OneCNotSupported",
    "OneCPreconditionFailed",
    "OneCProtocolError",
    "OneCServerError",
    "OneCTimeout",
    "OneCUnavailable",
    "OneCValidationError",
]


class OneCError(Exception):
    """Base of every error raised while talking to 1C."""

    default_hint = "See the 1C technology journal for details."
    # Set by the transport: seconds the server asked to wait (Retry-After), and
    # whether the request may have reached 1C (False only for connect failures).
    retry_after: float | None = None
    request_sent: bool = True
    # The error answer's JSON object when it had one (an HTTP service's own body, e.g.
    # ``{"Ref_Key": "…", "error": "…"}``); None for other bodies.
    details: dict[str, Any] | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        url: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.url = url
        self.hint = hint if hint is not None else self.default_hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [self.message]
        where = []
        if self.status is not None:
            where.append(f"HTTP {self.status}")
        if self.code is not None:
            where.append(f"1C code {self.code}")
        if self.url:
            where.append(self.url)
        if where:
            parts.append(f"({', '.join(where)})")
        if self.hint:
            parts.append(f"— {self.hint}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"code={self.code!r}, url={self.url!r})"
        )


class OneCAuthError(OneCError):
    default_hint = (
        "Check ONEC_USER and ONEC_PASSWORD, and that the 1C user has rights "
        "to the standard OData interface."
    )


class OneCNotFound(OneCError):
    default_hint = (
        "Check the entity set name and key; objects outside the OData composition "
        "are invisible (УстановитьСоставСтандартногоИнтерфейсаOData)."
    )


class OneCConflict(OneCError):
    default_hint = "The object already exists or changed meanwhile; re-read it and retry."

    @property
    def ref_key(self) -> str | None:
        """The existing object's ``Ref_Key`` when the answer names it (HTTP services that
        de-duplicate answer 409 ``{"Ref_Key": "…"}``)."""
        value = (self.details or {}).get("Ref_Key")
        return value if isinstance(value, str) else None


class OneCPreconditionFailed(OneCConflict):
    default_hint = "The object changed since it was read (DataVersion mismatch); re-read it."


class OneCValidationError(OneCError):
    default_hint = "The request was rejected as invalid; fix the query or the payload."


class OneCNotSupported(OneCError):
    default_hint = "1C's OData interface does not support this operation or function."


class OneCServerError(OneCError):
    default_hint = "1C failed internally; see its technology journal."


class OneCBusinessError(OneCServerError):
    """1C's application code refused the operation (500, code ``-1``, a message of its own),
    e.g. a posting handler: sending it again gives the same answer, so it is not retried
    and does not count against the circuit breaker."""

    default_hint = (
        "1C's application code refused the operation (e.g. posting rules); read 1C's "
        "message, fix the data and try again."
    )


class OneCUnavailable(OneCError):
    default_hint = "Check that the 1C web server is running and reachable at ONEC_URL."


class OneCTimeout(OneCUnavailable):
    default_hint = "1C did not answer in time; raise the timeout or lower the page size."


class OneCCircuitOpen(OneCUnavailable):
    default_hint = "Too many consecutive failures; requests pause until the cool-down ends."


class OneCProtocolError(OneCError):
    default_hint = (
        "1C answered something that is not valid OData (HTML page, truncated or "
        "corrupt body); check the web-server publication."
    )
