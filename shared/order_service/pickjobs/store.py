"""Pick jobs in DynamoDB."""

from __future__ import annotations

from typing import Any, cast

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import TransitionNotAllowed
from order_service.pickjobs import rules as pickjobs
from order_service.pickjobs.rules import PICKJOB, PickJob


def _table() -> str:
    return settings().pickjobs_table


def create(pickjob: PickJob) -> bool:
    """One conditional PutItem. False when the pick job exists already (a redelivered record)."""
    try:
        dynamo.put_new(_table(), pickjob)
    except dynamo.ConditionFailed:
        return False
    return True


def get(pickjob_id: str) -> PickJob:
    pickjob = dynamo.get(_table(), pickjob_id)
    if pickjob is None:
        raise PICKJOB.missing(pickjob_id)
    return cast(PickJob, pickjob)


def cancel_active(pickjob_id: str, now: str) -> PickJob | None:
    """OPEN, IN_PROGRESS or PICKED -> CANCELED (its order was cancelled). None when there is no such pick
    job in one of those statuses (nothing to cancel, or a redelivered record)."""
    update = (
        dynamo.Update()
        .set("status", pickjobs.CANCELED)
        .add_to("version", 1)
        .set("lastModified", now)
        .exists("id")
        .one_of("status", list(pickjobs.CANCELABLE_FROM))
    )
    try:
        return cast(PickJob, update.execute(_table(), {"id": pickjob_id}))
    except dynamo.ConditionFailed:
        return None


def change_status(pickjob: PickJob, version: int, status: str, now: str, order_change: dict[str, Any]) -> PickJob:
    """A client's PATCH: forward only. One transaction with `order_change` (orders.store.picking_started),
    so that picking starts only while the order is OPEN and a plain CANCEL is refused from then on."""
    pickjob_id = pickjob["id"]
    allowed = list(pickjobs.PATCH_ALLOWED_FROM[status])
    update = (
        dynamo.Update()
        .set("status", status)
        .add_to("version", 1)
        .set("lastModified", now)
        .exists("id")
        .one_of("status", allowed)
        .equals("version", version)
    )
    try:
        dynamo.transact([update.transact_item(_table(), {"id": pickjob_id}), order_change])
    except dynamo.TransactionRefused as refused:
        if 0 in refused.old:
            wrong_state = pickjobs.NOT_PATCHABLE.replace("{target}", status)
            raise PICKJOB.refusal(pickjob_id, refused.old[0], version, wrong_state) from None
        order = refused.old[1] or {}
        raise TransitionNotAllowed(
            pickjobs.ORDER_NOT_OPEN.format(status=order.get("status", "missing")), version, version
        ) from None
    return {**pickjob, "status": status, "version": version + 1, "lastModified": now}


BY_ORDER = dynamo.Index("by-order", "orderRef", "created")
BY_FACILITY = dynamo.Index("by-facility", "facilityRef", "created")
BY_STATUS = dynamo.Index("by-status", "status", "created")
INDEXES = (BY_ORDER, BY_FACILITY, BY_STATUS)


def list_page(filters: dict[str, str], size: int, start_after_id: str | None) -> tuple[list[PickJob], int | None]:
    """A page of pick jobs, oldest first. The first filter (orderRef, facilityRef, status) picks the index."""
    listing = dynamo.Listing(_table(), "pick job")
    index = next((index for index in INDEXES if filters.get(index.partition_key)), None)
    if index is not None:
        listing.index, listing.partition_value = index, filters[index.partition_key]
    for attribute, value in sorted(filters.items()):
        if index is None or attribute != index.partition_key:
            listing.equals(attribute, value)
    found, total = listing.page(size, start_after_id)
    return cast(list[PickJob], found), total


def open_older_than(cutoff: str) -> tuple[list[PickJob], int]:
    """OPEN pick jobs created before `cutoff` (one key-condition query on the by-status index, so only
    candidates are read), and the items read (ScannedCount)."""
    found, read = dynamo.query_all(
        {
            "TableName": _table(),
            "IndexName": BY_STATUS.name,
            "KeyConditionExpression": "#status = :open AND #created < :cutoff",
            "ExpressionAttributeNames": {"#status": "status", "#created": "created"},
            "ExpressionAttributeValues": {":open": {"S": pickjobs.OPEN}, ":cutoff": {"S": cutoff}},
        }
    )
    return cast(list[PickJob], found), read


def mark_reroute_failed(pickjob_id: str, now: str) -> bool:
    """Records, once, that no facility was left (the stream turns it into TIME_TRIGGERED_REROUTE_FAILED)."""
    update = (
        dynamo.Update()
        .set("rerouteFailedAt", now)
        .add_to("version", 1)
        .set("lastModified", now)
        .equals("status", pickjobs.OPEN)
    )
    update.condition(f"attribute_not_exists({update.name('rerouteFailedAt')})")
    try:
        update.execute(_table(), {"id": pickjob_id})
    except dynamo.ConditionFailed:
        return False
    return True


def reroute(old: PickJob, new: PickJob, order_change: dict[str, Any], now: str) -> bool:
    """One transaction: old pick job OPEN -> REROUTED, the new OPEN pick job, the order's new routing.
    False when any condition failed (another run did it, the job started, the order changed)."""
    retire = (
        dynamo.Update()
        .set("status", pickjobs.REROUTED)
        .set("reroutedTo", new["id"])
        .add_to("version", 1)
        .set("lastModified", now)
        .equals("status", pickjobs.OPEN)
        .equals("version", old["version"])
    )
    ddb = dynamo.client()
    try:
        ddb.transact_write_items(
            TransactItems=[
                retire.transact_item(_table(), {"id": old["id"]}),
                {
                    "Put": {
                        "TableName": _table(),
                        "Item": dynamo.to_item(new),
                        "ConditionExpression": "attribute_not_exists(#id)",
                        "ExpressionAttributeNames": {"#id": "id"},
                    }
                },
                order_change,
            ]
        )
    except ddb.exceptions.TransactionCanceledException:
        return False
    return True
