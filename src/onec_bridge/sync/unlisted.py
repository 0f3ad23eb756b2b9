"""Deletes found by a complete listing, confirmed with 1C before they are applied.

A stored key the listing did not see is taken for deleted in 1C. That holds only if the
listing really saw every row: an object whose keyset value (``Code``, ``Date``) was edited
mid-run from the part not yet listed into the part already listed is never listed, and a
``Code`` that repeats (uniqueness control off in the configuration) loses the rows that
share it at a page boundary. Before the delete rule runs, the unlisted references are
asked for by ``Ref_Key eq … or …`` chains; the ones 1C still has are kept (and the run
says so), the others are deletions. Physical deletes are rare, so this costs a request
or two per run where it costs anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from onec_bridge.onec.client import OneCClient

__all__ = ["MISSED_HINT", "still_in_onec"]

#: what a run says about unlisted rows 1C still has
MISSED_HINT = (
    "not deleted: the listing did not see them, but 1C still has them (a keyset value "
    "edited during the run, or a keyset that repeats; the next run lists them again if "
    "it was an edit, else declare a unique keyset)"
)


async def still_in_onec(
    client: OneCClient, set_name: str, refs: Sequence[str], max_in_flight: int
) -> frozenset[str]:
    """Those of ``refs`` (``Ref_Key`` GUIDs, as row keys) that ``set_name`` still has."""
    if not refs:
        return frozenset()
    rows = await client.odata.get_many(
        set_name, list(refs), select=["Ref_Key"], max_in_flight=max_in_flight
    )
    asked = set(refs)
    return frozenset(key for row in rows if (key := str(row.get("Ref_Key", "")).lower()) in asked)
