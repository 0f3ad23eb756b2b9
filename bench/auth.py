"""The emulated 1C's user, and Basic auth as UTF-8 for ``requests``-based peers."""

from __future__ import annotations

import base64

__all__ = ["PASSWORD", "USER", "auth_header"]

USER = "Администратор"
PASSWORD = "demo"


def auth_header() -> dict[str, str]:
    """requests would encode a ``str`` user name as latin-1 and fail on Cyrillic."""
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
