"""The emulated 1C's user, and Basic auth as UTF-8 for ``requests``-based peers."""

from __future__ import annotations

from onec_bridge.onec.auth import basic_auth_header

__all__ = ["PASSWORD", "USER", "auth_header"]

USER = "Администратор"
PASSWORD = "demo"


def auth_header() -> dict[str, str]:
    """requests would encode a ``str`` user name as latin-1 and fail on Cyrillic."""
    return {"Authorization": basic_auth_header(USER, PASSWORD)}
