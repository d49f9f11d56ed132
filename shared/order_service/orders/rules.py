"""Orders: the rules, free of AWS. Which status may change to which, and what an order looks like.

Storage is in `orders.store`, the use cases (routing + store + metrics) in `orders.service`.
`Order` is the stored order as it travels between modules; `orders.models.Order` describes the same
document for OpenAPI.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

from order_service.core.errors import Entity
from order_service.core.keys import CREATED_ID, created_id, status_shard
from order_service.facilities.routing import Routing
from order_service.holds import rules as holds
from order_service.holds.rules import Hold
from order_service.orders.history import StatusChange, history_entry

OPEN, LOCKED, CANCELLED = "OPEN", "LOCKED", "CANCELLED"
STATUSES = (OPEN, LOCKED, CANCELLED)
UNLOCKABLE_FROM = (LOCKED,)
CANCELLABLE_FROM = (OPEN, LOCKED)
# Set on the order, in the same transaction, when its pick job starts (IN_PROGRESS or PICKED): a plain
# CANCEL is then refused by its condition; FORCE_CANCEL ignores it. Hidden like every idx attribute.
PICKING_STARTED = "idxPickingStarted"

ORDER = Entity("order", "orderId")
NOT_UNLOCKABLE = "The order is not locked: its status is {status}; only LOCKED orders can be unlocked."
NOT_CANCELLABLE = "The order cannot be cancelled: its status is {status}."
PICKING_HAS_STARTED = (
    "The order cannot be cancelled: its pick job has started (IN_PROGRESS or PICKED); "
    "FORCE_CANCEL (permission ORDER_FORCE_CANCEL) cancels it and its pick job."
)


class Order(TypedDict):
    """The stored order: the platform's OrderForCreation fields plus what the service adds."""

    id: str
    version: int
    created: str
    lastModified: str
    status: str  # OPEN | LOCKED | CANCELLED
    orderDate: str
    orderLineItems: list[dict[str, Any]]
    consumer: dict[str, Any]
    deliveryPreferences: dict[str, Any]
    routing: Routing
    statusHistory: list[StatusChange]
    processId: str  # the platform's required process reference: here the order's own id
    workflowInformation: dict[str, Any]  # always {"isAvailable": False}: this service runs no workflows
    tenantOrderId: NotRequired[str]
    statusReasons: NotRequired[list[dict[str, Any]]]
    cancelationReasonId: NotRequired[str]
    customAttributes: NotRequired[dict[str, Any]]
    tags: NotRequired[list[dict[str, Any]]]
    holds: NotRequired[list[Hold]]  # our extension (CONTRACT.md, Holds): LOCKED exactly while one is ACTIVE


def new_order(
    request: dict[str, Any],
    routing: Routing,
    now: str,
    actor: str | None = None,
    holds_placed: list[Hold] | None = None,
) -> Order:
    """The stored order for a validated creation request (`OrderForCreation` as a dict) and the holds
    placed on it (`holds.rules.initial_holds`; without them, those of the request with only the DEFAULT
    type configured): LOCKED when there is one, else OPEN."""
    if holds_placed is None:
        holds_placed = holds.initial_holds(request, holds.HoldTypes(), now, actor)
    fields = dict(request)
    fields.pop("holds", None)
    fields.pop("status", None)
    status = LOCKED if holds_placed else OPEN
    entry = history_entry(status, now, actor=actor)
    if fields.get("statusReasons"):
        entry["reasons"] = [r["reason"] for r in fields["statusReasons"]]
    order_id = str(uuid.uuid4())
    order: dict[str, Any] = {
        "id": order_id,
        "version": 1,
        "created": now,
        "lastModified": now,
        **fields,
        "status": status,
        "orderLineItems": [{"id": str(uuid.uuid4()), **line} for line in fields["orderLineItems"]],
        # always a map, so that UNLOCK's targetTime is one SET on a known path
        "deliveryPreferences": fields.get("deliveryPreferences") or {},
        "routing": routing,
        "statusHistory": [entry],
        # required by the platform's Order: one process per order, and no workflow engine behind it
        "processId": order_id,
        "workflowInformation": {"isAvailable": False},
    }
    if holds_placed:
        order["holds"] = holds_placed
        # a platform client reads why an order is LOCKED from statusReasons: typed holds say it there too
        typed = [
            {"status": LOCKED, "reason": f"{h['type']}: {h['reason']}" if h.get("reason") else h["type"]}
            for h in holds_placed
            if h["type"] != holds.DEFAULT
        ]
        if typed:
            order["statusReasons"] = [*fields.get("statusReasons", []), *typed]
    return order  # type: ignore[return-value]  # a validated request has every required field


HOLD_DUE_SHARD, HOLD_DUE_AT = "idxHoldDueShard", "idxHoldDueAt"
HOLD_DUE_SHARDS = 8  # docs/capacity.md: only orders with an expiring hold are in this index


def hold_due_shard(order_id: str) -> str:
    return f"{zlib.crc32(order_id.encode()) % HOLD_DUE_SHARDS}"


UNROUTED = "~unrouted"  # the index "facility" of orders that have no facility (yet); no facility id has a "~"
STATUS_FACILITY = "idxStatusFacility"  # by-status-facility's partition key: "{status}#{shard of the facility}"
FACILITY_CREATED_ID = "idxFacilityCreatedId"  # its sort key: "{facility}#{created}#{id}"
# Every attribute index_attributes may give an order: a change sets those it gives, removes the others.
INDEX_ATTRIBUTES = (
    STATUS_FACILITY,
    FACILITY_CREATED_ID,
    CREATED_ID,
    "idxNotRoutable",
    "idxConsumerId",
    "idxReasonText",
    HOLD_DUE_SHARD,
    HOLD_DUE_AT,
)


def facility_of(order: Mapping[str, Any]) -> str:
    """The facility an order is indexed under: its routed facility, or UNROUTED."""
    return str((order.get("routing") or {}).get("facilityRef") or UNROUTED)


def index_attributes(order: Order) -> dict[str, str]:
    """The internal attributes that place an order in the table's indexes (docs/capacity.md): its
    partition of by-status-facility (its status and a shard of its facility) and its place there
    (facility, then oldest first), and not-routable while it waits for a facility. Every write of an
    order sets these from the order as it will be (orders.store._index_update)."""
    routing = order.get("routing") or {}
    facility_ref = facility_of(order)
    place = created_id(order["created"], order["id"])
    attributes = {
        STATUS_FACILITY: status_shard(order["status"], facility_ref),
        FACILITY_CREATED_ID: f"{facility_ref}#{place}",
        CREATED_ID: place,
    }
    if routing.get("status") == "NOT_ROUTABLE" and order["status"] in (OPEN, LOCKED):
        attributes["idxNotRoutable"] = "WAITING"  # routed again when a facility is ONLINE
    consumer_id = (order.get("consumer") or {}).get("consumerId")
    if consumer_id:
        attributes["idxConsumerId"] = consumer_id
    reasons = reason_text(order)
    if reasons:
        attributes["idxReasonText"] = reasons  # for the case-insensitive statusReason filter
    due = holds.due_at(order)
    if due:  # the sparse holds-due index: what the expiry job looks at, when
        attributes[HOLD_DUE_SHARD] = hold_due_shard(order["id"])
        attributes[HOLD_DUE_AT] = f"{due}#{order['id']}"
    return attributes


def reason_text(order: Mapping[str, Any]) -> str:
    """The order's status reasons as one lower-case text: what the statusReason filter searches."""
    return " | ".join(str(r.get("reason", "")) for r in order.get("statusReasons") or []).lower()
