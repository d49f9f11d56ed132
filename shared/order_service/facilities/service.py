"""The facility create: a new facility gets the next shard slot and an id in that shard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger

from order_service.core.keys import STATUS_SHARDS, shard_of
from order_service.facilities import store as facility_store
from order_service.facilities.rules import Facility, facility_id_for_slot, new_facility

logger = Logger(child=True)


def create_facility(fields: Mapping[str, Any], now: str) -> Facility:
    """Stores a new facility (FacilityForCreation as a dict). Its id is drawn so that facilities fill
    the shards of the orders' `by-status-facility` index in turn (docs/capacity.md): one counter
    UpdateItem, then one PutItem."""
    slot = facility_store.next_shard_slot()
    facility = new_facility(fields, now, facility_id_for_slot(slot))
    if shard_of(facility["id"]) != slot % STATUS_SHARDS:
        logger.warning(
            "no facility id found in the slot's shard; the facility shares another shard",
            extra={"facility_id": facility["id"], "slot": slot, "shard": shard_of(facility["id"])},
        )
    facility_store.put_new(facility)
    return facility
