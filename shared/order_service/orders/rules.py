"""Orders: the rules, free of AWS. Which status may change to which, and what an order looks like.

Storage is in order_store, the use cases (routing + store + metrics) in order_commands.
"""

from __future__ import annotations

import uuid
from typing import Any

from order_service.core.errors import NotFound, TransitionNotAllowed, VersionConflict

OPEN, LOCKED, CANCELLED = "OPEN", "LOCKED", "CANCELLED"
STATUSES = (OPEN, LOCKED, CANCELLED)
UNLOCKABLE_FROM = (LOCKED,)
CANCELLABLE_FROM = (OPEN, LOCKED)


def new_order(request: dict[str, Any], routing: dict[str, Any], now: str, actor: str | None = None) -> dict[str, Any]:
    """The stored order for a validated creation request (`OrderForCreation` as a dict)."""
    order = dict(request)
    status = order.pop("status", None) or OPEN
    history_entry: dict[str, Any] = {"status": status, "at": now}
    if actor:
        history_entry["by"] = actor
    if order.get("statusReasons"):
        history_entry["reasons"] = [r["reason"] for r in order["statusReasons"]]
    return {
        "id": str(uuid.uuid4()),
        "version": 1,
        "created": now,
        "lastModified": now,
        **order,
        "status": status,
        "orderLineItems": [{"id": str(uuid.uuid4()), **line} for line in order["orderLineItems"]],
        # always a map, so that UNLOCK's targetTime is one SET on a known path
        "deliveryPreferences": order.get("deliveryPreferences") or {},
        "routing": routing,
        "statusHistory": [history_entry],
    }


def index_attributes(order: dict[str, Any]) -> dict[str, str]:
    """The internal attributes that place an order in the table's sparse indexes."""
    attributes: dict[str, str] = {}
    routing = order.get("routing") or {}
    if routing.get("status") == "NOT_ROUTABLE" and order["status"] in (OPEN, LOCKED):
        attributes["idxNotRoutable"] = "WAITING"  # routed again when a facility is ONLINE
    facility_ref = routing.get("facilityRef")
    if facility_ref:
        attributes["idxFacilityRef"] = facility_ref
        if order["status"] == LOCKED:
            attributes["idxLockedFacilityRef"] = facility_ref
    consumer_id = (order.get("consumer") or {}).get("consumerId")
    if consumer_id:
        attributes["idxConsumerId"] = consumer_id
    reasons = " | ".join(r["reason"] for r in order.get("statusReasons") or [])
    if reasons:
        attributes["idxReasonText"] = reasons.lower()  # for the case-insensitive statusReason filter
    return attributes


def history_entry(status: str, now: str, previous: str, reason: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": status, "previousStatus": previous, "at": now}
    if reason:
        entry["reason"] = reason
    return entry


def refusal(order_id: str, current: dict[str, Any] | None, request_version: int, action: str) -> Exception:
    """Why a conditional status change was refused, from the order as it was (None: missing).

    A stale version wins over a wrong status: the client must re-read the order first.
    """
    if current is None:
        return NotFound(f"No order with id '{order_id}'.", "orderId")
    if current["version"] != request_version:
        return VersionConflict("order", current["version"], request_version)
    if action == "UNLOCK":
        return TransitionNotAllowed(
            f"The order is not locked: its status is {current['status']}; only LOCKED orders can be unlocked.",
            current["version"],
            request_version,
        )
    return TransitionNotAllowed(
        f"The order cannot be cancelled: its status is {current['status']}.",
        current["version"],
        request_version,
    )
