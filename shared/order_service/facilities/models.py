"""Facilities: the places that fulfil orders. Models and rules; storage is in facility_store."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FacilityStatus = Literal["ONLINE", "SUSPENDED", "OFFLINE"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Coordinates(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class FacilityAddress(Strict):
    street: str | None = None
    houseNumber: str | None = None
    postalCode: str | None = None
    city: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    coordinates: Coordinates | None = None


class FacilityForCreation(Strict):
    name: str = Field(min_length=1, max_length=200)
    tenantFacilityId: str | None = Field(default=None, min_length=1, max_length=200)
    status: FacilityStatus = "ONLINE"
    address: FacilityAddress | None = None


class FacilityPatch(Strict):
    version: int = Field(ge=0, strict=True, description="The facility's current version (optimistic locking).")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: FacilityStatus | None = None
    address: FacilityAddress | None = None


class Facility(FacilityForCreation):
    id: str
    version: int
    created: str
    lastModified: str


class FacilityList(Strict):
    facilities: list[Facility]
    total: int | None = None
    nextStartAfterId: str | None = Field(
        default=None, description="Where the next page starts (pass as startAfterId); absent at the end."
    )


def new_facility(request: FacilityForCreation, now: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "version": 1,
        "created": now,
        "lastModified": now,
        **request.model_dump(exclude_none=True),
    }


def changes_of(patch: FacilityPatch) -> dict[str, Any]:
    """The fields a PATCH sets (absent fields stay as they are)."""
    return patch.model_dump(exclude_none=True, exclude={"version"})
