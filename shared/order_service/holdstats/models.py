"""Queue health's API model (pydantic, for the OpenAPI document): GET /api/orders/holdstats."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AgeBucketModel(BaseModel):
    model_config = ConfigDict(defer_build=True)
    olderThanMinutes: int = Field(description="Held at least this many minutes (0, 15, 60, 240, 1440).")
    count: int


class HeldOrderModel(BaseModel):
    model_config = ConfigDict(defer_build=True)
    id: str
    tenantOrderId: str | None = None
    facilityRef: str
    heldSince: str = Field(description="When it last became LOCKED.")
    types: list[str] = Field(description="Its ACTIVE holds' types.")


class HoldStatsModel(BaseModel):
    """The queue-health snapshot (CONTRACT.md, Queue health), taken every minute by QueueHealthFunction;
    `at` says when. `complete: false`: that run stopped at its read caps (docs/operations.md)."""

    model_config = ConfigDict(defer_build=True)
    held: int = Field(description="Orders LOCKED now.")
    byType: dict[str, int] = Field(description="Held orders per ACTIVE hold type (DEFAULT and every configured type).")
    byFacility: dict[str, int] = Field(description="Held orders per routed facility (NOT_ROUTABLE: none yet).")
    oldestHeldSince: str | None = Field(description="When the longest-held order last became LOCKED.")
    ageHistogram: list[AgeBucketModel] = Field(description="Cumulative: orders held at least each threshold.")
    releasedLastHour: int = Field(description="Holds released by RELEASE_HOLD or UNLOCK in the last 60 minutes.")
    at: str = Field(description="When the snapshot was taken.")
    complete: bool = Field(description="False: the run hit its read caps; the figures cover the orders read.")
    ordersRead: int = Field(description="Held orders read by key (byType, the histogram and the oldest cover these).")
    oldestHeldOrderId: str | None = None
    longestHeld: list[HeldOrderModel] = Field(
        default_factory=list, description="Our extension: the 50 orders held longest, longest first (the SLA list)."
    )
