"""``incremental: exchange_plan``: the changes 1C registered for one exchange-plan node.

A run reads the node's ``ReceivedNo`` (``GET ExchangePlan_X``), asks
``SelectChanges`` with ``MessageNo = ReceivedNo + 1`` (1C numbers every pending
registration with it and sends everything numbered up to it, so an unacknowledged
packet comes again), upserts the entries of the entity's set and applies the delete
rule to its deleted entries, commits, and only then confirms with
``NotifyChangesReceived``. A crash between the commit and the confirmation sends the
same packet again; applying it twice changes nothing (unchanged ``DataVersion``\\ s are
not rewritten, deleted keys the app no longer has are ignored): at-least-once delivery,
idempotent apply.

The first run of such an entity (no row versions yet, or ``--full``) numbers the pending
registrations first, then loads the whole set and confirms that number afterwards: what
was registered before the load is in the load. A change made during the load is
registered again without a number, so it is not confirmed and comes in the next packet.

Several entities may share a node: one packet carries the changes of all of them, and the
confirmation drops it whole, so they run together (``PullEngine.pull_node``): one
``SelectChanges``, each entity's part applied and committed, one confirmation after the
last commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from onec_bridge.contract.model import ExchangePlanNode
from onec_bridge.onec.atom import AtomFeed
from onec_bridge.onec.client import OneCClient
from onec_bridge.onec.query import QueryOptions
from onec_bridge.sync.entity_plan import EntityPlan

__all__ = ["Node", "Packet", "acknowledge", "packet_of", "read_node", "select_changes"]

_DELETED_REF = re.compile(r"(?:^|/)(?P<set>[^/(]+)\(guid'(?P<ref>[0-9a-fA-F-]{36})'\)$")
#: marks a checkpoint written by a packet (as opposed to a full load's keyset cursor)
PACKET_CURSOR = "exchange_message_no"


@dataclass(frozen=True)
class Node:
    plan_set: str
    ref: str
    received_no: int

    @property
    def next_message(self) -> int:
        return self.received_no + 1


@dataclass
class Packet:
    message_no: int
    rows: list[dict[str, Any]]
    deleted: list[str]


async def read_node(client: OneCClient, spec: ExchangePlanNode) -> Node:
    """The node whose ``Code`` is ``spec.node`` (codes come padded: compared trimmed)."""
    plan_set = spec.entity_set
    nodes = await client.odata.query(
        plan_set, QueryOptions(select=["Ref_Key", "Code", "ReceivedNo"])
    )
    wanted = spec.node.strip()
    for node in nodes:
        if str(node.get("Code", "")).strip() == wanted:
            return Node(plan_set, str(node["Ref_Key"]), int(node.get("ReceivedNo") or 0))
    codes = ", ".join(repr(str(node.get("Code", "")).strip()) for node in nodes)
    raise LookupError(
        f"exchange plan {plan_set} has no node with Code {wanted!r} (nodes: {codes or 'none'}); "
        "create the node in 1C or fix `exchange_plan.node` in the contract"
    )


async def select_changes(client: OneCClient, node: Node) -> AtomFeed:
    # No $metadata here: 1C's atom values are mostly untyped text, and the contract's
    # column converters read that text as well as JSON values. Fetching a 15 MB
    # $metadata on every incremental run would cost more than the packet itself.
    return await client.odata.select_changes(node.plan_set, node.ref, node.next_message)


async def acknowledge(client: OneCClient, node: Node) -> None:
    await client.odata.notify_changes_received(node.plan_set, node.ref, node.next_message)


def packet_of(feed: AtomFeed, plan: EntityPlan, message_no: int) -> Packet:
    """The entries and deleted keys of ``plan``'s set; other sets of the packet are the
    node's other entities' (or of no entity: skipped)."""
    set_name = plan.entity_set
    rows = [
        dict(entry.properties)
        for entry in feed.entries
        if (entry.type_name or "").rpartition(".")[2] == set_name
    ]
    deleted: list[str] = []
    for tombstone in feed.deleted:
        match = _DELETED_REF.search(tombstone.ref)
        if match and unquote(match.group("set")) == set_name:
            deleted.append(plan.row_key({plan.key_source: match.group("ref").lower()}))
    return Packet(message_no, rows, deleted)
