"""Webhook subscriptions: models and rules, no AWS."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Mapping
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from order_service.events import rules as events
from order_service.webhooks import rules

# events that this service publishes today (see docs/events.md)
SUBSCRIBABLE = events.ALL
RESERVED_HEADERS = ("content-type", "content-length", "host", "user-agent")
RESERVED_PREFIXES = ("x-event-", "x-webhook-")
EventName = Literal[
    "ORDER_CREATED",
    "ORDER_UNLOCKED",
    "ORDER_CANCELLED",
    "PICK_JOB_CREATED",
    "PICK_JOB_CANCELLED",
    "PICK_JOB_REROUTED",
    "TIME_TRIGGERED_REROUTE_FAILED",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Header(_Strict):
    key: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
    value: str = Field(max_length=2000)

    @field_validator("key")
    @classmethod
    def not_reserved(cls, key: str) -> str:
        lowered = key.lower()
        if lowered in RESERVED_HEADERS or lowered.startswith(RESERVED_PREFIXES):
            raise ValueError(f"the header '{key}' is set by the service")
        return key

    @field_validator("value")
    @classmethod
    def single_line(cls, value: str) -> str:
        if re.search(r"[\r\n]", value):
            raise ValueError("a header value must be one line")
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError("a header value must be ISO-8859-1 (HTTP/1.1); encode other text first") from None
        return value


class WebhookTarget(_Strict):
    type: Literal["WEBHOOK"]
    callbackUrl: str = Field(min_length=1, max_length=2000)
    headers: list[Header] = Field(default_factory=list, max_length=20)


class SubscriptionContext(_Strict):
    """The platform's SubscriptionContext: only events of these facilities (FACILITY_GROUP: not here)."""

    type: Literal["FACILITY"]
    values: list[str] = Field(min_length=1, max_length=100)


class SubscriptionForCreation(_Strict):
    name: str = Field(min_length=1, max_length=200)
    event: EventName
    target: WebhookTarget
    contexts: list[SubscriptionContext] | None = Field(default=None, max_length=10)


class Subscription(BaseModel):
    model_config = ConfigDict(defer_build=True)
    id: str
    version: int
    created: str
    lastModified: str
    name: str
    event: EventName
    target: WebhookTarget
    contexts: list[SubscriptionContext] | None = None


class SubscriptionCreated(Subscription):
    secret: str = Field(description="Signing secret (HMAC-SHA256). Shown once, at creation; keep it.")


class SubscriptionList(BaseModel):
    model_config = ConfigDict(defer_build=True)
    subscriptions: list[Subscription]
    total: int | None = None


class DeadLetter(BaseModel):
    model_config = ConfigDict(defer_build=True)
    eventId: str
    event: str
    attempts: int
    lastError: str
    failedAt: str
    envelope: dict[str, Any]


class DeadLetterList(BaseModel):
    model_config = ConfigDict(defer_build=True)
    deadletters: list[DeadLetter]
    total: int


class DeadLetterAction(_Strict):
    """REDRIVE sends dead letters again: the ones named by `eventIds`, or all of them."""

    name: Literal["REDRIVE"]
    eventIds: list[str] | None = Field(default=None, max_length=100)


class RedriveResult(BaseModel):
    model_config = ConfigDict(defer_build=True)
    redriven: list[str]


def new_subscription(request: SubscriptionForCreation, now: str) -> rules.Subscription:
    stored = {
        "id": str(uuid.uuid4()),
        "version": 1,
        "created": now,
        "lastModified": now,
        **request.model_dump(mode="json", exclude_none=True),
        "secret": "whsec_" + secrets.token_urlsafe(32),
    }
    return cast(rules.Subscription, stored)  # the request carries name, event and target


def public_view(subscription: Mapping[str, Any]) -> dict[str, Any]:
    """What reads show: never the secret."""
    return {k: v for k, v in subscription.items() if k != "secret"}
