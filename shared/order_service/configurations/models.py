"""The configurations API's models (pydantic), apart from storage so that the scheduled jobs that only
read a configuration do not load pydantic."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from order_service.configurations.store import MAX_REROUTE_AFTER_MINUTES, MAX_REROUTE_TARGET_TIME_HOURS


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
