"""``POST Document_X(guid'…')/Post?PostingModeOperational=false`` and ``…/Unpost``.

Both answer 200 with an empty body and toggle ``Posted`` (posting writes the register
movements, see ``posting``). ``$format`` and other parameters may come in any order.
A failure configured in ``EmulatorSettings.posting_failures`` (document set → message)
answers 500 with 1C's ``-1`` body carrying that business message and changes nothing.
"""

from __future__ import annotations

from typing import Any

from onec_bridge.emulator.errors import ODataError, internal_error
from onec_bridge.emulator.model import EntitySet, ObjectKind
from onec_bridge.emulator.posting import post_document, unpost_document
from onec_bridge.emulator.read_handlers import find_row
from onec_bridge.emulator.replies import Reply
from onec_bridge.emulator.request_context import RequestContext

__all__ = ["ACTIONS", "handle_document_action"]

ACTIONS = ("Post", "Unpost")


def _operational(ctx: RequestContext) -> None:
    value = ctx.options.params.get("PostingModeOperational")
    if value is not None and value.strip().lower() not in ("true", "false"):
        raise ODataError(
            400,
            "4",
            f"Неправильное значение параметра 'PostingModeOperational': {value!r} "
            "(ожидается true или false).",
        )


def handle_document_action(
    ctx: RequestContext, entity_set: EntitySet, key: dict[str, Any], action: str
) -> Reply:
    """``Document_X(guid'…')/Post`` or ``/Unpost`` (POST only)."""
    if entity_set.kind is not ObjectKind.DOCUMENT:
        raise ODataError(400, "11", f"Метод '{action}' не найден у '{entity_set.name}'.")
    if ctx.method != "POST":
        raise ODataError(405, "19", f"Метод HTTP {ctx.method} не допускается для этого ресурса.")
    _operational(ctx)
    find_row(ctx, entity_set, key)
    if action == "Post":
        failure = ctx.settings.posting_failures.get(entity_set.name)
        if failure is not None:
            raise internal_error(failure)
        post_document(ctx.base, entity_set.name, key["Ref_Key"])
    else:
        unpost_document(ctx.base, entity_set.name, key["Ref_Key"])
    return Reply(200, b"", None)
