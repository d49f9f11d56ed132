"""Pick jobs: created by the service for an order that becomes fulfillable. Rules, no AWS, no pydantic
(the models are in pickjob_models)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

OPEN, IN_PROGRESS, PICKED, REROUTED, CANCELED = "OPEN", "IN_PROGRESS", "PICKED", "REROUTED", "CANCELED"
STATUSES = (OPEN, IN_PROGRESS, PICKED, REROUTED, CANCELED)
# PATCH may move a pick job forward only; REROUTED and CANCELED are the service's own transitions.
PATCH_ALLOWED_FROM = {IN_PROGRESS: (OPEN,), PICKED: (OPEN, IN_PROGRESS)}

_NAMESPACE = uuid.UUID("5f0c3a6e-8f7e-4b0c-9f57-0b1f0e4a2d11")


def pickjob_id(order_id: str, attempt: int) -> str:
    """Deterministic: a redelivered stream record produces the same id, so its put is refused."""
    return str(uuid.uuid5(_NAMESPACE, f"{order_id}/{attempt}"))


def short_id(pickjob_id_: str) -> str:
    """A short human code, e.g. PJ-7K2M9Q (stable for the pick job)."""
    digest = hashlib.sha256(pickjob_id_.encode()).digest()
    return "PJ-" + base64.b32encode(digest).decode()[:6]


def attempt_of(order: dict[str, Any]) -> int:
    """Which routing attempt the order is on (0 first; each reroute adds one)."""
    return len((order.get("routing") or {}).get("attempts") or [])


def is_fulfillable(order: dict[str, Any]) -> bool:
    return order.get("status") == "OPEN" and (order.get("routing") or {}).get("status") == "ROUTED"


def became_fulfillable(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """Created OPEN and routed, unlocked, or routed at last: the moments an order needs its pick job.
    (A reroute moves a fulfillable order; the reroute job creates that pick job itself.)"""
    return is_fulfillable(new) and not (old is not None and is_fulfillable(old))


def new_pickjob(order: dict[str, Any], now: str) -> dict[str, Any]:
    """The pick job for an OPEN, routed order at its routed facility (for its current routing attempt)."""
    identifier = pickjob_id(order["id"], attempt_of(order))
    pickjob = {
        "id": identifier,
        "version": 1,
        "created": now,
        "lastModified": now,
        "orderRef": order["id"],
        "facilityRef": order["routing"]["facilityRef"],
        "shortId": short_id(identifier),
        "status": OPEN,
        "pickLineItems": [
            {"id": line["id"], "article": line["article"], "quantity": line["quantity"], "status": OPEN}
            for line in order["orderLineItems"]
        ],
    }
    if order.get("tenantOrderId"):
        pickjob["tenantOrderId"] = order["tenantOrderId"]
    target_time = (order.get("deliveryPreferences") or {}).get("targetTime")
    if target_time:
        pickjob["targetTime"] = target_time
    return pickjob
