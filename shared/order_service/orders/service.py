"""The order use cases: create (with routing), unlock, cancel. Rules in `orders`, storage in `order_store`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from order_service.core import clock
from order_service.core.clock import now_iso
from order_service.core.errors import DomainError, InvalidRequest, Refused
from order_service.facilities import routing
from order_service.facilities import store as facility_store
from order_service.facilities.routing import Routing
from order_service.holds import rules as holds
from order_service.holds import service as hold_commands
from order_service.holds import store as hold_store
from order_service.holds.rules import Caller
from order_service.holdstats import service as queue_health
from order_service.lockrules import service as lockrules
from order_service.orders import rules as orders
from order_service.orders import store as order_store
from order_service.orders.rules import Order

logger = Logger(child=True)
metrics = Metrics()


def route(order: dict[str, Any], exclude: frozenset[str] = frozenset()) -> Routing:
    """The routing result for an order (reads only the facilities its routing rule needs)."""
    request = routing.routing_request(order, exclude)
    if request.kind == "nearest":
        candidates = facility_store.online()
    else:
        candidates = facility_store.get_many(request.facility_refs)
        known = {f["id"] for f in candidates}
        missing = [ref for ref in request.facility_refs if ref not in known]
        if missing:
            field = (
                "deliveryPreferences.collect[0].facilityRef"
                if request.kind == "collect"
                else "deliveryPreferences.shipping.preselectedFacilities[].facilityRef"
            )
            raise InvalidRequest(f"No facility with id '{missing[0]}'.", field)
    chosen = routing.choose_facility(request, candidates)
    return routing.routing_result(chosen, now_iso())


def create_order(
    request: dict[str, Any], actor: str | None = None, order_id: str | None = None, request_digest: str = ""
) -> Order:
    """Route and store a new order (OPEN or LOCKED, with its holds). One PutItem plus the routing reads
    (and the hold types' configuration when the order is held).

    With `order_id` (derived from an Idempotency-Key) an order already stored under that id by the
    same request (`request_digest`) is the answer: the retry of a request that failed after writing."""
    now = now_iso()
    # the auto-lock rules, before the one write: a held order never has a pick job, not even for a moment
    by_rules = lockrules.holds_for(request)
    placed = holds.initial_holds(request, hold_store.hold_types(), now, actor, by_rules)  # types read if typed
    order = orders.new_order(request, route(request), now, actor, placed)
    if order_id is None:
        order_store.put_new(order)
    else:
        order["id"] = order_id
        stored = order_store.put_new_once(order, request_digest)
        if stored is not None:
            logger.info("order already stored under this Idempotency-Key", extra={"order_id": order_id})
            return stored
    lockrules.record_matches(order.get("holds", []))
    metrics.add_metric(name="OrdersCreated", unit=MetricUnit.Count, value=1)
    if order["status"] == orders.LOCKED:
        metrics.add_metric(name="LockedOrdersCreated", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="HoldsPlaced", unit=MetricUnit.Count, value=len(placed))
    if order["routing"]["status"] != "ROUTED":
        metrics.add_metric(name="OrdersNotRoutable", unit=MetricUnit.Count, value=1)
    logger.info(
        "order created",
        extra={"order_id": order["id"], "status": order["status"], "routing": order["routing"]},
    )
    return order


def unlock_order(order_id: str, version: int, caller: Caller, target_time: str | None = None) -> Order:
    """UNLOCK: every ACTIVE hold released at once (if the caller may release each; holds.rules.unlock).
    One read, then one write conditioned on the version read."""
    try:
        before = order_store.current(order_id, version)
        after = holds.unlock(before, hold_store.hold_types(), caller, now_iso(), version, orders.NOT_UNLOCKABLE)
        if target_time:
            after["deliveryPreferences"] = {**after.get("deliveryPreferences", {}), "targetTime": target_time}
        order = order_store.save(before, after, orders.NOT_UNLOCKABLE)
    except DomainError as refusal:
        if refusal.status_code == 409:
            metrics.add_metric(name="UnlockConflicts", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(name="OrdersUnlocked", unit=MetricUnit.Count, value=1)
    queue_health.holds_released(len(holds.active(holds.holds_of(before))), clock.now())
    logger.info("order unlocked", extra={"order_id": order_id, "version": order["version"], "actor": caller.actor})
    return order


def cancel_order(
    order_id: str, version: int, caller: Caller, reason_id: str | None = None, force: bool = False
) -> Order:
    """CANCEL (refused once its pick job has started) or, with `force`, FORCE_CANCEL (whatever its pick
    job's state; the orders stream then cancels the pick job). Its ACTIVE holds end with it."""
    before = order_store.current(order_id, version)
    if before["status"] not in orders.CANCELLABLE_FROM:
        raise orders.ORDER.refusal(order_id, before, version, orders.NOT_CANCELLABLE)
    after = holds.cancel(before, caller, now_iso(), reason_id)
    picking = None if force else orders.PICKING_HAS_STARTED
    order = order_store.save(before, after, orders.NOT_CANCELLABLE, picking_not_started=picking)
    # docs/lockrules.md: which rule's holds end in a cancellation
    hold_commands.per_rule(
        "LockRuleHoldsCancelled", [h for fact, h in holds.hold_changes(before, after) if fact == "RELEASED"]
    )
    metrics.add_metric(name="OrdersForceCancelled" if force else "OrdersCancelled", unit=MetricUnit.Count, value=1)
    logger.info(
        "order force-cancelled" if force else "order cancelled",
        extra={"order_id": order_id, "version": order["version"], "actor": caller.actor},
    )
    return order


def bulk_unlock(refs: list[tuple[str, int]], caller: Caller) -> list[dict[str, Any]]:
    """BULK_UNLOCK: one BulkOrderActionResult per (order id, version), in order."""
    return [
        _bulk_result(order_id, orders.OPEN, "Unlocked.", partial(unlock_order, order_id, version, caller))
        for order_id, version in refs
    ]


def bulk_force_cancel(refs: list[tuple[str, int, str | None]], caller: Caller) -> list[dict[str, Any]]:
    """BULK_FORCE_CANCEL: one BulkOrderActionResult per (order id, version, cancelation reason), in order."""
    return [
        _bulk_result(
            order_id,
            orders.CANCELLED,
            "Cancelled.",
            partial(cancel_order, order_id, version, caller, reason_id, force=True),
        )
        for order_id, version, reason_id in refs
    ]


def _bulk_result(order_id: str, target: str, done: str, act: Callable[[], Order]) -> dict[str, Any]:
    """The platform's BulkOrderActionResult for one order: UPDATED; UNCHANGED when it is already in the
    action's target status; FAILED otherwise (missing, another version, a status the action refuses).
    Each order is its own conditional write, so one refusal does not stop the others."""
    try:
        act()
    except Refused as refused:
        if refused.current_status == target:
            return {"orderId": order_id, "status": "UNCHANGED", "summary": f"The order is already {target}."}
        return {"orderId": order_id, "status": "FAILED", "summary": refused.summary}
    except DomainError as refused:  # missing, not allowed, too large, busy: this order only
        return {"orderId": order_id, "status": "FAILED", "summary": refused.summary}
    return {"orderId": order_id, "status": "UPDATED", "summary": done}
