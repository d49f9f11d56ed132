"""The pick jobs API's models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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
    targetTime: str | None = None
    reroutedFrom: str | None = None
    reroutedTo: str | None = None
    rerouteFailedAt: str | None = Field(default=None, description="When a reroute found no facility left.")
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
    nextStartAfterId: str | None = Field(
        default=None, description="Where the next page starts (pass as startAfterId); absent at the end."
    )
