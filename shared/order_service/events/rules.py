"""Domain events: which change of an entity is which event, and the envelope. No AWS.

Envelope: {"event": NAME, "eventId": str, "payload": {...}}. The eventId is derived from the
entity's id, its version and the event name, so a redelivered stream record carries the same id
and receivers can drop duplicates.
"""

from __future__ import annotations

import uuid
from typing import Any

from order_service.holds.rules import hold_changes
from order_service.pickjobs.rules import attempt_of, pickjob_id

ORDER_CREATED = "ORDER_CREATED"
ORDER_UNLOCKED = "ORDER_UNLOCKED"
ORDER_CANCELLED = "ORDER_CANCELLED"
PICK_JOB_CREATED = "PICK_JOB_CREATED"
PICK_JOB_CANCELLED = "PICK_JOB_CANCELLED"
PICK_JOB_REROUTED = "PICK_JOB_REROUTED"
TIME_TRIGGERED_REROUTE_FAILED = "TIME_TRIGGERED_REROUTE_FAILED"
# Holds (our extension, CONTRACT.md): payload {"order", "hold"}; ORDER_LOCKED: the full order
ORDER_LOCKED = "ORDER_LOCKED"
ORDER_HOLD_PLACED = "ORDER_HOLD_PLACED"
ORDER_HOLD_RELEASED = "ORDER_HOLD_RELEASED"
ORDER_HOLD_EXPIRING = "ORDER_HOLD_EXPIRING"
HOLD_EVENTS = {"PLACED": ORDER_HOLD_PLACED, "RELEASED": ORDER_HOLD_RELEASED, "EXPIRING": ORDER_HOLD_EXPIRING}
ALL = (
    ORDER_CREATED,
    ORDER_UNLOCKED,
    ORDER_CANCELLED,
    ORDER_LOCKED,
    ORDER_HOLD_PLACED,
    ORDER_HOLD_RELEASED,
    ORDER_HOLD_EXPIRING,
    PICK_JOB_CREATED,
    PICK_JOB_CANCELLED,
    PICK_JOB_REROUTED,
    TIME_TRIGGERED_REROUTE_FAILED,
)

_NAMESPACE = uuid.UUID("0d7f5a8e-2b61-4c1e-a1f0-8c3e9b7d6a52")


def event_id(name: str, entity_id: str, version: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{name}/{entity_id}/{version}"))


def envelope(name: str, payload: dict[str, Any], entity_id: str, version: int) -> dict[str, Any]:
    return {"event": name, "eventId": event_id(name, entity_id, version), "payload": payload}


def order_events(change: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The events one change of an order stands for (`change` is the stream's eventName)."""
    if new is None:
        return []
    if change == "INSERT":  # the order, then each hold it was created with (a fraud check starts on it)
        return [envelope(ORDER_CREATED, new, new["id"], new["version"]), *_hold_events(None, new)]
    before = (old or {}).get("status")
    after = new.get("status")
    if before == after == "OPEN":
        return _rerouted(old or {}, new)
    if after == "CANCELLED":
        return [envelope(ORDER_CANCELLED, new, new["id"], new["version"])] if before != "CANCELLED" else []
    events = _hold_events(old, new)  # a hold placed, released or warned about: first, then the order's
    if before == "OPEN" and after == "LOCKED":
        events.append(envelope(ORDER_LOCKED, new, new["id"], new["version"]))
    if before == "LOCKED" and after == "OPEN":
        events.append(envelope(ORDER_UNLOCKED, new, new["id"], new["version"]))
    return events


def _hold_events(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """One event per hold fact; its id names the hold too, since one write may release several."""
    return [
        envelope(HOLD_EVENTS[fact], {"order": new, "hold": hold}, f"{new['id']}/{hold['id']}", new["version"])
        for fact, hold in hold_changes(old, new)
    ]


def _rerouted(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """An OPEN order whose routed facility changed: a time-triggered reroute moved its pick job."""
    before, after = old.get("routing") or {}, new.get("routing") or {}
    if before.get("status") != "ROUTED" or after.get("facilityRef") == before.get("facilityRef"):
        return []
    payload = {
        "order": new,
        "oldPickJobRef": pickjob_id(new["id"], attempt_of(old)),
        "newPickJobRef": pickjob_id(new["id"], attempt_of(new)),
        "oldFacilityRef": before.get("facilityRef"),
        "newFacilityRef": after.get("facilityRef"),
        "rerouteDate": after.get("routedAt"),
    }
    return [envelope(PICK_JOB_REROUTED, payload, new["id"], new["version"])]


def pickjob_events(change: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[dict[str, Any]]:
    if new is None:
        return []
    if change == "INSERT":
        return [envelope(PICK_JOB_CREATED, new, new["id"], new["version"])]
    if new.get("rerouteFailedAt") and not (old or {}).get("rerouteFailedAt"):
        payload = {"pickJob": new, "facilityRef": new["facilityRef"], "rerouteDate": new["rerouteFailedAt"]}
        return [envelope(TIME_TRIGGERED_REROUTE_FAILED, payload, new["id"], new["version"])]
    if new.get("status") == "CANCELED" and (old or {}).get("status") != "CANCELED":
        return [envelope(PICK_JOB_CANCELLED, new, new["id"], new["version"])]
    return []


def claim_check(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope of an entity too large for the bus (docs/events.md, Large payloads): the payload keeps
    the entity's reference fields; `payloadUrl` is the API path (relative to the API's base URL) that
    returns the entity, as it is now (compare `version`). Same event, same eventId."""
    name, payload = envelope["event"], envelope["payload"]
    if name in (ORDER_HOLD_PLACED, ORDER_HOLD_RELEASED, ORDER_HOLD_EXPIRING) or name == PICK_JOB_REROUTED:
        reference = {**payload, "order": _reference(payload["order"])}
        url = f"/api/orders/{payload['order']['id']}"
    elif name == TIME_TRIGGERED_REROUTE_FAILED:
        reference = {**payload, "pickJob": _reference(payload["pickJob"])}
        url = f"/api/pickjobs/{payload['pickJob']['id']}"
    elif name == PICK_JOB_CREATED:
        reference = _reference(payload)
        url = f"/api/pickjobs/{payload['id']}"
    else:
        reference = _reference(payload)
        url = f"/api/orders/{payload['id']}"
    return {**envelope, "payload": reference, "payloadUrl": url}


_REFERENCE_FIELDS = ("id", "version", "status", "tenantOrderId", "orderRef", "facilityRef", "created", "lastModified")


def _reference(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: entity[k] for k in _REFERENCE_FIELDS if k in entity}
