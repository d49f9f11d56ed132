"""Pick jobs in DynamoDB."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, cast

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import InvalidRequest, TransitionNotAllowed
from order_service.core.keys import CREATED_ID, created_id, status_shard, status_shards
from order_service.pickjobs import rules as pickjobs
from order_service.pickjobs.rules import PICKJOB, PickJob


def _table() -> str:
    return settings().pickjobs_table


STATUS_SHARD = "idxStatusShard"  # its partition of the sharded by-status index


def stored(pickjob: PickJob) -> dict[str, Any]:
    """The item of a pick job: the document and its key in the sharded by-status index."""
    return {
        **pickjob,
        STATUS_SHARD: status_shard(pickjob["status"], pickjob["id"]),
        CREATED_ID: created_id(pickjob["created"], pickjob["id"]),
    }


def create(pickjob: PickJob) -> bool:
    """One conditional PutItem. False when the pick job exists already (a redelivered record)."""
    try:
        dynamo.put_new(_table(), stored(pickjob))
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
    update = _cancel(pickjob_id, now, pickjobs.CANCELABLE_FROM)
    try:
        return cast(PickJob, update.execute(_table(), {"id": pickjob_id}))
    except dynamo.ConditionFailed:
        return None


def cancel_open_change(pickjob_id: str, now: str) -> dict[str, Any]:
    """The pick job's part of a re-lock transaction (holds.service.place_hold): OPEN -> CANCELED, only
    if it is OPEN (refused when it does not exist yet, or has started)."""
    return _cancel(pickjob_id, now, (pickjobs.OPEN,)).transact_item(_table(), {"id": pickjob_id})


def cancel_open(pickjob_id: str, now: str) -> bool:
    """OPEN -> CANCELED (its order was re-locked); False when it is not OPEN (started, or done already)."""
    try:
        _cancel(pickjob_id, now, (pickjobs.OPEN,)).execute(_table(), {"id": pickjob_id})
    except dynamo.ConditionFailed:
        return False
    return True


def _cancel(pickjob_id: str, now: str, allowed_from: tuple[str, ...]) -> dynamo.Update:
    """-> CANCELED, if it exists in one of `allowed_from` (every cancellation of a pick job)."""
    return (
        dynamo.Update()
        .set("status", pickjobs.CANCELED)
        .set(STATUS_SHARD, status_shard(pickjobs.CANCELED, pickjob_id))
        .add_to("version", 1)
        .set("lastModified", now)
        .exists("id")
        .one_of("status", list(allowed_from))
    )


def change_status(pickjob: PickJob, version: int, status: str, now: str, order_change: dict[str, Any]) -> PickJob:
    """A client's PATCH: forward only. One transaction with `order_change` (orders.store.picking_started),
    so that picking starts only while the order is OPEN and a plain CANCEL is refused from then on."""
    pickjob_id = pickjob["id"]
    allowed = list(pickjobs.PATCH_ALLOWED_FROM[status])
    update = (
        dynamo.Update()
        .set("status", status)
        .set(STATUS_SHARD, status_shard(status, pickjob_id))
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


BY_FACILITY = dynamo.Index("by-facility", "facilityRef", CREATED_ID)
BY_STATUS = dynamo.Index("by-status", STATUS_SHARD, CREATED_ID)
INDEXES = (BY_FACILITY, BY_STATUS)


def of_order(order_id: str) -> list[PickJob]:
    """The pick jobs of an order, without an index: their ids derive from the order's id and its
    routing attempt (0, then one more per reroute), so they are read by key, ten attempts a request."""
    found: list[PickJob] = []
    for first in range(0, 1000, 10):
        ids = [pickjobs.pickjob_id(order_id, attempt) for attempt in range(first, first + 10)]
        batch = cast(list[PickJob], dynamo.get_many(_table(), ids))
        found += batch
        if len(batch) < len(ids):  # attempts are consecutive: a gap is the end
            return found
    return found


def list_page(filters: dict[str, str], size: int, start_after_id: str | None) -> dynamo.Page:
    """A page of pick jobs, oldest first: those of one order (by their ids), of one facility (its index
    partition), or of every facility (a bounded fan-out); a scan without any of these filters."""

    def matches(pickjob: Mapping[str, Any]) -> bool:
        return all(pickjob.get(name) == value for name, value in filters.items())

    if filters.get("orderRef"):  # a handful: paged in memory, in routing-attempt order
        found = [dict(job) for job in of_order(filters["orderRef"]) if matches(job)]
        ids = [job["id"] for job in found]
        if start_after_id is not None and start_after_id not in ids:
            raise InvalidRequest(f"startAfterId: no pick job '{start_after_id}' in this listing.", "startAfterId")
        start = ids.index(start_after_id) + 1 if start_after_id else 0
        page = found[start : start + size]
        more = start + size < len(found)
        return dynamo.Page(page, len(found), str(page[-1]["id"]) if more and page else None)
    status, facility = filters.get("status"), filters.get("facilityRef")
    # the indexes are eventually consistent: what one decided is checked again on the items read by key
    if facility:
        keep = matches if status else None
        listing = dynamo.KeysListing(
            _table(), "pick job", BY_FACILITY, [facility], keep, recheck=lambda job: job.get("facilityRef") == facility
        )
        return listing.page(size, start_after_id)
    if status:
        shards = status_shards(status)
        listing = dynamo.KeysListing(
            _table(), "pick job", BY_STATUS, shards, recheck=lambda job: job["status"] == status
        )
        return listing.page(size, start_after_id)
    return dynamo.Listing(_table(), "pick job").page(size, start_after_id)


# Set whenever a reroute run found no facility for the pick job; an index-style attribute (`idx`), so it
# is never part of the pick job's document, its version or its events. by-status projects it.
CHECKED_AT = "idxRerouteCheckedAt"


def open_older_than(cutoff: str, facilities_changed: str) -> tuple[list[PickJob], int]:
    """OPEN pick jobs created before `cutoff` that may move: never found stuck, or found stuck before
    `facilities_changed` (the last time a facility became or changed while ONLINE). One key-condition
    query per shard of by-status; the stuck ones are dropped by DynamoDB (by-status projects CHECKED_AT),
    so none of them costs a read of its order or facilities; the candidates are then read by key.
    Also the index entries read (ScannedCount)."""
    listing = dynamo.KeysListing(_table(), "pick job", BY_STATUS, status_shards(pickjobs.OPEN))
    may_move = "attribute_not_exists(#checked) OR #checked < :changed"
    ids, read = listing.all_ids(
        before=cutoff, where=(may_move, {"#checked": CHECKED_AT}, {":changed": facilities_changed})
    )
    return cast(list[PickJob], dynamo.get_many(_table(), ids)), read


def mark_reroute_failed(pickjob_id: str, now: str) -> bool:
    """No facility left: records it once (`rerouteFailedAt`: the stream turns it into
    TIME_TRIGGERED_REROUTE_FAILED) and, every time, when it was checked, so that the pick job is no
    candidate again until a facility changes. True the first time only."""
    first = (
        dynamo.Update()
        .set("rerouteFailedAt", now)
        .set(CHECKED_AT, now)
        .add_to("version", 1)
        .set("lastModified", now)
        .equals("status", pickjobs.OPEN)
    )
    first.condition(f"attribute_not_exists({first.name('rerouteFailedAt')})")
    try:
        first.execute(_table(), {"id": pickjob_id})
    except dynamo.ConditionFailed as failure:
        if failure.old and failure.old.get("status") == pickjobs.OPEN:
            again = dynamo.Update().set(CHECKED_AT, now).equals("status", pickjobs.OPEN)
            with contextlib.suppress(dynamo.ConditionFailed):  # it left OPEN meanwhile: nothing to park
                again.execute(_table(), {"id": pickjob_id})
        return False
    return True


def reroute(old: PickJob, new: PickJob, order_change: dict[str, Any], now: str) -> bool:
    """One transaction: old pick job OPEN -> REROUTED, the new OPEN pick job, the order's new routing.
    False when any condition failed (another run did it, the job started, the order changed)."""
    retire = (
        dynamo.Update()
        .set("status", pickjobs.REROUTED)
        .set(STATUS_SHARD, status_shard(pickjobs.REROUTED, old["id"]))
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
                        "Item": dynamo.to_item(stored(new)),
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
