"""Orders in DynamoDB. A status change reads the order (its facility places it in by-status-facility)
and writes it with one conditional UpdateItem."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import Conflict, PayloadTooLarge, TransitionNotAllowed
from order_service.core.keys import CREATED_ID, status_shard, status_shards
from order_service.facilities.routing import Routing
from order_service.holds import rules as holds
from order_service.orders import rules as orders
from order_service.orders.rules import Order


def _table() -> str:
    return settings().orders_table


def get(order_id: str) -> Order:
    order = dynamo.get(_table(), order_id)
    if order is None:
        raise orders.ORDER.missing(order_id)
    return order  # type: ignore[return-value]


def current(order_id: str, version: int) -> Order:
    """The order as it is now (consistent read), if it is still at `version` (else the usual 404 / 409):
    what a change computes from; `save` then writes on that version."""
    order = get(order_id)
    if order["version"] != version:
        raise orders.ORDER.refusal(order_id, order, version)
    return order


# DynamoDB stores at most 400 KB per item; the order keeps a margin for its status history and holds.
MAX_ORDER_BYTES = 350 * 1024
MAX_CHANGED_ORDER_BYTES = 395_000  # with its index keys (DynamoDB: 400 KB); a change beyond it: 409, not a 500


def put_new(order: Order, hidden: dict[str, str] | None = None) -> None:
    """Stores a new order; `hidden` attributes (names starting with `idx`) are never shown to clients."""
    if len(json.dumps(order).encode()) > MAX_ORDER_BYTES:
        raise PayloadTooLarge(
            f"The order is larger than {MAX_ORDER_BYTES // 1024} KB once stored; split it or shorten its attributes.",
            "body",
        )
    dynamo.put_new(_table(), {**order, **orders.index_attributes(order), **(hidden or {})})


REQUEST_DIGEST = "idxRequestDigest"  # hidden like the index attributes: the digest of the creating request


def put_new_once(order: Order, request_digest: str) -> Order | None:
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
        return cast(Order, dynamo.from_item(stored))
    return None


def check_fits(
    after: Mapping[str, Any], before: Mapping[str, Any] | None = None, attributes: dict[str, str] | None = None
) -> None:
    """409 unless the order fits one DynamoDB item with its index keys (`attributes`, computed here when not
    given): the item as stored, plus the largest attribute this write replaces (moto counts a replaced
    attribute twice while it writes it, and the local stack must refuse where AWS would)."""
    if attributes is None:
        attributes = orders.index_attributes(cast(Order, after))
    stored_size = len(json.dumps(after).encode()) + len(json.dumps(attributes))
    replaced = max((len(json.dumps(v).encode()) for k, v in after.items() if (before or {}).get(k) != v), default=0)
    if stored_size + replaced > MAX_CHANGED_ORDER_BYTES:
        raise Conflict(
            f"The order would be larger than {MAX_CHANGED_ORDER_BYTES // 1000} KB, what one DynamoDB item holds "
            "with its index keys: it takes no more holds or changes.",
            "body",
        )


def save(
    before: Order,
    after: Mapping[str, Any],
    wrong_state: str,
    *,
    picking_not_started: str | None = None,
    with_items: tuple[dict[str, Any], ...] = (),
) -> Order:
    """Writes an order changed by the rules (`after`, computed from `before` as read): one UpdateItem
    that sets what changed and the index attributes of `after`, on the condition that the order is
    still at `before`'s version - so two changes computed from the same read cannot both land. With
    `picking_not_started` (the refusal's text) also on the condition that its pick job has not started;
    with `with_items`, one transaction with those (e.g. cancelling its pick job), which must all pass."""
    order_id = before["id"]
    attributes = orders.index_attributes(cast(Order, after))
    check_fits(after, before, attributes)
    update = dynamo.Update()
    for name, value in after.items():
        if name != "id" and before.get(name) != value:
            update.set(name, value)
    for name in before.keys() - after.keys():
        update.remove(name)
    _index_update(update, cast(Order, after), attributes)
    update.exists("id").equals("version", before["version"])
    if picking_not_started:
        update.condition(f"attribute_not_exists({update.name(orders.PICKING_STARTED)})")
    try:
        if not with_items:
            return cast(Order, update.execute(_table(), {"id": order_id}))
        dynamo.transact([update.transact_item(_table(), {"id": order_id}), *with_items])
        return cast(Order, dict(after))
    except dynamo.ConditionFailed as failure:
        old = failure.old
    except dynamo.TransactionRefused as refused:
        if 0 not in refused.old:  # the order passed; another item refused (its caller explains it)
            raise
        old = refused.old[0]
    if picking_not_started and old and old.get("version") == before["version"]:
        raise TransitionNotAllowed(picking_not_started, before["version"], before["version"]) from None
    raise orders.ORDER.refusal(order_id, old, before["version"], wrong_state) from None


def picking_started(order_id: str) -> dict[str, Any]:
    """The order's part of the transaction that starts (or finishes) its pick job: marks the order, if it
    is still OPEN, so that a plain CANCEL is refused from now on. Invisible to clients: no new version."""
    update = dynamo.Update().set(orders.PICKING_STARTED, "true").equals("status", orders.OPEN)
    return update.transact_item(_table(), {"id": order_id})


def _index_update(update: dynamo.Update, order: Order, attributes: dict[str, str] | None = None) -> dynamo.Update:
    """`update` also sets the index attributes of `order` (the order as the update leaves it:
    orders.index_attributes, the one place that computes them, unless `attributes` has them already) and
    removes those it no longer has."""
    if attributes is None:
        attributes = orders.index_attributes(order)
    for name in orders.INDEX_ATTRIBUTES:
        if name in attributes:
            update.set(name, attributes[name])
        else:
            update.remove(name)
    return update


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    facility_ref: str | None = None
    tenant_order_id: str | None = None
    consumer_id: str | None = None
    reason_text: str | None = None  # part of a status reason, any case
    hold_type: str | None = None  # an ACTIVE hold of this type (so LOCKED: the holds' invariant)

    def matches(self, order: dict[str, Any]) -> bool:
        """The whole filter, on a full order (what an index could not decide)."""
        routing = order.get("routing") or {}
        return (
            (not self.status or order.get("status") == self.status)
            and (not self.facility_ref or routing.get("facilityRef") == self.facility_ref)
            and (not self.tenant_order_id or order.get("tenantOrderId") == self.tenant_order_id)
            and (not self.consumer_id or (order.get("consumer") or {}).get("consumerId") == self.consumer_id)
            and (not self.reason_text or self.reason_text.lower() in orders.reason_text(order))
            and (not self.hold_type or _holds_active(order, self.hold_type))
        )


def _holds_active(order: dict[str, Any], hold_type: str) -> bool:
    return any(h["status"] == holds.ACTIVE and h["type"] == hold_type for h in holds.holds_of(order))


BY_STATUS_FACILITY = dynamo.Index("by-status-facility", orders.STATUS_FACILITY, orders.FACILITY_CREATED_ID)
BY_TENANT_ORDER_ID = dynamo.Index("by-tenant-order-id", "tenantOrderId", CREATED_ID)
BY_CONSUMER_ID = dynamo.Index("by-consumer-id", "idxConsumerId", CREATED_ID)
NOT_ROUTABLE = dynamo.Index("not-routable", "idxNotRoutable", CREATED_ID)
HOLDS_DUE = dynamo.Index("holds-due", orders.HOLD_DUE_SHARD, orders.HOLD_DUE_AT)
INDEXES = (BY_STATUS_FACILITY, BY_TENANT_ORDER_ID, BY_CONSUMER_ID, NOT_ROUTABLE, HOLDS_DUE)


def listing(where: OrderFilter) -> dynamo.KeysListing | dynamo.Listing:
    """The narrowest index for a filter (docs/capacity.md); what the index cannot decide is checked on
    the page's orders. Without an indexed filter: a bounded scan."""
    within: str | None = None  # by-status-facility: the one facility's range of each partition
    if where.hold_type and not where.status:
        # only a LOCKED order has an ACTIVE hold: the LOCKED shards bound it, a keep-filter decides the type
        where = dataclasses.replace(where, status=orders.LOCKED)
    if where.tenant_order_id:
        index, partitions = BY_TENANT_ORDER_ID, [where.tenant_order_id]
        decided = OrderFilter(tenant_order_id=where.tenant_order_id)
    elif where.consumer_id:
        index, partitions = BY_CONSUMER_ID, [where.consumer_id]
        decided = OrderFilter(consumer_id=where.consumer_id)
    elif where.facility_ref:
        # status and facility (the back office's queue): one partition, one range; facility only: one
        # per status, merged oldest first
        statuses = [where.status] if where.status else list(orders.STATUSES)
        index, partitions = BY_STATUS_FACILITY, [status_shard(status, where.facility_ref) for status in statuses]
        within = f"{where.facility_ref}#"
        decided = OrderFilter(status=where.status, facility_ref=where.facility_ref)
    elif where.status:
        # every shard of the status, merged in sort-key order: by facility, then oldest first
        index, partitions = BY_STATUS_FACILITY, status_shards(where.status)
        decided = OrderFilter(status=where.status)
    else:
        scan = dynamo.Listing(_table(), "order")
        if where.reason_text:
            scan.contains("idxReasonText", where.reason_text.lower())
        return scan
    keep = None if decided == where else where.matches
    # the index is eventually consistent: what it decided is checked again on the items read by key
    return dynamo.KeysListing(
        _table(), "order", index, partitions, keep, recheck=decided.matches, within=within, place=CREATED_ID
    )


def list_page(where: OrderFilter, size: int, start_after_id: str | None) -> dynamo.Page:
    """A page of orders, oldest first (by status alone: by facility, then oldest first), the number of
    matches (None for an unfiltered listing, which would need a scan to count, or one too large to count)
    and the id to go on after."""
    return listing(where).page(size, start_after_id)


def waiting_for_routing() -> list[Order]:
    """OPEN or LOCKED orders that are NOT_ROUTABLE (the sparse not-routable index, then by key)."""
    ids, _ = dynamo.KeysListing(_table(), "order", NOT_ROUTABLE, ["WAITING"]).all_ids()
    return cast(list[Order], dynamo.get_many(_table(), ids))


def holds_due(now: str, limit: int = 500) -> list[Order]:
    """LOCKED orders with a hold warning or expiry due before `now` (the sparse holds-due index, one
    key-condition query per shard), the earliest `limit` of them, read by key; the rest are due next run."""
    shards = [str(shard) for shard in range(orders.HOLD_DUE_SHARDS)]
    ids = dynamo.KeysListing(_table(), "order", HOLDS_DUE, shards).first_ids(now, limit)
    return cast(list[Order], dynamo.get_many(_table(), ids))


def assign_route(order: Order, routing: Routing, now: str) -> bool:
    """A NOT_ROUTABLE order gets its facility: one conditional UpdateItem (False if it changed meanwhile)."""
    update = _routing_change(order, routing, now)
    update.equals("version", order["version"]).equals("status", order["status"])
    try:
        update.execute(_table(), {"id": order["id"]})
    except dynamo.ConditionFailed:
        return False
    return True


def reroute_change(order: Order, routing: Routing, now: str) -> dict[str, Any]:
    """The order's part of a reroute transaction: new routing, if it is still OPEN at the old facility."""
    update = _routing_change(order, routing, now)
    update.equals("status", orders.OPEN).equals("routing.facilityRef", order["routing"]["facilityRef"])
    return update.transact_item(_table(), {"id": order["id"]})


def _routing_change(order: Order, routing: Routing, now: str) -> dynamo.Update:
    """A new routing: the order moves to the facility's place in the indexes and to its next version."""
    update = dynamo.Update().set("routing", routing).add_to("version", 1).set("lastModified", now)
    return _index_update(update, cast(Order, {**order, "routing": routing}))
