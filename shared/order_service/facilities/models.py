"""Facilities: the API's models (pydantic). Records and rules are in `facilities.rules`, storage in
`facilities.store`."""

from __future__ import annotations

from typing import Literal

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
