"""Credentials toward 1C: Basic auth built as UTF-8, and URLs stripped of secrets.

1C users are routinely Cyrillic (``Администратор``); the latin-1 encoding that
many HTTP libraries use for Basic auth cannot carry them, so the header is
built here from UTF-8 bytes.
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

__all__ = ["Credentials", "basic_auth_header", "redact_url"]

REDACTED = "***"


def basic_auth_header(user: str, password: str) -> str:
    """The ``Authorization`` value for ``user:password`` encoded as UTF-8 then base64."""
    if ":" in user:
        raise ValueError(
            "the 1C user name must not contain ':' (Basic auth cannot carry it); check ONEC_USER"
        )
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class Credentials:
    """A 1C user and password whose repr and str never show the password."""

    __slots__ = ("_password", "user")

    def __init__(self, user: str, password: SecretStr | str) -> None:
        self.user = user
        self._password = password if isinstance(password, SecretStr) else SecretStr(password)

    def authorization(self) -> str:
        return basic_auth_header(self.user, self._password.get_secret_value())

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password={REDACTED!r})"

    __str__ = __repr__


def redact_url(url: str) -> str:
    """``url`` without any ``user:password@`` part, safe for logs and error messages."""
    if "@" not in url:
        return url  # the common case, without urlsplit's cost
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
