"""Facilities in DynamoDB."""

from __future__ import annotations

from typing import Any, cast

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import Entity
from order_service.facilities.rules import ONLINE, Facility

BY_STATUS = dynamo.Index("by-status", "status", "id")
INDEXES = (BY_STATUS,)
FACILITY = Entity("facility", "facilityId")
SHARD_COUNTER_ID = "facility-shards"  # an item of ConfigurationsTable: the last shard slot handed out


def _table() -> str:
    return settings().facilities_table


def next_shard_slot() -> int:
    """The next facility's shard slot (1, 2, 3, ...): one atomic UpdateItem ADD on the counter item, so
    facilities created at the same time never get the same slot."""
    return dynamo.increment(settings().configurations_table, SHARD_COUNTER_ID, "slot")


def put_new(facility: Facility) -> None:
    dynamo.put_new(_table(), facility)


def get(facility_id: str) -> Facility:
    facility = dynamo.get(_table(), facility_id)
    if facility is None:
        raise FACILITY.missing(facility_id)
    return cast(Facility, facility)


def get_many(facility_ids: tuple[str, ...]) -> list[Facility]:
    """The facilities that exist among `facility_ids` (the first 100 named; one BatchGetItem)."""
    return cast(list[Facility], dynamo.get_many(_table(), list(dict.fromkeys(facility_ids))[:100]))


def online() -> list[Facility]:
    """Every ONLINE facility (an index query, not a scan)."""
    found, _ = dynamo.Listing(_table(), "facility", BY_STATUS, ONLINE).all()
    return cast(list[Facility], found)


def update(facility_id: str, version: int, changes: dict[str, Any], now: str) -> Facility:
    """One conditional UpdateItem: the facility must exist and still have `version`."""
    update = dynamo.Update().add_to("version", 1).set("lastModified", now)
    for name, value in changes.items():
        update.set(name, value)
    update.exists("id").equals("version", version)
    try:
        return cast(Facility, update.execute(_table(), {"id": facility_id}))
    except dynamo.ConditionFailed as failure:
        raise FACILITY.refusal(facility_id, failure.old, version) from None


def list_page(status: str | None, size: int, start_after_id: str | None) -> dynamo.Page:
    """A page of facilities; with a status filter it is an index query and carries a total."""
    return dynamo.Listing(_table(), "facility", BY_STATUS if status else None, status).page(size, start_after_id)
