"""Subscriptions and webhook deliveries in DynamoDB.

"At most 5 per event" is a counter item per event, changed in the same transaction as the
subscription (a condition, not a count-then-write).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, cast

from order_service.core import dynamo
from order_service.core.config import settings
from order_service.core.errors import Conflict, NotFound, VersionConflict
from order_service.webhooks.rules import MAX_PER_EVENT, Subscription

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


def create(subscription: Subscription) -> None:
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


def get(subscription_id: str) -> Subscription:
    found = dynamo.get(_table(), subscription_id)
    if found is None or "event" not in found:
        raise NotFound(f"No subscription with id '{subscription_id}'.", "subscriptionId")
    return cast(Subscription, found)


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


BY_EVENT = dynamo.Index("by-event", "event", "created")
INDEXES = (BY_EVENT,)


def for_event(event: str) -> list[Subscription]:
    """The subscriptions of one event (an index query; at most MAX_PER_EVENT)."""
    found, _ = dynamo.Listing(_table(), "subscription", BY_EVENT, event).all()
    return cast(list[Subscription], found)


def list_page(event: str | None, size: int, start_after_id: str | None) -> dynamo.Page:
    listing = dynamo.Listing(_table(), "subscription", BY_EVENT if event else None, event)
    if not event:
        listing.exists("event")  # not the slot counters
    return listing.page(size, start_after_id)


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


def record_dead(subscription_id: str, envelope: dict[str, Any], attempts: int, error: str, now: str) -> bool:
    """Keeps a delivery that failed every try as a dead letter: only when it was never delivered and
    is not a dead letter already (a duplicate message, or a redriven one failing again, may get here
    after another message delivered it). False when the delivery's state did not allow it."""
    update = (
        dynamo.Update()
        .set("status", "DEAD")
        .set("deadLetterOf", subscription_id)
        .set("event", envelope["event"])
        .set("attempts", attempts)
        .set("lastError", error[:500])
        .set("failedAt", now)
        .set("envelope", envelope)
    )
    update.condition(
        f"(attribute_not_exists({update.name('status')}) OR {update.name('status')} = {update.value('REDRIVEN')})"
    )
    try:
        update.execute(_deliveries(), {"subscriptionId": subscription_id, "eventId": envelope["eventId"]})
    except dynamo.ConditionFailed:
        return False
    return True


DEAD_LETTER_FIELDS = ("eventId", "event", "attempts", "lastError", "failedAt", "envelope")


def dead_letters_page(
    subscription_id: str, size: int, start_after_event_id: str | None, with_envelopes: bool = True
) -> tuple[list[dict[str, Any]], bool, int | None]:
    """One page of a subscription's dead letters (the sparse `dead-letters` index: only dead letters
    are read, without their envelopes), whether more follow, and how many there are. The page's
    envelopes come with one BatchGetItem (`with_envelopes`)."""
    request: dict[str, Any] = {
        "TableName": _deliveries(),
        "IndexName": "dead-letters",
        "KeyConditionExpression": "#of = :sub",
        "ExpressionAttributeNames": {"#of": "deadLetterOf"},
        "ExpressionAttributeValues": {":sub": {"S": subscription_id}},
    }
    total = dynamo.count(request)
    if start_after_event_id:
        request["ExclusiveStartKey"] = dynamo.to_item(
            {"subscriptionId": subscription_id, "eventId": start_after_event_id, "deadLetterOf": subscription_id}
        )
    response = dynamo.client().query(**request, Limit=size + 1)  # one more tells whether more follow
    found = [dynamo.from_item(item) for item in response.get("Items", [])]
    more = len(found) > size
    found = found[:size]
    if with_envelopes:
        envelopes = _envelopes(subscription_id, [letter["eventId"] for letter in found])
        found = [{**letter, "envelope": envelopes.get(letter["eventId"])} for letter in found]
    return [{k: letter[k] for k in DEAD_LETTER_FIELDS if k in letter} for letter in found], more, total


def _envelopes(subscription_id: str, event_ids: list[str]) -> dict[str, Any]:
    """eventId -> envelope of these deliveries (BatchGetItem, 100 keys at most per request)."""
    keys = [{"subscriptionId": subscription_id, "eventId": e} for e in event_ids]
    found = dynamo.get_by_keys(_deliveries(), keys, projection="eventId, envelope")
    return {document["eventId"]: document.get("envelope") for document in found}


def mark_redriven(subscription_id: str, event_id: str, now: str) -> dict[str, Any] | None:
    """DEAD -> REDRIVEN, leaving the dead-letters index: the delivery (with its envelope), or None when
    it was not DEAD (another redrive took it, or no such dead letter). The one condition that makes
    a redrive send a dead letter once."""
    update = (
        dynamo.Update().set("status", "REDRIVEN").set("redrivenAt", now).remove("deadLetterOf").equals("status", "DEAD")
    )
    try:
        return update.execute(_deliveries(), {"subscriptionId": subscription_id, "eventId": event_id})
    except dynamo.ConditionFailed:
        return None


def unmark_redriven(subscription_id: str, event_id: str, redriven_at: str) -> None:
    """REDRIVEN -> DEAD again, when the redrive could not queue it (only this redrive's own mark)."""
    update = (
        dynamo.Update()
        .set("status", "DEAD")
        .set("deadLetterOf", subscription_id)
        .remove("redrivenAt")
        .equals("status", "REDRIVEN")
        .equals("redrivenAt", redriven_at)
    )
    with contextlib.suppress(dynamo.ConditionFailed):  # taken up meanwhile: nothing to give back
        update.execute(_deliveries(), {"subscriptionId": subscription_id, "eventId": event_id})
