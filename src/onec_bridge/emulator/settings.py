"""How an emulated publication behaves: base name, users, switches, and the middleware seams."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from onec_bridge.emulator.fault_plan import FaultPlan
    from onec_bridge.emulator.sessions import SessionSettings

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_USER", "ASGIApp", "CostCharger", "EmulatorSettings"]

DEFAULT_USER = "Администратор"
DEFAULT_PASSWORD = "demo"

ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


class CostCharger(Protocol):
    """The cost model's hook: called once per collection response."""

    async def charge(self, *, rows: int, skipped: int) -> None: ...


@dataclass(frozen=True)
class EmulatorSettings:
    """Settings of one publication ``/{base_name}``; passwords never appear in the repr.

    ``inline_count_ignores_paging`` switches to the documented (17.4.6.2) behaviour where
    ``$inlinecount=allpages`` makes 1C ignore ``$top``/``$skip``; off by default because
    clients count with ``$top=0&$inlinecount=allpages``.
    ``posting_failures`` maps a document set name to the message ``Post`` fails with.
    ``faults``, ``sessions``, ``cost``, ``admin`` and ``hs_app`` plug in the middleware
    and the HTTP services; ``create_app`` is the single place that wraps them.
    """

    base_name: str = "demo"
    users: dict[str, str] = field(
        default_factory=lambda: {DEFAULT_USER: DEFAULT_PASSWORD}, repr=False
    )
    inline_count_ignores_paging: bool = False
    posting_failures: dict[str, str] = field(default_factory=dict)
    large_metadata_bytes: int = 0
    faults: FaultPlan | None = None
    sessions: SessionSettings | None = None
    cost: CostCharger | None = None
    admin: bool = False
    admin_token: str | None = field(default=None, repr=False)
    hs_app: ASGIApp | None = None

    def __post_init__(self) -> None:
        name = self.base_name
        if not name or "/" in name or name.strip() != name:
            raise ValueError(
                f"base_name {name!r} must be one non-empty URL segment without '/', e.g. 'demo'"
            )
        if not self.users:
            raise ValueError("users must name at least one user, e.g. {'Администратор': 'demo'}")
