"""Facilities as records, free of AWS and pydantic: what a stored facility looks like."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, NotRequired, TypedDict, cast

from order_service.core.keys import STATUS_SHARDS, shard_of

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


MAX_ID_DRAWS = 10_000  # one in 32 ids fits a shard: 32 draws on average; 10,000 all miss with p ~ 1e-138


def facility_id_for_slot(slot: int, draw: Callable[[], str] = lambda: str(uuid.uuid4())) -> str:
    """A new facility id in shard `slot % STATUS_SHARDS` of the sharded status indexes (docs/capacity.md).

    The orders of a facility and status share one `by-status-facility` partition, `shard_of(facility
    id)`; facilities created with consecutive slots (a counter) fill the shards in turn, so N
    facilities share a shard at most ceil(N / STATUS_SHARDS) at a time. The id stays a plain uuid4,
    drawn until it falls in the shard; should every draw miss, the last one is returned (the caller
    sees `shard_of(id) != slot % STATUS_SHARDS`)."""
    wanted = slot % STATUS_SHARDS
    facility_id = draw()
    for _ in range(MAX_ID_DRAWS - 1):
        if shard_of(facility_id) == wanted:
            break
        facility_id = draw()
    return facility_id


def new_facility(fields: Mapping[str, Any], now: str, facility_id: str) -> Facility:
    """The stored facility for a validated creation request (FacilityForCreation as a dict)."""
    stored = {"id": facility_id, "version": 1, "created": now, "lastModified": now, **fields}
    return cast(Facility, stored)  # name and status are required by FacilityForCreation
