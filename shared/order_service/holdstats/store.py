"""Queue health in DynamoDB: the held orders' keys from by-status-facility (KEYS_ONLY, the 32 LOCKED
partitions), the few attributes the snapshot needs read by key, the snapshot item and the per-minute
counters of released holds (both in the configurations table). Never a scan."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, cast

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.keys import status_shards
from order_service.holdstats import rules
from order_service.holdstats.rules import HoldStats
from order_service.orders import rules as orders
from order_service.orders.store import BY_STATUS_FACILITY

SNAPSHOT_ID = "holdstats"
RELEASED_ID = "holdstats-released#{minute}"  # one counter item per minute (rules.minute_of)
COUNTER_TTL_SECONDS = 24 * 3600  # read for an hour; DynamoDB's TTL removes it after a day
NOT_ROUTED = "NOT_ROUTABLE"  # byFacility's key for held orders without a facility (no facility id is this)

# What the snapshot reads of a held order (the whole item is still charged; the answer is smaller).
PROJECTION = "#id, #status, #created, #holds, #routing.#facilityRef, #statusHistory, #tenantOrderId"
PROJECTION_NAMES = {
    "#id": "id",
    "#tenantOrderId": "tenantOrderId",
    "#status": "status",
    "#created": "created",
    "#holds": "holds",
    "#routing": "routing",
    "#facilityRef": "facilityRef",
    "#statusHistory": "statusHistory",
}


def _orders() -> str:
    return settings().orders_table


def _configurations() -> str:
    return settings().configurations_table


class HeldKey(NamedTuple):
    """One held order as by-status-facility knows it: its facility, when it was created, its id."""

    facility_ref: str
    created: str
    order_id: str


class HeldKeys(NamedTuple):
    keys: list[HeldKey]
    complete: bool  # False: stopped at the cap; more held orders exist


def held_keys(max_keys: int) -> HeldKeys:
    """The keys of the LOCKED orders: one paged key-condition Query per LOCKED partition of the KEYS_ONLY
    index (its sort key is "{facility}#{created}#{id}"), at most `max_keys` of them."""
    ddb = dynamo.client()
    found: list[HeldKey] = []
    for partition in status_shards(orders.LOCKED):
        request: dict[str, Any] = {
            "TableName": _orders(),
            "IndexName": BY_STATUS_FACILITY.name,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": BY_STATUS_FACILITY.partition_key},
            "ExpressionAttributeValues": {":pk": {"S": partition}},
        }
        while True:
            if len(found) > max_keys:  # one more than the cap was read: there are more
                return HeldKeys(found[:max_keys], False)
            response = ddb.query(**request, Limit=min(1000, max_keys - len(found) + 1))
            for item in response.get("Items", []):
                facility, created, order_id = item[orders.FACILITY_CREATED_ID]["S"].split("#", 2)
                found.append(HeldKey(NOT_ROUTED if facility == orders.UNROUTED else facility, created, order_id))
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    # an order routed or rerouted while the shards are read may be seen in two of them: once, the last seen
    unique = list({key.order_id: key for key in found}.values())
    if len(unique) > max_keys:
        return HeldKeys(unique[:max_keys], False)
    return HeldKeys(unique, True)


def read_held(keys: list[HeldKey]) -> list[dict[str, Any]]:
    """The held orders' status, holds, facility, status history and creation, read by key (BatchGetItem,
    eventually consistent, 100 keys a request)."""
    return dynamo.get_by_keys(_orders(), [{"id": k.order_id} for k in keys], PROJECTION, PROJECTION_NAMES)


def put_snapshot(stats: HoldStats) -> None:
    """One PutItem: the run's snapshot replaces the previous one."""
    dynamo.client().put_item(TableName=_configurations(), Item=dynamo.to_item({**stats, "id": SNAPSHOT_ID}))


def get_snapshot() -> HoldStats | None:
    """The last run's snapshot (one GetItem), or None before the first run."""
    stored = dynamo.get(_configurations(), SNAPSHOT_ID)
    if stored is None:
        return None
    stored.pop("id")
    return cast(HoldStats, stored)


def count_released(count: int, now: datetime) -> None:
    """Adds `count` released holds to this minute's counter item: one UpdateItem (ADD creates the item),
    which DynamoDB's TTL deletes a day later (`expiration`, the table's TTL attribute)."""
    dynamo.client().update_item(
        TableName=_configurations(),
        Key=dynamo.to_item({"id": RELEASED_ID.format(minute=rules.minute_of(now))}),
        UpdateExpression="ADD #count :count SET #expiration = :expiration",
        ExpressionAttributeNames={"#count": "count", "#expiration": "expiration"},
        ExpressionAttributeValues={
            ":count": {"N": str(count)},
            ":expiration": {"N": str(int(now.timestamp()) + COUNTER_TTL_SECONDS)},
        },
    )


def released_counters(now: datetime) -> list[dict[str, Any]]:
    """The counter items of the last 60 minutes, this one included (one BatchGetItem of 60 keys)."""
    keys = [{"id": RELEASED_ID.format(minute=minute)} for minute in rules.last_hour_minutes(now)]
    return dynamo.get_by_keys(_configurations(), keys)
