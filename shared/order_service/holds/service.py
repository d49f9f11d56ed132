"""The hold use cases: place, release, expire. Each reads the order, lets `holds.rules` compute the
order to write, and writes it with one write conditioned on the version it read (`orders.store.save`);
re-locking an OPEN order is one transaction with the cancellation of its OPEN pick job."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from order_service.core import clock, dynamo
from order_service.core.clock import iso, now_iso
from order_service.core.errors import DomainError, TransitionNotAllowed
from order_service.holds import rules as holds
from order_service.holds import store as hold_store
from order_service.holds.rules import Caller, HoldRequest
from order_service.holdstats import service as queue_health
from order_service.orders import rules as orders
from order_service.orders import store as order_store
from order_service.orders.rules import Order
from order_service.pickjobs import rules as pickjobs
from order_service.pickjobs import store as pickjob_store

logger = Logger(child=True)
metrics = Metrics()

NOT_HOLDABLE = "The order cannot be held: its status is {status}."
NOT_RELEASABLE = "The order's holds cannot change: its status is {status}."


RULE_RELEASED, RULE_EXPIRED = "LockRuleHoldsReleased", "LockRuleHoldsExpired"


def per_rule(name: str, released: list[holds.Hold]) -> None:
    """Per auto-lock rule (dimension Rule): which rule's holds people release, which run out
    (docs/lockrules.md) - a rule that catches fraud sees cancellations, one that only slows orders
    down sees releases."""
    for hold in released:
        if hold.get("placedByRule"):
            with single_metric(name=name, unit=MetricUnit.Count, value=1) as metric:
                metric.add_dimension(name="Rule", value=hold["placedByRule"])


def place_hold(order_id: str, version: int, request: HoldRequest, caller: Caller) -> Order:
    """PLACE_HOLD. On a LOCKED order: one conditional write. On an OPEN order (re-lock): one transaction
    - the order LOCKED, on the condition that its pick job has not started, and its OPEN pick job
    CANCELED. A pick job the stream has not made yet is cancelled by the stream when it appears
    (`pickjobs.rules.pickjob_change`)."""
    before = order_store.current(order_id, version)
    now = now_iso()
    after = holds.place(before, request, hold_store.hold_types(), caller, now, version)
    order_store.check_fits(holds.worst_exit(after, now), after)  # it stays releasable, cancellable, expirable
    if before["status"] == orders.LOCKED:
        order = order_store.save(before, after, NOT_HOLDABLE)
    else:
        order = _relock(before, after, now)
        metrics.add_metric(name="OrdersRelocked", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="HoldsPlaced", unit=MetricUnit.Count, value=1)
    logger.info("hold placed", extra={"order_id": order_id, "type": request.type, "actor": caller.actor})
    return order


def _relock(before: Order, after: dict, now: str) -> Order:
    pickjob_id = pickjobs.pickjob_id(before["id"], pickjobs.attempt_of(before))
    cancel = pickjob_store.cancel_open_change(pickjob_id, now)
    try:
        return order_store.save(
            before, after, NOT_HOLDABLE, picking_not_started=holds.FULFILMENT_STARTED, with_items=(cancel,)
        )
    except dynamo.TransactionRefused as refused:
        pickjob = refused.old.get(1)
        if pickjob is not None and pickjob.get("status") in (pickjobs.IN_PROGRESS, pickjobs.PICKED):
            raise TransitionNotAllowed(holds.FULFILMENT_STARTED, before["version"], before["version"]) from None
    # no pick job yet (the stream has not made it): the order alone; the stream cancels it when it comes
    return order_store.save(before, after, NOT_HOLDABLE, picking_not_started=holds.FULFILMENT_STARTED)


def release_hold(order_id: str, version: int, hold_id: str, caller: Caller) -> Order:
    """RELEASE_HOLD: releases one hold (or records the first of two approvals); the last one makes the
    order OPEN - the stream then creates its pick job and publishes ORDER_UNLOCKED, as for UNLOCK."""
    before = order_store.current(order_id, version)
    after = holds.release(before, hold_id, hold_store.hold_types(), caller, now_iso(), version)
    order = order_store.save(before, after, NOT_RELEASABLE)
    released = next(h for h in order.get("holds", []) if h["id"] == hold_id)
    if released["status"] == holds.RELEASED:
        queue_health.holds_released(1, clock.now())  # HoldsReleased, and releasedLastHour's counter
        per_rule(RULE_RELEASED, [released])
    logger.info(
        "hold released" if released["status"] == holds.RELEASED else "hold approved",
        extra={"order_id": order_id, "hold_id": hold_id, "actor": caller.actor, "status": order["status"]},
    )
    return order


def expire_due(now: datetime) -> dict[str, int]:
    """The scheduled expiry: every order whose next hold warning or expiry is due (the sparse
    holds-due index, one key-condition query per shard - never a scan) gets what `holds.rules.on_due`
    says, with a write conditioned on the version read. An order changed meanwhile is left to the next
    run (a minute later), which reads it again."""
    stamp = iso(now)
    report = {"due": 0, "expired": 0, "warned": 0, "skipped": 0}
    for order in order_store.holds_due(stamp):
        report["due"] += 1
        after = holds.on_due(order, stamp)
        if after is None:
            report["skipped"] += 1
            continue
        try:
            order_store.save(order, after, NOT_RELEASABLE)
        except DomainError as refused:
            report["skipped"] += 1
            logger.info("order changed meanwhile; next run", extra={"order_id": order["id"], "why": str(refused)})
            continue
        facts = holds.hold_changes(order, after)
        expired = [hold for fact, hold in facts if fact == "RELEASED" and hold["status"] == holds.EXPIRED]
        report["expired"] += len(expired)
        report["warned"] += sum(1 for fact, _ in facts if fact == "EXPIRING")
        if expired:
            metrics.add_metric(name="HoldsExpired", unit=MetricUnit.Count, value=len(expired))
            per_rule(RULE_EXPIRED, expired)
    logger.info("hold expiry run", extra=report)
    return report
