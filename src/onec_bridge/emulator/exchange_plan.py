"""Exchange plans: nodes, ``SelectChanges`` and ``NotifyChangesReceived`` (1C 17.4.13.3).

Every write registers the changed object for each node (``_changes``, see storage).
``POST {root}/SelectChanges?DataExchangePoint='<root>/ExchangePlan_X(guid'…')'&MessageNo=N``
works as the platform's ``ВыбратьИзменения(Узел, N)``: registrations without a message
number get ``N``, and every registration numbered ``<= N`` is sent — so a packet that
was not acknowledged is sent again. The node's ``SentNo`` becomes ``N``. The answer is
an atom feed: an ``entry`` per existing object and an ``at:deleted-entry`` (RFC 6721)
per deleted one. ``$top``/``$filter`` are ignored. ``NotifyChangesReceived`` with ``N``
works as ``УдалитьРегистрациюИзменений(Узел, N)``: registrations numbered ``<= N`` are
removed and ``ReceivedNo`` becomes ``N``.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from onec_bridge.emulator.errors import ODataError, entity_not_found
from onec_bridge.emulator.model import EntitySet, ObjectKind
from onec_bridge.emulator.replies import Reply
from onec_bridge.emulator.sql_names import quote
from onec_bridge.emulator.tabular_rows import attach_sections
from onec_bridge.emulator.values import new_uuid1
from onec_bridge.emulator.wire_atom import ATOM_CONTENT_TYPE, AtomEntry, atom_feed

if TYPE_CHECKING:  # base/storage import this module (via demo_config)
    from onec_bridge.emulator.request_context import RequestContext
    from onec_bridge.emulator.storage import BaseStorage

__all__ = [
    "EXCHANGE_ACTIONS",
    "TOMBSTONE_NS",
    "ensure_exchange_nodes",
    "exchange_action",
]

EXCHANGE_ACTIONS = ("SelectChanges", "NotifyChangesReceived")
TOMBSTONE_NS = "http://purl.org/atompub/tombstones/1.0"
#: keys per ``IN (…)`` lookup of changed rows (SQLite allows 32,766 parameters)
_BATCH = 500
_POINT = re.compile(r"(?:^|/)(?P<set>ExchangePlan_[^/(]+)\(guid'(?P<ref>[0-9a-fA-F-]{36})'\)$")


def ensure_exchange_nodes(base: BaseStorage, codes: tuple[str, ...] = ("САЙТ",)) -> None:
    """Give every exchange plan without nodes its own node (``ЦБ``) and one node per code.

    Node keys are derived from the plan and code, so they are the same in every base.
    Changes made before a node exists are not registered for it (no initial export).
    """
    for entity_set in base.configuration.entity_sets:
        if entity_set.kind is not ObjectKind.EXCHANGE_PLAN or base.count(entity_set.name):
            continue
        nodes = [("ЦБ", "Эта информационная база", 1), *((c, c.title(), 0) for c in codes)]
        base.insert_objects(
            entity_set.name,
            [
                {
                    "Ref_Key": new_uuid1(random.Random(f"{entity_set.name}:{code}")),
                    "Code": code.ljust(entity_set.code_length)[: entity_set.code_length],
                    "Description": description,
                    "ThisNode": this_node,
                }
                for code, description, this_node in nodes
            ],
        )


@contextmanager
def _transaction(base: BaseStorage) -> Iterator[sqlite3.Connection]:
    """The base's connection under its lock, committed on success (the ``_changes`` table
    has no public write API in storage)."""
    with base._lock, base._connection:
        yield base._connection


def _node(ctx: RequestContext) -> tuple[EntitySet, str]:
    point = ctx.options.params.get("DataExchangePoint")
    if not point:
        raise ODataError(400, "12", "Не указан обязательный параметр DataExchangePoint.")
    text = point.strip()
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        text = text[1:-1]
    match = _POINT.search(text.replace("''", "'"))
    plan = ctx.base.entity_set(match.group("set")) if match else None
    if match is None or plan is None or plan.kind is not ObjectKind.EXCHANGE_PLAN:
        raise ODataError(400, "21", f"Неправильное значение параметра DataExchangePoint: {point}")
    ref = match.group("ref").lower()
    if ctx.base.get_row(plan.name, ref) is None:
        raise entity_not_found(plan.name)
    return plan, ref


def _message_no(ctx: RequestContext) -> int:
    text = ctx.options.params.get("MessageNo")
    if text is None:
        raise ODataError(400, "12", "Не указан обязательный параметр MessageNo.")
    if not text.strip().isdigit():
        raise ODataError(400, "21", f"Неправильное значение параметра MessageNo: {text!r}")
    return int(text)


def exchange_action(ctx: RequestContext, action: str) -> Reply:
    plan, ref = _node(ctx)
    number = _message_no(ctx)
    node = f"{plan.name}:{ref}"
    if action == "NotifyChangesReceived":
        with _transaction(ctx.base) as connection:
            connection.execute(
                "DELETE FROM _changes WHERE node = ? AND message_no <= ?", (node, number)
            )
        ctx.base.update_object(plan.name, ref, {"ReceivedNo": number})
        return Reply(200, b"", None)
    with _transaction(ctx.base) as connection:
        connection.execute(
            "UPDATE _changes SET message_no = ? WHERE node = ? AND message_no IS NULL",
            (number, node),
        )
        changes = connection.execute(
            "SELECT set_name, ref_key FROM _changes WHERE node = ? AND message_no <= ? "
            "ORDER BY rowid",
            (node, number),
        ).fetchall()
    ctx.base.update_object(plan.name, ref, {"SentNo": number})
    return Reply(200, _packet(ctx, changes), ATOM_CONTENT_TYPE)


def _packet(ctx: RequestContext, changes: list[tuple[Any, ...]]) -> bytes:
    """The feed of ``changes``: each changed object whole, as 1C sends it (its tabular
    sections inline), and a tombstone for each one deleted since it was registered."""
    entries: list[AtomEntry] = []
    deleted: list[str] = []
    found = _changed_rows(ctx.base, changes)
    sets = {name: ctx.base.entity_set(name) for name in {set_name for set_name, _ in changes}}
    with_sections: dict[str, tuple[EntitySet, list[str], list[dict[str, Any]]]] = {}
    for set_name, ref_key in changes:
        entity_set = sets[set_name]
        if entity_set is None:
            continue
        shape = ctx.base.shape(set_name)
        rows = found.get((set_name, ref_key), [])  # none: deleted since it was registered
        for row in rows:
            wire = shape.to_wire(row)
            links = shape.navigation_links(row)
            entries.append(AtomEntry(set_name, shape.key_text(row), links, wire))
            if entity_set.tabular_sections:
                _, refs, wires = with_sections.setdefault(set_name, (entity_set, [], []))
                refs.append(str(row[0]))
                wires.append(wire)
        if not rows:
            deleted.append(f"{ctx.root_url}/{_deleted_key(entity_set, ref_key)}")
    for entity_set, refs, wires in with_sections.values():  # a query per set and section
        attach_sections(ctx.base, entity_set, None, refs, wires)
    when = datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
    tombstones = "".join(
        f'<at:deleted-entry xmlns:at="{TOMBSTONE_NS}" ref={quoteattr(ref)} when="{when}"/>'
        for ref in deleted
    )
    return atom_feed(ctx.root_url, entries, tail=tombstones)


def _changed_rows(
    base: BaseStorage, changes: list[tuple[Any, ...]]
) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    """The stored rows of the changed objects, by ``(set, key)``: one query per set and
    ``_BATCH`` keys instead of one per object. Keys without a row are absent."""
    refs_by_set: dict[str, list[str]] = {}
    for set_name, ref_key in changes:
        refs_by_set.setdefault(set_name, []).append(ref_key)
    found: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for set_name, refs in refs_by_set.items():
        entity_set = base.entity_set(set_name)
        if entity_set is None:
            continue
        key = entity_set.key[0]
        position = [prop.name for prop in entity_set.properties].index(key)
        select = f"SELECT * FROM {quote(set_name)} WHERE {quote(key)} IN "
        for start in range(0, len(refs), _BATCH):
            batch = refs[start : start + _BATCH]
            for row in base.query(f"{select}({', '.join('?' * len(batch))})", batch):
                found.setdefault((set_name, row[position]), []).append(row)
    return found


def _deleted_key(entity_set: EntitySet, ref_key: str) -> str:
    if entity_set.key == ("Ref_Key",):
        return f"{entity_set.name}(guid'{ref_key}')"
    return f"{entity_set.name}({entity_set.key[0]}='{ref_key}')"
