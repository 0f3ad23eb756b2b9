"""The emulated 1C base: storage plus the demo mutations tests and the demo use."""

from __future__ import annotations

from onec_bridge.emulator.demo_data import (
    generate_demo_data,
    insert_demo_items,
    modify_demo_items,
)
from onec_bridge.emulator.exchange_plan import ensure_exchange_nodes
from onec_bridge.emulator.storage import BaseMismatchError, BaseStorage

__all__ = ["BaseMismatchError", "EmulatorBase", "generate_demo_base"]


class EmulatorBase(BaseStorage):
    """A 1C information base. ``EmulatorBase.open(None)`` is in memory; a path survives restarts.

    >>> base = EmulatorBase.open(None)
    >>> generate_demo_base(base, items=100, seed=1)
    >>> len(base.modify_items(3, seed=2))
    3
    """

    def modify_items(self, count: int, seed: int) -> list[str]:
        """Change Description and price of ``count`` existing items; returns their Ref_Keys."""
        return modify_demo_items(self, count, seed)

    def insert_items(self, count: int, seed: int) -> list[str]:
        """Create ``count`` new items; returns their Ref_Keys."""
        return insert_demo_items(self, count, seed)


def generate_demo_base(base: BaseStorage, items: int = 10_000, seed: int = 1) -> None:
    """Fill ``base`` with the demo data set; deterministic, idempotent for the same arguments."""
    generate_demo_data(base, items, seed)
    ensure_exchange_nodes(base)
