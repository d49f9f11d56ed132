"""The orders API's models: the creation request (the platform's OrderForCreation), the actions,
and the order as the API returns it (documented in OpenAPI; responses are built as dicts)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel

from order_service.core.clock import iso
from order_service.orders import platform as platform_schema


def _timestamp(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO-8601 timestamp, e.g. 2026-11-26T08:45:50.525Z") from None
    if moment.tzinfo is None:
        raise ValueError("must carry a time zone, e.g. 2026-11-26T08:45:50.525Z")
    return iso(moment)


Timestamp = Annotated[str, AfterValidator(_timestamp)]


class OrderForCreation(platform_schema.OrderForCreation):
    """The platform's OrderForCreation; `orderDate` must be a timestamp (stored in UTC with ms and Z)."""

    orderDate: Timestamp


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
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


class OrderAction(RootModel[Annotated[UnlockAction | CancelAction | ForceCancelAction, Field(discriminator="name")]]):
    """An action on one order, chosen by `name`."""

    model_config = ConfigDict(defer_build=True)


class OrderLineItem(platform_schema.OrderLineItemForCreation):
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
    processId: str = Field(description="The platform's process reference: one process per order, its id.")
    workflowInformation: WorkflowUnavailable


class OrderList(BaseModel):
    model_config = ConfigDict(defer_build=True)

    orders: list[Order]
    total: int | None = None


class OrderRef(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    orderId: str = Field(min_length=1, max_length=100)
    version: int = Field(ge=0, strict=True)


class ForceCancelRef(OrderRef):
    cancelationReasonId: str | None = Field(default=None, min_length=1, max_length=200)


class BulkUnlock(BaseModel):
    """Unlock up to 100 orders (permission ORDER_UNLOCK); each is its own conditional write."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: Literal["BULK_UNLOCK"]
    orders: list[OrderRef] = Field(min_length=1, max_length=100)


class BulkForceCancel(BaseModel):
    """Force-cancel up to 15 orders, as the platform (permission ORDER_FORCE_CANCEL); each is its own
    conditional write."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
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
