"""Auto-lock rules in DynamoDB: the versioned configuration (one item of the configurations table, like
the reroute configuration) and the one index query a fact may need."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from order_service.configurations.store import put_versioned
from order_service.core import dynamo
from order_service.core.config import settings
from order_service.lockrules.rules import LockRule

LOCKRULES_ID = "lockrules"


def _table() -> str:
    return settings().configurations_table


def _stored(rule: LockRule) -> dict[str, Any]:
    # the pattern as JSON text: DynamoDB would turn 5.0 into 5, and an exact 5.0 does not match 5
    return {**rule, "when": json.dumps(rule["when"], separators=(",", ":"))}


def _loaded(stored: dict[str, Any]) -> dict[str, Any]:
    configuration = {k: v for k, v in stored.items() if k != "id"}
    configuration["rules"] = [{**rule, "when": json.loads(rule["when"])} for rule in configuration.get("rules", [])]
    return configuration


def get_lockrules() -> dict[str, Any]:
    """The stored configuration (`rules`, `version`, `created`, `lastModified`), or no rules at version 0."""
    stored = dynamo.get(_table(), LOCKRULES_ID)
    if stored is None:
        return {"rules": [], "version": 0}
    return _loaded(stored)


def put_lockrules(rules: Sequence[LockRule], version: int, now: str) -> dict[str, Any]:
    """Versioned like every configuration (configurations.store.put_versioned)."""
    fields = {"rules": [_stored(rule) for rule in rules]}
    return _loaded(put_versioned(LOCKRULES_ID, "lock rules configuration", fields, version, now))


def consumer_order_count(consumer_id: str, at_most: int) -> int:
    """How many orders of this consumer are stored, counting at most `at_most`: one Query of the orders'
    KEYS_ONLY by-consumer-id index with Select=COUNT and Limit (eventually consistent, as every index)."""
    from order_service.orders.store import BY_CONSUMER_ID  # the index as the orders store declares it

    response = dynamo.client().query(
        TableName=settings().orders_table,
        IndexName=BY_CONSUMER_ID.name,
        KeyConditionExpression="#consumer = :consumer",
        ExpressionAttributeNames={"#consumer": BY_CONSUMER_ID.partition_key},
        ExpressionAttributeValues={":consumer": {"S": consumer_id}},
        Select="COUNT",
        Limit=at_most,
    )
    return min(int(response["Count"]), at_most)
