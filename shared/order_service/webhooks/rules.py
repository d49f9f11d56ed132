"""Webhook subscriptions as records, free of AWS and pydantic (the API's models are in
`webhooks.models`): what a stored subscription looks like and how many an event may have."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

MAX_PER_EVENT = 5


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
    secret: str  # the signing secret: shown once, at creation
    contexts: NotRequired[list[dict[str, Any]]]


def event_facilities(envelope: dict[str, Any]) -> set[str]:
    """The facilities an event is about: an order's routed facility, a pick job's facility, both
    facilities of a reroute."""
    payload = envelope.get("payload") or {}
    found = {
        payload.get("facilityRef"),  # a pick job; TIME_TRIGGERED_REROUTE_FAILED
        (payload.get("routing") or {}).get("facilityRef"),  # an order
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
