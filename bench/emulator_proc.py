"""The emulated 1C in its own process (its own GIL, like a real 1C server), driven by stdin.

Prints ``READY <url>`` once serving; then reads commands, answering ``OK …`` to each:
``cost <per_request> <per_row> <per_skipped_row>``, ``modify <count> [<seed>]``, ``quit``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.auth import PASSWORD, USER
from onec_bridge.emulator import EmulatorBase, EmulatorSettings, create_app, run_in_thread
from onec_bridge.emulator.base import generate_demo_base
from onec_bridge.emulator.cost import CostModel


class SwitchableCost:
    """The emulator's cost hook; the bench swaps the model between scenarios."""

    def __init__(self) -> None:
        self.model = CostModel()

    async def charge(self, *, rows: int, skipped: int) -> None:
        await self.model.charge(rows=rows, skipped=skipped)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base-file", type=Path)
    args = parser.parse_args()
    base = EmulatorBase.open(args.base_file)
    generate_demo_base(base, items=args.items, seed=args.seed)
    cost = SwitchableCost()
    settings = EmulatorSettings(base_name="demo", users={USER: PASSWORD}, cost=cost)
    handle = run_in_thread(create_app(base, settings), port=0)
    print(f"READY {handle.url}", flush=True)
    for line in sys.stdin:
        command, *args_ = line.split()
        if command == "cost":
            per_request, per_row, per_skipped = (float(value) for value in args_)
            cost.model = CostModel(per_request, per_row, per_skipped)
            print("OK", flush=True)
        elif command == "modify":
            seed = int(args_[1]) if len(args_) > 1 else 11
            changed = base.modify_items(int(args_[0]), seed=seed)
            print(f"OK {len(changed)}", flush=True)
        elif command == "quit":
            break
    handle.stop()


if __name__ == "__main__":
    main()
