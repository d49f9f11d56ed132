"""Pick jobs: created by the service for an order that becomes fulfillable. Rules and models, no AWS."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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


def new_pickjob(order: dict[str, Any], now: str) -> dict[str, Any]:
    """The pick job for an OPEN, routed order at its routed facility."""
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
    return pickjob


class PickJobPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    version: int = Field(ge=0, strict=True, description="The pick job's current version (optimistic locking).")
    status: Literal["IN_PROGRESS", "PICKED"]


class PickLineItem(BaseModel):
    model_config = ConfigDict(defer_build=True)
    id: str
    article: dict[str, Any]
    quantity: int
    status: str


class PickJob(BaseModel):
    model_config = ConfigDict(defer_build=True)
    id: str
    version: int
    created: str
    lastModified: str
    orderRef: str
    tenantOrderId: str | None = None
    facilityRef: str
    shortId: str
    status: Literal["OPEN", "IN_PROGRESS", "PICKED", "REROUTED", "CANCELED"]
    pickLineItems: list[PickLineItem]


class PickJobList(BaseModel):
    model_config = ConfigDict(defer_build=True)
    pickjobs: list[PickJob]
    total: int | None = None
