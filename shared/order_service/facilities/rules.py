"""Facilities as records, free of AWS and pydantic: what a stored facility looks like."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

ONLINE, SUSPENDED, OFFLINE = "ONLINE", "SUSPENDED", "OFFLINE"


class Facility(TypedDict):
    id: str
    version: int
    created: str
    lastModified: str
    name: str
    status: str  # ONLINE | SUSPENDED | OFFLINE
    address: NotRequired[dict[str, Any]]  # with `coordinates: {lat, lon}` where known
