"""Webhook subscriptions: models and rules, no AWS."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from order_service.events import rules as events

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
    "ORDER_LOCKED",
    "ORDER_HOLD_PLACED",
    "ORDER_HOLD_RELEASED",
    "ORDER_HOLD_EXPIRING",
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
    nextStartAfterId: str | None = Field(
        default=None, description="Where the next page starts (pass as startAfterId); absent at the end."
    )


class RotateSecret(_Strict):
    """A new signing secret; the current one keeps signing (beside it) for `gracePeriodMinutes`."""

    name: Literal["ROTATE_SECRET"]
    version: int = Field(ge=0, strict=True, description="The subscription's current version (optimistic locking).")
    gracePeriodMinutes: int = Field(default=1440, ge=0, le=10080, strict=True)


class RotatedSecret(BaseModel):
    model_config = ConfigDict(defer_build=True)
    id: str
    version: int
    secret: str = Field(description="The new signing secret. Shown once; keep it.")
    previousSecretExpiresAt: str = Field(description="Until then deliveries carry both signatures.")


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
    total: int | None = None


class DeadLetterAction(_Strict):
    """REDRIVE sends dead letters again: the ones named by `eventIds`, or the next 100 of them (repeat
    while the answer says `more`)."""

    name: Literal["REDRIVE"]
    eventIds: list[str] | None = Field(default=None, max_length=100)


class RedriveResult(BaseModel):
    model_config = ConfigDict(defer_build=True)
    redriven: list[str] = Field(description="Event ids queued again by this request (each sent once).")
    more: bool = Field(description="Dead letters are left: send REDRIVE again.")
