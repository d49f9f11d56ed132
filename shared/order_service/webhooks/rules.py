"""Webhook subscriptions as records, free of AWS and pydantic (the API's models are in
`webhooks.models`): what a stored subscription looks like and how many an event may have."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast

MAX_PER_EVENT = 5
MASK = "********"  # what answers show instead of a header value (write-only)


class WebhookHeader(TypedDict):
    key: str
    value: str


class Subscription(TypedDict):
    id: str
    version: int
    created: str
    lastModified: str
    name: str
    event: str  # one of events.rules.ALL
    target: dict[str, Any]  # {"type": "WEBHOOK", "callbackUrl": ..., "headers": [WebhookHeader]}
    secret: NotRequired[str]  # the signing secret: shown once, at creation; stored only sealed
    sealed: NotRequired[dict[str, str]]  # header values and secrets sealed with KMS (webhooks.secrets)
    contexts: NotRequired[list[dict[str, Any]]]


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def new_subscription(fields: Mapping[str, Any], now: str) -> Subscription:
    """The stored subscription for a validated creation request (SubscriptionForCreation as a dict)."""
    stored = {
        "id": str(uuid.uuid4()),
        "version": 1,
        "created": now,
        "lastModified": now,
        **fields,
        "secret": new_secret(),
    }
    return cast(Subscription, stored)  # the request carries name, event and target


def public_view(subscription: Mapping[str, Any]) -> dict[str, Any]:
    """What answers show: never a secret, never a header value (write-only, shown as MASK)."""
    view = {k: v for k, v in subscription.items() if k not in ("secret", "sealed")}
    target = subscription.get("target")
    if isinstance(target, dict):
        view["target"] = {**target, "headers": [{"key": h["key"], "value": MASK} for h in target.get("headers") or []]}
    return view


def event_facilities(envelope: dict[str, Any]) -> set[str]:
    """The facilities an event is about: an order's routed facility, a pick job's facility, both
    facilities of a reroute."""
    payload = envelope.get("payload") or {}
    found = {
        payload.get("facilityRef"),  # a pick job; TIME_TRIGGERED_REROUTE_FAILED
        (payload.get("routing") or {}).get("facilityRef"),  # an order
        ((payload.get("order") or {}).get("routing") or {}).get("facilityRef"),  # a hold's events; a reroute
        payload.get("oldFacilityRef"),  # PICK_JOB_REROUTED
        payload.get("newFacilityRef"),
    }
    return {ref for ref in found if ref}


def wants(subscription: Subscription, envelope: dict[str, Any]) -> bool:
    """A subscription with FACILITY contexts gets only the events of those facilities; one without, all."""
    contexts = subscription.get("contexts") or []
    if not contexts:
        return True
    facilities = event_facilities(envelope)
    return all(facilities & set(context["values"]) for context in contexts if context["type"] == "FACILITY")
