"""Orders in DynamoDB. Every status change is one conditional UpdateItem: no read before the write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import PayloadTooLarge, TransitionNotAllowed
from order_service.facilities.routing import Routing
from order_service.orders import rules as orders
from order_service.orders.rules import Order, StatusChange


def _table() -> str:
    return settings().orders_table


def get(order_id: str) -> Order:
    order = dynamo.get(_table(), order_id)
    if order is None:
        raise orders.ORDER.missing(order_id)
    return order  # type: ignore[return-value]


# DynamoDB stores at most 400 KB per item; the order keeps a margin for its status history.
MAX_ORDER_BYTES = 350 * 1024


def put_new(order: Order) -> None:
    if len(json.dumps(order).encode()) > MAX_ORDER_BYTES:
        raise PayloadTooLarge(
            f"The order is larger than {MAX_ORDER_BYTES // 1024} KB once stored; split it or shorten its attributes.",
            "body",
        )
    dynamo.put_new(_table(), {**order, **orders.index_attributes(order)})


def unlock(order_id: str, version: int, now: str, target_time: str | None = None, actor: str | None = None) -> Order:
    """LOCKED -> OPEN, if the order is LOCKED and still at `version`."""
    update = _status_change(orders.history_entry(orders.OPEN, now, previous=orders.LOCKED, actor=actor), now)
    if target_time:
        update.set("deliveryPreferences.targetTime", target_time)
    return _apply(update, order_id, version, orders.UNLOCKABLE_FROM, orders.NOT_UNLOCKABLE)


def cancel(
    order_id: str,
    version: int,
    now: str,
    reason_id: str | None = None,
    actor: str | None = None,
    force: bool = False,
) -> Order:
    """OPEN or LOCKED -> CANCELLED, if the order is still at `version` and (unless `force`) its pick job
    has not started. One conditional UpdateItem; the orders stream then cancels the pick job."""
    # The previous status is not known without a read; the stream's old image has it.
    update = _status_change(orders.history_entry(orders.CANCELLED, now, reason=reason_id, actor=actor), now)
    update.remove("idxNotRoutable")
    if reason_id:
        update.set("cancelationReasonId", reason_id)
    if force:
        return _apply(update, order_id, version, orders.CANCELLABLE_FROM, orders.NOT_CANCELLABLE)
    update.condition(f"attribute_not_exists({update.name(orders.PICKING_STARTED)})")
    return _apply(
        update, order_id, version, orders.CANCELLABLE_FROM, orders.NOT_CANCELLABLE, orders.PICKING_HAS_STARTED
    )


def picking_started(order_id: str) -> dict[str, Any]:
    """The order's part of the transaction that starts (or finishes) its pick job: marks the order, if it
    is still OPEN, so that a plain CANCEL is refused from now on. Invisible to clients: no new version."""
    update = dynamo.Update().set(orders.PICKING_STARTED, "true").equals("status", orders.OPEN)
    return update.transact_item(_table(), {"id": order_id})


def _status_change(entry: StatusChange, now: str) -> dynamo.Update:
    """A status change: the new status, the next version, one status history entry; no longer locked."""
    return (
        dynamo.Update()
        .set("status", entry["status"])
        .add_to("version", 1)
        .set("lastModified", now)
        .append("statusHistory", [entry])
        .remove("idxLockedFacilityRef")
    )


def _apply(
    update: dynamo.Update,
    order_id: str,
    version: int,
    allowed_from: tuple[str, ...],
    wrong_state: str,
    other_condition: str | None = None,
) -> Order:
    """One conditional UpdateItem; a refusal is explained from the old image (no read before the write).
    `other_condition` explains a refusal by the update's own extra condition (status and version were fine)."""
    update.exists("id").one_of("status", list(allowed_from)).equals("version", version)
    try:
        return update.execute(_table(), {"id": order_id})  # type: ignore[return-value]
    except dynamo.ConditionFailed as failure:
        old = failure.old
        if other_condition and old and old.get("version") == version and old.get("status") in allowed_from:
            raise TransitionNotAllowed(other_condition, version, version) from None
        raise orders.ORDER.refusal(order_id, old, version, wrong_state) from None


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    facility_ref: str | None = None
    tenant_order_id: str | None = None
    consumer_id: str | None = None
    reason_text: str | None = None  # part of a status reason, any case


LOCKED_BY_FACILITY = dynamo.Index("locked-by-facility", "idxLockedFacilityRef", "created")
BY_FACILITY = dynamo.Index("by-facility", "idxFacilityRef", "created")
BY_TENANT_ORDER_ID = dynamo.Index("by-tenant-order-id", "tenantOrderId", "created")
BY_CONSUMER_ID = dynamo.Index("by-consumer-id", "idxConsumerId", "created")
BY_STATUS = dynamo.Index("by-status", "status", "created")
NOT_ROUTABLE = dynamo.Index("not-routable", "idxNotRoutable", "created")
INDEXES = (LOCKED_BY_FACILITY, BY_FACILITY, BY_TENANT_ORDER_ID, BY_CONSUMER_ID, BY_STATUS, NOT_ROUTABLE)


def listing(where: OrderFilter) -> dynamo.Listing:
    """The most selective index for a filter, queried for its value; the rest of the filter on top."""
    wanted = {
        index.partition_key: value
        for index, value in (
            (BY_STATUS, where.status),
            (BY_FACILITY, where.facility_ref),
            (BY_TENANT_ORDER_ID, where.tenant_order_id),
            (BY_CONSUMER_ID, where.consumer_id),
        )
        if value
    }
    found = dynamo.Listing(_table(), "order")
    if where.facility_ref and where.status == orders.LOCKED:
        found.index, found.partition_value = LOCKED_BY_FACILITY, where.facility_ref
        del wanted[BY_STATUS.partition_key], wanted[BY_FACILITY.partition_key]
    else:
        for index in (BY_TENANT_ORDER_ID, BY_CONSUMER_ID, BY_FACILITY, BY_STATUS):  # the most selective first
            if index.partition_key in wanted:
                found.index, found.partition_value = index, wanted.pop(index.partition_key)
                break
    for attribute, value in wanted.items():
        found.equals(attribute, value)
    if where.reason_text:
        found.contains("idxReasonText", where.reason_text.lower())
    return found


def list_page(where: OrderFilter, size: int, start_after_id: str | None) -> tuple[list[Order], int | None]:
    """A page of orders, oldest first, and the number of matches (None for an unfiltered listing,
    which would need a scan to count)."""
    found, total = listing(where).page(size, start_after_id)
    return cast(list[Order], found), total


def waiting_for_routing() -> list[Order]:
    """OPEN or LOCKED orders that are NOT_ROUTABLE (the sparse not-routable index)."""
    found, _ = dynamo.Listing(_table(), "order", NOT_ROUTABLE, "WAITING").all()
    return cast(list[Order], found)


def assign_route(order: Order, routing: Routing, now: str) -> bool:
    """A NOT_ROUTABLE order gets its facility: one conditional UpdateItem (False if it changed meanwhile)."""
    update = _routing_change(routing, now).remove("idxNotRoutable")
    update.equals("version", order["version"]).equals("status", order["status"])
    if order["status"] == orders.LOCKED:
        update.set("idxLockedFacilityRef", routing["facilityRef"])
    try:
        update.execute(_table(), {"id": order["id"]})
    except dynamo.ConditionFailed:
        return False
    return True


def reroute_change(order: Order, routing: Routing, now: str) -> dict[str, Any]:
    """The order's part of a reroute transaction: new routing, if it is still OPEN at the old facility."""
    update = _routing_change(routing, now)
    update.equals("status", orders.OPEN).equals("routing.facilityRef", order["routing"]["facilityRef"])
    return update.transact_item(_table(), {"id": order["id"]})


def _routing_change(routing: Routing, now: str) -> dynamo.Update:
    """A new routing: the order moves to the facility's index partition and to its next version."""
    return (
        dynamo.Update()
        .set("routing", routing)
        .set("idxFacilityRef", routing["facilityRef"])
        .add_to("version", 1)
        .set("lastModified", now)
    )
