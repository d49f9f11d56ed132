"""The orders API's models: the creation request (the platform's OrderForCreation, generated, with our own
rules on top), the actions, and the order as the API returns it (documented in OpenAPI; responses are
built as dicts).

Our rules on top of the platform's schema (the only hand-written part of a create request; docs/api.md):
- `status` on create is only OPEN or LOCKED (the platform's enum has CANCELLED, PROMISED, OBSOLETE too);
- `orderLineItems` holds 1..500 lines (the platform: at most 500);
- `tenantOrderId` is 1..256 characters;
- `orderDate` is stored in UTC with milliseconds and Z;
- a consumer address's coordinates lie on the globe (the platform leaves them open; a point off the globe
  would break nearest-facility routing).
Line quantities are integers >= 1 in the platform's schema already.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, StrictFloat

from order_service.core.clock import iso
from order_service.holds.rules import MAX_HOLDS_PER_ORDER, TYPE_KEY_PATTERN
from order_service.orders import platform_models
from order_service.orders.platform_types import DateTime


def _utc_milliseconds(value: str) -> str:
    try:
        return iso(datetime.fromisoformat(value.upper().replace("Z", "+00:00")))
    except OverflowError:  # e.g. 9999-12-31T23:59:59-01:00 is past the year 9999 in UTC
        raise ValueError("the date-time lies outside the years 1 to 9999 in UTC") from None


# An RFC 3339 date-time (the platform's format), stored in UTC with milliseconds and Z.
Timestamp = Annotated[DateTime, AfterValidator(_utc_milliseconds)]


class GlobeCoordinates(platform_models.Coordinates):
    lat: StrictFloat = Field(ge=-90, le=90)
    lon: StrictFloat = Field(ge=-180, le=180)


class ConsumerAddress(platform_models.ConsumerAddress):
    coordinates: GlobeCoordinates | None = None


class Consumer(platform_models.OrderForCreationConsumer):
    addresses: list[ConsumerAddress] | None = Field(default=None, max_length=500)  # type: ignore[assignment]


HoldTypeKey = Annotated[str, Field(pattern=TYPE_KEY_PATTERN, description="A configured hold type's key.")]
HoldReason = Annotated[str, Field(min_length=1, max_length=500)]


class HoldForCreation(BaseModel):
    """Our extension: a typed hold placed when the order is created (the order is then LOCKED)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    type: HoldTypeKey
    reason: HoldReason | None = None


class OrderForCreation(platform_models.OrderForCreation):
    """The platform's OrderForCreation, with our rules on top (see the module's docstring)."""

    holds: list[HoldForCreation] | None = Field(
        default=None,
        max_length=20,
        description="Our extension (CONTRACT.md, Holds): typed holds; the order is created LOCKED by them.",
    )
    consumer: Consumer
    orderDate: Timestamp
    status: Literal["OPEN", "LOCKED"] | None = None  # type: ignore[assignment]
    orderLineItems: list[platform_models.OrderLineItemForCreation] = Field(min_length=1, max_length=500)
    tenantOrderId: str | None = Field(default=None, min_length=1, max_length=256, strict=True)


# The platform's action schemas (OrderUnlockActionParameter ..., BulkOrderActionsParameter) do not say
# additionalProperties: false, so a field we do not know is accepted - and ignored: an action stores
# nothing but what it names (CONTRACT.md: unknown fields refused exactly where the platform refuses them).
ACTION_CONFIG = ConfigDict(extra="ignore", defer_build=True)


class _Action(BaseModel):
    model_config = ACTION_CONFIG
    version: int = Field(ge=0, strict=True, description="The order's current version (optimistic locking).")


class UnlockAction(_Action):
    """LOCKED -> OPEN. `targetTime`, if given, replaces deliveryPreferences.targetTime."""

    name: Literal["UNLOCK"]
    targetTime: Timestamp | None = None


class CancelAction(_Action):
    """OPEN or LOCKED -> CANCELLED; 409 once its pick job has started (IN_PROGRESS or PICKED)."""

    name: Literal["CANCEL"]
    cancelationReasonId: str | None = Field(default=None, min_length=1, max_length=200)


class ForceCancelAction(_Action):
    """OPEN or LOCKED -> CANCELLED whatever the state of its pick job, which becomes CANCELED
    (permission ORDER_FORCE_CANCEL)."""

    name: Literal["FORCE_CANCEL"]
    cancelationReasonId: str | None = Field(default=None, min_length=1, max_length=200)


class PlaceHoldAction(_Action):
    """Our extension (permission ORDER_HOLD): a hold on a LOCKED order, or re-locks an OPEN order whose
    pick job has not started (its OPEN pick job CANCELED in the same transaction)."""

    name: Literal["PLACE_HOLD"]
    type: HoldTypeKey
    reason: HoldReason | None = None
    expiresAt: Timestamp | None = Field(default=None, description="Overrides the type's expiresAfterMinutes.")


class ReleaseHoldAction(_Action):
    """Our extension: releases one hold (needs the right to release its type); a type that needs two
    approvals records the first call and releases on a second call by another person."""

    name: Literal["RELEASE_HOLD"]
    holdId: str = Field(min_length=1, max_length=100)


class OrderAction(
    RootModel[
        Annotated[
            UnlockAction | CancelAction | ForceCancelAction | PlaceHoldAction | ReleaseHoldAction,
            Field(discriminator="name"),
        ]
    ]
):
    """An action on one order, chosen by `name`."""

    model_config = ConfigDict(defer_build=True)


class OrderLineItem(platform_models.OrderLineItemForCreation):
    id: str


class Routing(BaseModel):
    model_config = ConfigDict(defer_build=True)

    facilityRef: str | None = None
    status: Literal["ROUTED", "NOT_ROUTABLE"]
    routedAt: str | None = None
    attempts: list[str] = Field(description="Facilities this order was routed to before.")


class StatusChange(BaseModel):
    model_config = ConfigDict(defer_build=True)

    status: str
    previousStatus: str | None = None
    at: str
    by: str | None = Field(default=None, description="Who made the change (user or client id).")
    reason: str | None = None
    reasons: list[str] | None = None


class Approval(BaseModel):
    model_config = ConfigDict(defer_build=True)
    by: str
    at: str


class Hold(BaseModel):
    """Our extension (CONTRACT.md, Holds): one reason an order is LOCKED."""

    model_config = ConfigDict(defer_build=True)
    id: str
    type: str
    reason: str | None = None
    status: Literal["ACTIVE", "RELEASED", "EXPIRED"]
    placedAt: str
    placedBy: str | None = None
    placedByRule: str | None = Field(default=None, description="The auto-lock rule that placed it.")
    expiresAt: str | None = None
    onExpiry: Literal["RELEASE", "CANCEL"] | None = None
    expiryWarningAt: str | None = Field(default=None, description="When ORDER_HOLD_EXPIRING is published.")
    expiryWarnedAt: str | None = None
    requiredApprovals: Literal[1, 2]
    approvals: list[Approval]
    releasedAt: str | None = None
    releasedBy: str | None = None


class WorkflowUnavailable(BaseModel):
    """The platform's WorkflowUnavailable: this service runs no workflows."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    isAvailable: Literal[False]


class Order(OrderForCreation):
    id: str
    version: int
    created: str
    lastModified: str
    status: Literal["OPEN", "LOCKED", "CANCELLED"]  # type: ignore[assignment]
    orderLineItems: list[OrderLineItem]  # type: ignore[assignment]
    routing: Routing
    statusHistory: list[StatusChange]
    cancelationReasonId: str | None = None
    holds: list[Hold] | None = Field(default=None, max_length=MAX_HOLDS_PER_ORDER)  # type: ignore[assignment]
    processId: str = Field(description="The platform's process reference: one process per order, its id.")
    workflowInformation: WorkflowUnavailable


class OrderList(BaseModel):
    model_config = ConfigDict(defer_build=True)

    orders: list[Order]
    total: int | None = None
    nextStartAfterId: str | None = Field(
        default=None, description="Where the next page starts (pass as startAfterId); absent at the end."
    )


class OrderRef(BaseModel):
    model_config = ACTION_CONFIG
    orderId: str = Field(min_length=1, max_length=100)
    version: int = Field(ge=0, strict=True)


class ForceCancelRef(OrderRef):
    cancelationReasonId: str | None = Field(default=None, min_length=1, max_length=200)


class BulkUnlock(BaseModel):
    """Unlock up to 100 orders (permission ORDER_UNLOCK); each is its own conditional write."""

    model_config = ACTION_CONFIG
    name: Literal["BULK_UNLOCK"]
    orders: list[OrderRef] = Field(min_length=1, max_length=100)


class BulkForceCancel(BaseModel):
    """Force-cancel up to 15 orders, as the platform (permission ORDER_FORCE_CANCEL); each is its own
    conditional write."""

    model_config = ACTION_CONFIG
    name: Literal["BULK_FORCE_CANCEL"]
    orders: list[ForceCancelRef] = Field(min_length=1, max_length=15)


class BulkOrderAction(RootModel[Annotated[BulkUnlock | BulkForceCancel, Field(discriminator="name")]]):
    """A bulk action, chosen by `name`."""

    model_config = ConfigDict(defer_build=True)


class BulkOrderActionResult(BaseModel):
    """The platform's BulkOrderActionResult: UPDATED, UNCHANGED (already in the action's target status)
    or FAILED (missing, another version, a status the action refuses), with a summary."""

    model_config = ConfigDict(defer_build=True)
    orderId: str
    status: Literal["UPDATED", "UNCHANGED", "FAILED"]
    summary: str | None = None


class BulkOrderActionResults(RootModel[list[BulkOrderActionResult]]):
    """One result per order, in the request's order."""

    model_config = ConfigDict(defer_build=True)
