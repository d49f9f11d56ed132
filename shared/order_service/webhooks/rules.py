"""Webhook subscriptions as records, free of AWS and pydantic (the API's models are in
`webhooks.models`): what a stored subscription looks like and how many an event may have."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

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
