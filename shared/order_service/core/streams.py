"""DynamoDB stream records, as the domain sees them."""

from __future__ import annotations

from typing import Any

from order_service.core.dynamo import from_item


def change_of(record: dict[str, Any]) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
    """(eventName, old document, new document) of one stream record (images without index attributes)."""
    images = record["dynamodb"]
    old = images.get("OldImage")
    new = images.get("NewImage")
    return record["eventName"], from_item(old) if old else None, from_item(new) if new else None


def table_of(record: dict[str, Any]) -> str:
    """The table name from the record's eventSourceARN (arn:aws:dynamodb:...:table/NAME/stream/...)."""
    return str(record["eventSourceARN"]).split(":table/", 1)[1].split("/", 1)[0]
