"""Pick jobs: created by the service for an order that becomes fulfillable. Rules, no AWS, no pydantic
(the API's models are in `pickjobs.models`).

`pickjob_change` is THE rule for when an order's change needs a pick job (or its cancellation). The
template's stream filters on PickJobCreatorFunction say the same in EventBridge's pattern language;
tests/unit/pickjobs/test_pickjob_rule.py proves that both let through exactly the same changes.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict

from order_service.core.errors import Entity

OPEN, IN_PROGRESS, PICKED, REROUTED, CANCELED = "OPEN", "IN_PROGRESS", "PICKED", "REROUTED", "CANCELED"
STATUSES = (OPEN, IN_PROGRESS, PICKED, REROUTED, CANCELED)
# PATCH may move a pick job forward only; REROUTED and CANCELED are the service's own transitions.
PATCH_ALLOWED_FROM = {IN_PROGRESS: (OPEN,), PICKED: (OPEN, IN_PROGRESS)}
# A cancelled order's pick job is cancelled in any of these (a started one only by FORCE_CANCEL).
CANCELABLE_FROM = (OPEN, IN_PROGRESS, PICKED)

PICKJOB = Entity("pick job", "pickJobId")
NOT_PATCHABLE = "A pick job in status {status} cannot become {target}."
ORDER_NOT_OPEN = "The pick job's order is not OPEN (its status is {status}): picking cannot go on."


class PickLineItem(TypedDict):
    id: str
    article: dict[str, Any]
    quantity: int
    status: str


class PickJob(TypedDict):
    id: str
    version: int
    created: str
    lastModified: str
    orderRef: str
    facilityRef: str
    shortId: str
    status: str  # OPEN | IN_PROGRESS | PICKED | REROUTED | CANCELED
    pickLineItems: list[PickLineItem]
    tenantOrderId: NotRequired[str]
    targetTime: NotRequired[str]
    reroutedFrom: NotRequired[str]
    reroutedTo: NotRequired[str]
    rerouteFailedAt: NotRequired[str]


_NAMESPACE = uuid.UUID("5f0c3a6e-8f7e-4b0c-9f57-0b1f0e4a2d11")


def pickjob_id(order_id: str, attempt: int) -> str:
    """Deterministic: a redelivered stream record produces the same id, so its put is refused."""
    return str(uuid.uuid5(_NAMESPACE, f"{order_id}/{attempt}"))


def short_id(pickjob_id_: str) -> str:
    """A short human code, e.g. PJ-7K2M9Q (stable for the pick job)."""
    digest = hashlib.sha256(pickjob_id_.encode()).digest()
    return "PJ-" + base64.b32encode(digest).decode()[:6]


def attempt_of(order: Mapping[str, Any]) -> int:
    """Which pick job the order is on (0 first): each reroute adds one, and so does each re-lock (an OPEN
    order held again: its pick job was cancelled, its release makes a new one)."""
    relocks = sum(
        1 for e in order.get("statusHistory") or [] if e.get("status") == "LOCKED" and e.get("previousStatus") == "OPEN"
    )
    return len((order.get("routing") or {}).get("attempts") or []) + relocks


def _status(image: Mapping[str, Any] | None) -> str | None:
    return None if image is None else image.get("status")


def _routing_status(image: Mapping[str, Any] | None) -> str | None:
    return None if image is None else (image.get("routing") or {}).get("status")


def pickjob_change(
    change: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> Literal["CREATE", "CANCEL"] | None:
    """What an order's stream record means for its pick job.

    CREATE at the moments an order becomes fulfillable (OPEN and ROUTED): created so, unlocked, or
    routed at last. (A reroute moves a fulfillable order; the reroute job creates that pick job itself.)
    CANCEL when an OPEN order is cancelled (a started pick job too: only FORCE_CANCEL gets that far),
    or re-locked (PLACE_HOLD cancels its OPEN pick job in its own transaction; this catches the pick job
    that the stream created after that transaction, from the record before it).
    Nothing for anything else - a LOCKED order never gets one. The pick job concerned is always the old
    image's (`attempt_of(old)`).
    """
    if change == "INSERT":
        return "CREATE" if _status(new) == "OPEN" and _routing_status(new) == "ROUTED" else None
    if change != "MODIFY":
        return None
    fulfillable = _status(new) == "OPEN" and _routing_status(new) == "ROUTED"
    if fulfillable and (_status(old) == "LOCKED" or _routing_status(old) == "NOT_ROUTABLE"):
        return "CREATE"
    if _status(old) == "OPEN" and _status(new) in ("CANCELLED", "LOCKED"):
        return "CANCEL"
    return None


def new_pickjob(order: Mapping[str, Any], now: str) -> PickJob:
    """The pick job for an OPEN, routed order at its routed facility (for its current routing attempt)."""
    identifier = pickjob_id(order["id"], attempt_of(order))
    pickjob: PickJob = {
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
