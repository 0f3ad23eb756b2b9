"""The demo ``loyalty`` HTTP service, written over the emulated base.

``GET products|customers|inventory`` list rows of the configured sets (JSON, in
the OData wire form; ``?limit=&offset=`` page them). ``POST transactions`` takes
``{"id": "<transaction id>", "customer": "<Ref_Key>", "amount": 150.0,
"points": 15}``, creates a loyalty-operation document, posts it (``posting``), and
answers 201 ``{"Ref_Key": …}``. The same ``id`` again → 409 with the existing
``Ref_Key`` (the idempotency a push relies on); unknown customer → 404; a bad payload
→ 400 naming the field. The id is the document's ``ИдентификаторТранзакции``, so it
survives restarts like the documents do (the demo's generated operations use
``demo-000001``…). ``demo_http_services(base)`` is the router the demo app mounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from onec_bridge.emulator.hs import (
    HsHandler,
    HsRequest,
    HsResponse,
    HttpService,
    HttpServicesRouter,
)
from onec_bridge.emulator.posting import post_document
from onec_bridge.emulator.sql_names import quote
from onec_bridge.emulator.storage import BaseStorage
from onec_bridge.mapping.onec_values import format_onec_datetime

__all__ = [
    "DEFAULT_PAGE",
    "LOYALTY_ROOT",
    "LoyaltySets",
    "demo_http_services",
    "loyalty_service",
]

LOYALTY_ROOT = "loyalty"
DEFAULT_PAGE = 1000
_GUID_LENGTH = 36


@dataclass(frozen=True, slots=True)
class LoyaltySets:
    """Entity sets the service reads and writes, and the document's attribute names."""

    products: str = "Catalog_Номенклатура"
    customers: str = "Catalog_Контрагенты"
    inventory: str = "AccumulationRegister_ТоварыНаСкладах"
    transactions: str = "Document_ОперацияЛояльности"
    customer_attribute: str = "Контрагент_Key"
    amount_attribute: str = "Сумма"
    points_attribute: str = "Баллы"
    transaction_id_attribute: str = "ИдентификаторТранзакции"


def loyalty_service(base: BaseStorage, sets: LoyaltySets | None = None) -> HttpService:
    """The ``/hs/loyalty`` service bound to ``base``."""
    sets = sets or LoyaltySets()
    service = HttpService(LOYALTY_ROOT)
    service.add("/products", "GET", _lister(base, sets.products))
    service.add("/customers", "GET", _lister(base, sets.customers))
    service.add("/inventory", "GET", _lister(base, sets.inventory))

    async def post_transaction(request: HsRequest) -> HsResponse:
        return create_transaction(base, sets, request)

    service.add("/transactions", "POST", post_transaction)
    return service


def _lister(base: BaseStorage, set_name: str) -> HsHandler:
    async def list_rows(request: HsRequest) -> HsResponse:
        if base.entity_set(set_name) is None:
            return HsResponse.text(500, f"В конфигурации нет объекта {set_name}")
        try:
            limit = int(request.query.get("limit", DEFAULT_PAGE))
            offset = int(request.query.get("offset", 0))
        except ValueError:
            return HsResponse.text(400, "limit and offset must be whole numbers")
        rows = base.query(
            f"SELECT * FROM {quote(set_name)} ORDER BY rowid LIMIT ? OFFSET ?",
            (max(0, limit), max(0, offset)),
        )
        shape = base.shape(set_name)
        return HsResponse.json(200, {"items": [shape.to_wire(row) for row in rows]})

    return list_rows


def create_transaction(base: BaseStorage, sets: LoyaltySets, request: HsRequest) -> HsResponse:
    """Validate, de-duplicate, create and post one loyalty operation."""
    try:
        payload = _validated(request)
    except ValueError as exc:
        return HsResponse.json(400, {"error": str(exc)})
    document_set = base.entity_set(sets.transactions)
    if document_set is None or base.entity_set(sets.customers) is None:
        return HsResponse.text(500, f"В конфигурации нет {sets.transactions} или {sets.customers}")
    existing = _recorded(base, sets, payload["id"])
    if existing is not None:
        return HsResponse.json(409, {"Ref_Key": existing, "error": "transaction already recorded"})
    if base.get(sets.customers, payload["customer"]) is None:
        return HsResponse.json(404, {"error": f"customer {payload['customer']} not found"})
    values = {
        "Date": format_onec_datetime(datetime.now()),
        sets.customer_attribute: payload["customer"],
        sets.amount_attribute: payload["amount"],
        sets.points_attribute: payload["points"],
        sets.transaction_id_attribute: payload["id"],
    }
    known = {name: value for name, value in values.items() if document_set.get_property(name)}
    (ref_key,) = base.insert_objects(sets.transactions, [known])
    if document_set.get_property("Posted") is not None:
        post_document(base, sets.transactions, ref_key)
    return HsResponse.json(201, {"Ref_Key": ref_key})


def _recorded(base: BaseStorage, sets: LoyaltySets, transaction_id: str) -> str | None:
    """The document already recorded for this transaction id (the base is the memory)."""
    document_set = base.entity_set(sets.transactions)
    if document_set is None or document_set.get_property(sets.transaction_id_attribute) is None:
        return None
    found = base.scalar(
        f'SELECT "Ref_Key" FROM {quote(sets.transactions)} '
        f"WHERE {quote(sets.transaction_id_attribute)} = ? ORDER BY rowid LIMIT 1",
        (transaction_id,),
    )
    return None if found is None else str(found)


def demo_http_services(base: BaseStorage) -> HttpServicesRouter | None:
    """``/hs/loyalty`` over ``base`` when its configuration has the loyalty sets, else None."""
    sets = LoyaltySets()
    needed = (sets.products, sets.customers, sets.transactions)
    if any(base.entity_set(name) is None for name in needed):
        return None
    return HttpServicesRouter([loyalty_service(base, sets)])


def _validated(request: HsRequest) -> dict[str, Any]:
    try:
        payload = request.json()
    except ValueError:
        raise ValueError('body must be a JSON object like {"id": "t1", ...}') from None
    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object, not " + type(payload).__name__)
    transaction_id = payload.get("id")
    if not isinstance(transaction_id, str) or not transaction_id.strip():
        raise ValueError("field 'id' (the transaction id) must be a non-empty string")
    customer = payload.get("customer")
    if not isinstance(customer, str) or len(customer) != _GUID_LENGTH:
        raise ValueError("field 'customer' must be the customer's Ref_Key (a 36-character GUID)")
    amount = payload.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise ValueError("field 'amount' must be a number")
    points = payload.get("points", 0)
    if isinstance(points, bool) or not isinstance(points, int | float):
        raise ValueError("field 'points' must be a number when given")
    return {"id": transaction_id, "customer": customer.lower(), "amount": amount, "points": points}
