"""Orders in DynamoDB. Every status change is one conditional UpdateItem: no read before the write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import Conflict, PayloadTooLarge
from order_service.orders import rules as orders


def _table() -> str:
    return settings().orders_table


def get(order_id: str) -> dict[str, Any]:
    order = dynamo.get(_table(), order_id)
    if order is None:
        raise orders.refusal(order_id, None, 0, "GET")
    return order


# DynamoDB stores at most 400 KB per item; the order keeps a margin for its status history.
MAX_ORDER_BYTES = 350 * 1024


def put_new(order: dict[str, Any], hidden: dict[str, str] | None = None) -> None:
    """Stores a new order; `hidden` attributes (names starting with `idx`) are never shown to clients."""
    if len(json.dumps(order).encode()) > MAX_ORDER_BYTES:
        raise PayloadTooLarge(
            f"The order is larger than {MAX_ORDER_BYTES // 1024} KB once stored; split it or shorten its attributes.",
            "body",
        )
    dynamo.put_new(_table(), {**order, **orders.index_attributes(order), **(hidden or {})})


REQUEST_DIGEST = "idxRequestDigest"  # hidden like the index attributes: the digest of the creating request


def put_new_once(order: dict[str, Any], request_digest: str) -> dict[str, Any] | None:
    """`put_new` for an order whose id comes from an Idempotency-Key (None: written now). If that id is
    taken (a retry of a request that failed after its write): the stored order when the same request
    made it, else a 409."""
    try:
        put_new(order, {REQUEST_DIGEST: request_digest})
    except dynamo.ConditionFailed:
        response = dynamo.client().get_item(
            TableName=_table(), Key=dynamo.to_item({"id": order["id"]}), ConsistentRead=True
        )
        stored = response.get("Item") or {}
        if stored.get(REQUEST_DIGEST, {}).get("S") != request_digest:
            raise Conflict(
                "This Idempotency-Key was already used with a different request body.", "Idempotency-Key"
            ) from None
        return dynamo.from_item(stored)
    return None


def unlock(
    order_id: str, version: int, now: str, target_time: str | None = None, actor: str | None = None
) -> dict[str, Any]:
    """LOCKED -> OPEN, if the order is LOCKED and still at `version`."""
    entry = orders.history_entry(orders.OPEN, now, orders.LOCKED)
    if actor:
        entry["by"] = actor
    update = (
        dynamo.Update()
        .set("status", orders.OPEN)
        .add_to("version", 1)
        .set("lastModified", now)
        .append("statusHistory", [entry])
        .remove("idxLockedFacilityRef")
    )
    if target_time:
        update.set("deliveryPreferences.targetTime", target_time)
    update.exists("id").one_of("status", list(orders.UNLOCKABLE_FROM)).equals("version", version)
    try:
        return update.execute(_table(), {"id": order_id})
    except dynamo.ConditionFailed as failure:
        raise orders.refusal(order_id, failure.old, version, "UNLOCK") from None


def cancel(
    order_id: str, version: int, now: str, reason_id: str | None = None, actor: str | None = None
) -> dict[str, Any]:
    """OPEN or LOCKED -> CANCELLED, if the order is still at `version`."""
    # The previous status is not known without a read; the stream's old image has it.
    entry: dict[str, Any] = {"status": orders.CANCELLED, "at": now}
    if reason_id:
        entry["reason"] = reason_id
    if actor:
        entry["by"] = actor
    update = (
        dynamo.Update()
        .set("status", orders.CANCELLED)
        .add_to("version", 1)
        .set("lastModified", now)
        .append("statusHistory", [entry])
        .remove("idxLockedFacilityRef")
        .remove("idxNotRoutable")
    )
    if reason_id:
        update.set("cancelationReasonId", reason_id)
    update.exists("id").one_of("status", list(orders.CANCELLABLE_FROM)).equals("version", version)
    try:
        return update.execute(_table(), {"id": order_id})
    except dynamo.ConditionFailed as failure:
        raise orders.refusal(order_id, failure.old, version, "CANCEL") from None


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    facility_ref: str | None = None
    tenant_order_id: str | None = None
    consumer_id: str | None = None
    reason_text: str | None = None  # part of a status reason, any case


# index name -> (partition key, sort key); the most selective first
_INDEXES = {
    "locked-by-facility": ("idxLockedFacilityRef", "created"),
    "by-facility": ("idxFacilityRef", "created"),
    "by-tenant-order-id": ("tenantOrderId", "created"),
    "by-consumer-id": ("idxConsumerId", "created"),
    "by-status": ("status", "created"),
}


def _plan(where: OrderFilter) -> tuple[str | None, str | None, dict[str, str]]:
    """The most selective index for a filter, the value of its partition key, and the rest to filter on."""
    wanted = {
        attribute: value
        for attribute, value in (
            ("status", where.status),
            ("idxFacilityRef", where.facility_ref),
            ("tenantOrderId", where.tenant_order_id),
            ("idxConsumerId", where.consumer_id),
        )
        if value
    }
    if where.facility_ref and where.status == orders.LOCKED:
        rest = {k: v for k, v in wanted.items() if k not in ("status", "idxFacilityRef")}
        return "locked-by-facility", where.facility_ref, rest
    for index in ("by-tenant-order-id", "by-consumer-id", "by-facility", "by-status"):
        partition_key = _INDEXES[index][0]
        if partition_key in wanted:
            value = wanted.pop(partition_key)
            return index, value, wanted
    return None, None, {}


def list_page(where: OrderFilter, size: int, start_after_id: str | None) -> dynamo.Page:
    """A page of orders, oldest first, the number of matches (None for an unfiltered listing, which
    would need a scan to count, or one too large to count) and the id to go on after."""
    index, value, rest = _plan(where)
    request: dict[str, Any] = {"TableName": _table()}
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    key_attributes: tuple[str, ...] = ("id",)
    if index is not None:
        partition_key, sort_key = _INDEXES[index]
        names["#pk"] = partition_key
        values[":pk"] = {"S": value}
        request.update(IndexName=index, KeyConditionExpression="#pk = :pk")
        key_attributes = ("id", partition_key, sort_key)
    conditions = []
    for i, (attribute, expected) in enumerate(rest.items()):
        names[f"#f{i}"] = attribute
        values[f":f{i}"] = {"S": expected}
        conditions.append(f"#f{i} = :f{i}")
    if where.reason_text:
        names["#reason"] = "idxReasonText"
        values[":reason"] = {"S": where.reason_text.lower()}
        conditions.append("contains(#reason, :reason)")
    if conditions:
        request["FilterExpression"] = " AND ".join(conditions)
    if names:
        request.update(ExpressionAttributeNames=names, ExpressionAttributeValues=values)
    return dynamo.list_page(request, key_attributes, size, start_after_id, "order", value)


def waiting_for_routing() -> list[dict[str, Any]]:
    """OPEN or LOCKED orders that are NOT_ROUTABLE (the sparse not-routable index)."""
    found, _ = dynamo.query_all(
        {
            "TableName": _table(),
            "IndexName": "not-routable",
            "KeyConditionExpression": "#w = :w",
            "ExpressionAttributeNames": {"#w": "idxNotRoutable"},
            "ExpressionAttributeValues": {":w": {"S": "WAITING"}},
        }
    )
    return found


def assign_route(order: dict[str, Any], routing: dict[str, Any], now: str) -> bool:
    """A NOT_ROUTABLE order gets its facility: one conditional UpdateItem (False if it changed meanwhile)."""
    update = (
        dynamo.Update()
        .set("routing", routing)
        .set("idxFacilityRef", routing["facilityRef"])
        .add_to("version", 1)
        .set("lastModified", now)
        .remove("idxNotRoutable")
        .equals("version", order["version"])
        .equals("status", order["status"])
    )
    if order["status"] == orders.LOCKED:
        update.set("idxLockedFacilityRef", routing["facilityRef"])
    try:
        update.execute(_table(), {"id": order["id"]})
    except dynamo.ConditionFailed:
        return False
    return True


def reroute_change(order: dict[str, Any], routing: dict[str, Any], now: str) -> dict[str, Any]:
    """The order's part of a reroute transaction: new routing, if it is still OPEN at the old facility."""
    update = (
        dynamo.Update()
        .set("routing", routing)
        .set("idxFacilityRef", routing["facilityRef"])
        .add_to("version", 1)
        .set("lastModified", now)
        .equals("status", orders.OPEN)
        .equals("routing.facilityRef", order["routing"]["facilityRef"])
    )
    return update.transact_item(_table(), {"id": order["id"]})
