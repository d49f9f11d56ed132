"""Facilities as records, free of AWS and pydantic: what a stored facility looks like."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast

ONLINE, SUSPENDED, OFFLINE = "ONLINE", "SUSPENDED", "OFFLINE"
STATUSES = (ONLINE, SUSPENDED, OFFLINE)


class Facility(TypedDict):
    id: str
    version: int
    created: str
    lastModified: str
    name: str
    status: str  # ONLINE | SUSPENDED | OFFLINE
    address: NotRequired[dict[str, Any]]  # with `coordinates: {lat, lon}` where known


def new_facility(fields: Mapping[str, Any], now: str) -> Facility:
    """The stored facility for a validated creation request (FacilityForCreation as a dict)."""
    stored = {"id": str(uuid.uuid4()), "version": 1, "created": now, "lastModified": now, **fields}
    return cast(Facility, stored)  # name and status are required by FacilityForCreation
