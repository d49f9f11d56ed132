"""Pick jobs in DynamoDB."""

from __future__ import annotations

import contextlib
from typing import Any

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import NotFound, TransitionNotAllowed, VersionConflict
from order_service.pickjobs import rules as pickjobs


def _table() -> str:
    return settings().pickjobs_table


def create(pickjob: dict[str, Any]) -> bool:
    """One conditional PutItem. False when the pick job exists already (a redelivered record)."""
    try:
        dynamo.put_new(_table(), pickjob)
    except dynamo.ConditionFailed:
        return False
    return True


def get(pickjob_id: str) -> dict[str, Any]:
    pickjob = dynamo.get(_table(), pickjob_id)
    if pickjob is None:
        raise NotFound(f"No pick job with id '{pickjob_id}'.", "pickJobId")
    return pickjob


def cancel_open(pickjob_id: str, now: str) -> dict[str, Any] | None:
    """OPEN -> CANCELED. None when there is no OPEN pick job with that id (nothing to cancel)."""
    update = (
        dynamo.Update()
        .set("status", pickjobs.CANCELED)
        .add_to("version", 1)
        .set("lastModified", now)
        .exists("id")
        .equals("status", pickjobs.OPEN)
    )
    try:
        return update.execute(_table(), {"id": pickjob_id})
    except dynamo.ConditionFailed:
        return None


def change_status(pickjob_id: str, version: int, status: str, now: str) -> dict[str, Any]:
    """A client's PATCH: forward only, one conditional UpdateItem."""
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
        return update.execute(_table(), {"id": pickjob_id})
    except dynamo.ConditionFailed as failure:
        if failure.old is None:
            raise NotFound(f"No pick job with id '{pickjob_id}'.", "pickJobId") from None
        if failure.old["version"] != version:
            raise VersionConflict("pick job", failure.old["version"], version) from None
        raise TransitionNotAllowed(
            f"A pick job in status {failure.old['status']} cannot become {status}.", failure.old["version"], version
        ) from None


_INDEXES = {"orderRef": "by-order", "facilityRef": "by-facility", "status": "by-status"}


def list_page(
    filters: dict[str, str], size: int, start_after_id: str | None
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of pick jobs, oldest first. The first filter (orderRef, facilityRef, status) picks the index."""
    request: dict[str, Any] = {"TableName": _table()}
    key_attributes: tuple[str, ...] = ("id",)
    chosen = next((name for name in _INDEXES if filters.get(name)), None)
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    conditions = []
    for i, (name, value) in enumerate(sorted(filters.items())):
        names[f"#a{i}"] = name
        values[f":a{i}"] = {"S": value}
        if name == chosen:
            request.update(IndexName=_INDEXES[name], KeyConditionExpression=f"#a{i} = :a{i}")
            key_attributes = ("id", name, "created")
        else:
            conditions.append(f"#a{i} = :a{i}")
    if conditions:
        request["FilterExpression"] = " AND ".join(conditions)
    if names:
        request.update(ExpressionAttributeNames=names, ExpressionAttributeValues=values)
    partition = filters[chosen] if chosen else None
    return dynamo.list_page(request, key_attributes, size, start_after_id, "pick job", partition)


# Set whenever a reroute run found no facility for the pick job; an index-style attribute (`idx`), so it
# is never part of the pick job's document, its version or its events.
CHECKED_AT = "idxRerouteCheckedAt"


def open_older_than(cutoff: str, facilities_changed: str) -> tuple[list[dict[str, Any]], int]:
    """OPEN pick jobs created before `cutoff` that may move: never found stuck, or found stuck before
    `facilities_changed` (the last time a facility became or changed while ONLINE). One key-condition
    query on the by-status index; the stuck ones are dropped by DynamoDB, so none of them costs a read
    of its order or facilities. Also the items read (ScannedCount)."""
    return dynamo.query_all(
        {
            "TableName": _table(),
            "IndexName": "by-status",
            "KeyConditionExpression": "#status = :open AND #created < :cutoff",
            "FilterExpression": "attribute_not_exists(#checked) OR #checked < :changed",
            "ExpressionAttributeNames": {"#status": "status", "#created": "created", "#checked": CHECKED_AT},
            "ExpressionAttributeValues": {
                ":open": {"S": pickjobs.OPEN},
                ":cutoff": {"S": cutoff},
                ":changed": {"S": facilities_changed},
            },
        }
    )


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


def reroute(old: dict[str, Any], new: dict[str, Any], order_change: dict[str, Any], now: str) -> bool:
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
