"""The time-triggered reroute configuration: model, defaults, storage (one versioned item)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import VersionConflict

REROUTE_ID = "reroute"
DEFAULTS = {"active": False, "rerouteAfterMinutes": 1440, "rerouteTargetTimeHours": 48}
MAX_REROUTE_AFTER_MINUTES = 525_600  # one year (docs/api.md)
MAX_REROUTE_TARGET_TIME_HOURS = 8_760  # one year


class RerouteConfigurationForUpdate(BaseModel):
    """PUT replaces the configuration; fields left out take their defaults. `version`: the current
    version (0 while the configuration was never saved)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    active: bool = Field(default=False, strict=True)
    rerouteAfterMinutes: int = Field(default=1440, ge=5, le=MAX_REROUTE_AFTER_MINUTES, strict=True)
    rerouteTargetTimeHours: int = Field(default=48, ge=1, le=MAX_REROUTE_TARGET_TIME_HOURS, strict=True)
    version: int = Field(ge=0, strict=True)


class RerouteConfiguration(BaseModel):
    model_config = ConfigDict(defer_build=True)
    active: bool
    rerouteAfterMinutes: int
    rerouteTargetTimeHours: int
    version: int
    created: str | None = None
    lastModified: str | None = None


def _table() -> str:
    return settings().configurations_table


def get_reroute() -> dict[str, Any]:
    """The stored configuration, or the defaults at version 0 (never saved)."""
    stored = dynamo.get(_table(), REROUTE_ID)
    if stored is None:
        return {**DEFAULTS, "version": 0}
    return {k: v for k, v in stored.items() if k != "id"}


def put_reroute(update: RerouteConfigurationForUpdate, now: str) -> dict[str, Any]:
    """One conditional UpdateItem: version 0 creates, version N replaces version N (keeping `created`)."""
    current = update.version
    change = dynamo.Update().set("version", current + 1).set("lastModified", now)
    for name, value in update.model_dump(exclude={"version"}).items():
        change.set(name, value)
    if current == 0:
        change.set("created", now).condition(f"attribute_not_exists({change.name('id')})")
    else:
        change.equals("version", current)
    try:
        stored = change.execute(_table(), {"id": REROUTE_ID})
    except dynamo.ConditionFailed as failure:
        raise VersionConflict(
            "reroute configuration", int(failure.old["version"]) if failure.old else 0, current
        ) from None
    return {k: v for k, v in stored.items() if k != "id"}
