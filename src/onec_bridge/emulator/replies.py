"""A handler's answer before it becomes an HTTP response: status, body, content type, headers."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Reply"]


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str | None
    headers: dict[str, str] = field(default_factory=dict)
