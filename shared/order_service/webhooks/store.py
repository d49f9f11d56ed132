"""Subscriptions and webhook deliveries in DynamoDB.

"At most 5 per event" is a counter item per event, changed in the same transaction as the
subscription (a condition, not a count-then-write).
"""

from __future__ import annotations

import time
from typing import Any

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import Conflict, NotFound, VersionConflict
from order_service.webhooks.models import MAX_PER_EVENT

DELIVERED_TTL_SECONDS = 30 * 24 * 3600


def _table() -> str:
    return settings().subscriptions_table


def _deliveries() -> str:
    return settings().deliveries_table


def _slots_key(event: str) -> dict[str, Any]:
    return dynamo.to_item({"id": f"slots#{event}"})


def _cancelled_by_condition(error: Exception, index: int) -> bool:
    reasons = getattr(error, "response", {}).get("CancellationReasons") or []
    return len(reasons) > index and reasons[index].get("Code") == "ConditionalCheckFailed"


def create(subscription: dict[str, Any]) -> None:
    ddb = dynamo.client()
    try:
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": _slots_key(subscription["event"]),
                        "UpdateExpression": "SET #used = if_not_exists(#used, :zero) + :one",
                        "ConditionExpression": "attribute_not_exists(#used) OR #used < :max",
                        "ExpressionAttributeNames": {"#used": "used"},
                        "ExpressionAttributeValues": {
                            ":zero": {"N": "0"},
                            ":one": {"N": "1"},
                            ":max": {"N": str(MAX_PER_EVENT)},
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": _table(),
                        "Item": dynamo.to_item(subscription),
                        "ConditionExpression": "attribute_not_exists(#id)",
                        "ExpressionAttributeNames": {"#id": "id"},
                    }
                },
            ]
        )
    except ddb.exceptions.TransactionCanceledException as error:
        if _cancelled_by_condition(error, 0):
            raise Conflict(
                f"There are already {MAX_PER_EVENT} subscriptions for {subscription['event']}; delete one first.",
                "event",
            ) from None
        raise


def get(subscription_id: str) -> dict[str, Any]:
    found = dynamo.get(_table(), subscription_id)
    if found is None or "event" not in found:
        raise NotFound(f"No subscription with id '{subscription_id}'.", "subscriptionId")
    return found


def delete(subscription_id: str) -> None:
    """Deletes the subscription and frees its event's slot, in one transaction."""
    subscription = get(subscription_id)  # the event names the slot; a gone item fails the condition below
    ddb = dynamo.client()
    try:
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": _table(),
                        "Key": dynamo.to_item({"id": subscription_id}),
                        "ConditionExpression": "attribute_exists(#id)",
                        "ExpressionAttributeNames": {"#id": "id"},
                    }
                },
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": _slots_key(subscription["event"]),
                        "UpdateExpression": "SET #used = #used - :one",
                        "ConditionExpression": "#used > :zero",
                        "ExpressionAttributeNames": {"#used": "used"},
                        "ExpressionAttributeValues": {":zero": {"N": "0"}, ":one": {"N": "1"}},
                    }
                },
            ]
        )
    except ddb.exceptions.TransactionCanceledException as error:
        if _cancelled_by_condition(error, 0):
            raise NotFound(f"No subscription with id '{subscription_id}'.", "subscriptionId") from None
        raise


def replace_sealed(subscription_id: str, version: int, sealed: dict[str, str], now: str) -> dict[str, Any]:
    """New sealed secrets (a rotation), if the subscription is still at `version`."""
    update = (
        dynamo.Update()
        .set("sealed", sealed)
        .add_to("version", 1)
        .set("lastModified", now)
        .exists("id")
        .equals("version", version)
    )
    try:
        return update.execute(_table(), {"id": subscription_id})
    except dynamo.ConditionFailed as failure:
        if failure.old is None:
            raise NotFound(f"No subscription with id '{subscription_id}'.", "subscriptionId") from None
        raise VersionConflict("subscription", failure.old["version"], version) from None


def for_event(event: str) -> list[dict[str, Any]]:
    """The subscriptions of one event (an index query)."""
    response = dynamo.client().query(
        TableName=_table(),
        IndexName="by-event",
        KeyConditionExpression="#event = :event",
        ExpressionAttributeNames={"#event": "event"},
        ExpressionAttributeValues={":event": {"S": event}},
    )
    return [dynamo.from_item(item) for item in response.get("Items", [])]


def list_page(event: str | None, size: int, start_after_id: str | None) -> dynamo.Page:
    request: dict[str, Any] = {"TableName": _table(), "ExpressionAttributeNames": {"#event": "event"}}
    key_attributes: tuple[str, ...] = ("id",)
    if event:
        request.update(
            IndexName="by-event",
            KeyConditionExpression="#event = :event",
            ExpressionAttributeValues={":event": {"S": event}},
        )
        key_attributes = ("id", "event", "created")
    else:
        request["FilterExpression"] = "attribute_exists(#event)"  # not the slot counters
    return dynamo.list_page(request, key_attributes, size, start_after_id, "subscription", event)


# ---------------------------------------------------------------- deliveries ---
def delivery_status(subscription_id: str, event_id: str) -> str | None:
    response = dynamo.client().get_item(
        TableName=_deliveries(),
        Key=dynamo.to_item({"subscriptionId": subscription_id, "eventId": event_id}),
        ConsistentRead=True,
    )
    item = response.get("Item")
    return str(item["status"]["S"]) if item else None


def record_delivered(subscription_id: str, event_id: str, attempts: int, now: str) -> None:
    dynamo.client().put_item(
        TableName=_deliveries(),
        Item=dynamo.to_item(
            {
                "subscriptionId": subscription_id,
                "eventId": event_id,
                "status": "DELIVERED",
                "attempts": attempts,
                "deliveredAt": now,
                "expiresAt": int(time.time()) + DELIVERED_TTL_SECONDS,
            }
        ),
    )


def record_dead(subscription_id: str, envelope: dict[str, Any], attempts: int, error: str, now: str) -> None:
    dynamo.client().put_item(
        TableName=_deliveries(),
        Item=dynamo.to_item(
            {
                "subscriptionId": subscription_id,
                "eventId": envelope["eventId"],
                "status": "DEAD",
                "event": envelope["event"],
                "attempts": attempts,
                "lastError": error[:500],
                "failedAt": now,
                "envelope": envelope,
            }
        ),
    )


def dead_letters(subscription_id: str) -> list[dict[str, Any]]:
    found, _ = dynamo.query_all(
        {
            "TableName": _deliveries(),
            "KeyConditionExpression": "#sub = :sub",
            "FilterExpression": "#status = :dead",
            "ExpressionAttributeNames": {"#sub": "subscriptionId", "#status": "status"},
            "ExpressionAttributeValues": {":sub": {"S": subscription_id}, ":dead": {"S": "DEAD"}},
        }
    )
    return found


def mark_redriven(subscription_id: str, event_id: str, now: str) -> bool:
    """DEAD -> REDRIVEN (False when it was no longer DEAD)."""
    update = dynamo.Update().set("status", "REDRIVEN").set("redrivenAt", now).equals("status", "DEAD")
    try:
        update.execute(_deliveries(), {"subscriptionId": subscription_id, "eventId": event_id})
    except dynamo.ConditionFailed:
        return False
    return True
