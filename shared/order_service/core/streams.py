"""DynamoDB stream records, as the domain sees them."""

from __future__ import annotations

import json
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


def item_of(record: dict[str, Any]) -> str:
    """Which item a record changed (table and key): one item's records are in order in one shard."""
    return f"{table_of(record)}/{json.dumps(record['dynamodb']['Keys'], sort_keys=True)}"
