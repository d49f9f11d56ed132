"""DynamoDB plumbing shared by the stores: clients, item (de)serialisation, condition failures."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config

from order_service.core.errors import InvalidRequest

# Internal attributes that only feed indexes; never shown to clients.
INDEX_ATTRIBUTE_PREFIX = "idx"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@lru_cache(maxsize=1)
def client() -> Any:
    # Adaptive retries absorb throttling (ProvisionedThroughputExceeded / ThrottlingException).
    return boto3.client("dynamodb", config=Config(retries={"mode": "adaptive", "max_attempts": 5}))


def to_item(document: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON document -> a DynamoDB item (floats become Decimals, empty values are kept)."""
    decimalised = json.loads(json.dumps(document), parse_float=Decimal)
    return {key: _serializer.serialize(value) for key, value in decimalised.items()}


def to_value(value: Any) -> dict[str, Any]:
    return _serializer.serialize(json.loads(json.dumps(value), parse_float=Decimal))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item (also a stream image) -> the JSON document, index attributes dropped."""
    return {
        key: _plain(_deserializer.deserialize(value))
        for key, value in item.items()
        if not key.startswith(INDEX_ATTRIBUTE_PREFIX)
    }


def is_condition_failure(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def old_item_of(error: Exception) -> dict[str, Any] | None:
    """The item as it was, from ReturnValuesOnConditionCheckFailure=ALL_OLD (None: it does not exist)."""
    response = getattr(error, "response", None) or {}
    item = response.get("Item")
    return from_item(item) if item else None


class ConditionFailed(Exception):
    """A conditional write was refused; `old` is the item as it was (None: no such item)."""

    def __init__(self, old: dict[str, Any] | None) -> None:
        super().__init__("conditional check failed")
        self.old = old


class Update:
    """Builds one UpdateItem: SET/REMOVE clauses with placeholders for every name and value.

    Dotted paths (`deliveryPreferences.targetTime`) are split into placeholders per segment.
    """

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._sets: list[str] = []
        self._removes: list[str] = []
        self._conditions: list[str] = []

    def name(self, path: str) -> str:
        parts = []
        for segment in path.split("."):
            placeholder = f"#{segment}"
            self.names[placeholder] = segment
            parts.append(placeholder)
        return ".".join(parts)

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = to_value(value)
        return placeholder

    def set(self, path: str, value: Any) -> Update:
        self._sets.append(f"{self.name(path)} = {self.value(value)}")
        return self

    def add_to(self, path: str, amount: int) -> Update:
        self._sets.append(f"{self.name(path)} = {self.name(path)} + {self.value(amount)}")
        return self

    def append(self, path: str, entries: list[Any]) -> Update:
        target = self.name(path)
        empty = self.value([])
        self._sets.append(f"{target} = list_append(if_not_exists({target}, {empty}), {self.value(entries)})")
        return self

    def remove(self, path: str) -> Update:
        self._removes.append(self.name(path))
        return self

    def condition(self, expression: str) -> Update:
        """`expression` may use `{path}` fields, e.g. "{version} = " + update.value(3)."""
        self._conditions.append(expression)
        return self

    def equals(self, path: str, value: Any) -> Update:
        return self.condition(f"{self.name(path)} = {self.value(value)}")

    def one_of(self, path: str, values: list[Any]) -> Update:
        placeholders = ", ".join(self.value(v) for v in values)
        return self.condition(f"{self.name(path)} IN ({placeholders})")

    def exists(self, path: str) -> Update:
        return self.condition(f"attribute_exists({self.name(path)})")

    def request(self, table: str, key: dict[str, Any]) -> dict[str, Any]:
        expression = "SET " + ", ".join(self._sets)
        if self._removes:
            expression += " REMOVE " + ", ".join(self._removes)
        request: dict[str, Any] = {
            "TableName": table,
            "Key": to_item(key),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": self.names,
            "ExpressionAttributeValues": self.values,
            "ReturnValues": "ALL_NEW",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if self._conditions:
            request["ConditionExpression"] = " AND ".join(self._conditions)
        return request

    def transact_item(self, table: str, key: dict[str, Any]) -> dict[str, Any]:
        """This update as one item of a TransactWriteItems."""
        request = self.request(table, key)
        request.pop("ReturnValues")
        return {"Update": request}

    def execute(self, table: str, key: dict[str, Any]) -> dict[str, Any]:
        """Runs the update; the new document, or ConditionFailed carrying the old one."""
        ddb = client()
        try:
            response = ddb.update_item(**self.request(table, key))
        except ddb.exceptions.ConditionalCheckFailedException as error:
            raise ConditionFailed(old_item_of(error)) from None
        return from_item(response["Attributes"])


class TransactionRefused(Exception):
    """A TransactWriteItems refused by conditions: `old` maps the index of each refusing item to that
    item as it was (None: it does not exist)."""

    def __init__(self, old: dict[int, dict[str, Any] | None]) -> None:
        super().__init__("transaction refused by a condition")
        self.old = old


def transact(items: list[dict[str, Any]]) -> None:
    """One TransactWriteItems: all of `items` change, or none (TransactionRefused says which refused)."""
    ddb = client()
    try:
        ddb.transact_write_items(TransactItems=items)
    except ddb.exceptions.TransactionCanceledException as error:
        reasons = error.response.get("CancellationReasons") or []
        old = {
            position: (from_item(reason["Item"]) if reason.get("Item") else None)
            for position, reason in enumerate(reasons)
            if reason.get("Code") == "ConditionalCheckFailed"
        }
        if not old:
            raise
        raise TransactionRefused(old) from None


def put_new(table: str, document: Mapping[str, Any]) -> None:
    """PutItem that never overwrites: the id must be new."""
    ddb = client()
    try:
        ddb.put_item(
            TableName=table,
            Item=to_item(document),
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": "id"},
        )
    except ddb.exceptions.ConditionalCheckFailedException:
        raise ConditionFailed(None) from None


def get(table: str, entity_id: str) -> dict[str, Any] | None:
    response = client().get_item(TableName=table, Key=to_item({"id": entity_id}), ConsistentRead=True)
    item = response.get("Item")
    return from_item(item) if item else None


def query_page(request: dict[str, Any], size: int) -> tuple[list[dict[str, Any]], bool]:
    """Up to `size` documents of a Query or Scan request (with its filters), and whether more exist.

    A FilterExpression can leave pages short, so this keeps reading until `size` matches are found.
    """
    ddb = client()
    operation = ddb.query if "KeyConditionExpression" in request else ddb.scan
    found: list[dict[str, Any]] = []
    request = dict(request)
    while True:
        # one extra item tells whether more exist; filtered reads evaluate more items per page
        request["Limit"] = size + 1 - len(found) if "FilterExpression" not in request else max(size + 1, 100)
        response = operation(**request)
        items = response.get("Items", [])
        found.extend(from_item(item) for item in items)
        last_key = response.get("LastEvaluatedKey")
        if len(found) > size:
            return found[:size], True
        if len(found) == size:
            return found, last_key is not None
        if not last_key:
            return found, False
        request["ExclusiveStartKey"] = last_key


def count(request: dict[str, Any]) -> int:
    """How many items match a Query request (its filters included), read with Select=COUNT."""
    ddb = client()
    request = {k: v for k, v in request.items() if k not in ("Limit", "ExclusiveStartKey", "ScanIndexForward")}
    request["Select"] = "COUNT"
    total = 0
    while True:
        response = ddb.query(**request)
        total += response["Count"]
        if "LastEvaluatedKey" not in response:
            return total
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def start_key(
    table: str, entity_id: str, key_attributes: tuple[str, ...], partition_value: str | None = None
) -> dict[str, Any] | None:
    """The ExclusiveStartKey that continues a listing after `entity_id` (None: no such item).

    `key_attributes` are the table key and, for an index, its partition and sort key. The partition
    value is the one the listing queries, not the item's current one: the item may have left the
    listing since (an order unlocked, a pick job started) and the listing must still go on after it.
    The sort keys (`created`, `id`) never change.
    """
    partition = key_attributes[1] if partition_value is not None else None
    stored = [attribute for attribute in key_attributes if attribute != partition]
    names = {f"#k{i}": attribute for i, attribute in enumerate(stored)}
    response = client().get_item(
        TableName=table,
        Key=to_item({"id": entity_id}),
        ProjectionExpression=", ".join(names),
        ExpressionAttributeNames=names,
    )
    item = response.get("Item")
    if not item or any(attribute not in item for attribute in stored):
        return None
    key = {attribute: item[attribute] for attribute in stored}
    if partition is not None:
        key[partition] = {"S": partition_value}
    return key


def query_all(request: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Every document a Query matches (all pages), and the items DynamoDB read for it (ScannedCount)."""
    ddb = client()
    request = dict(request)
    found: list[dict[str, Any]] = []
    scanned = 0
    while True:
        response = ddb.query(**request)
        scanned += response.get("ScannedCount", 0)
        found.extend(from_item(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return found, scanned
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def list_page(
    request: dict[str, Any],
    key_attributes: tuple[str, ...],
    size: int,
    start_after_id: str | None,
    entity: str,
    partition_value: str | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of a listing (a Query of `partition_value`, or a Scan) after `start_after_id`, with the
    number of matches for a Query (None for a Scan: counting would read the whole table)."""
    table = request["TableName"]
    if start_after_id:
        start = start_key(table, start_after_id, key_attributes, partition_value)
        if start is None:
            raise InvalidRequest(f"startAfterId: no {entity} '{start_after_id}' in this listing.", "startAfterId")
        request = {**request, "ExclusiveStartKey": start}
    found, _ = query_page(request, size)
    total = count(request) if "KeyConditionExpression" in request else None
    return found, total


@dataclass(frozen=True)
class Index:
    """A global secondary index as a store uses it. template.yaml declares it;
    tests/tooling/test_template.py checks that every store's indexes are declared with these keys."""

    name: str
    partition_key: str
    sort_key: str | None = None


@dataclass
class Listing:
    """One listing: a Query of one partition of an index, or a Scan of the table, with its filters.
    Every store builds its listings with this, so names and values are always placeholders."""

    table: str
    entity: str  # "order", for the error about an unknown startAfterId
    index: Index | None = None
    partition_value: str | None = None
    _filters: list[str] = field(default_factory=list)
    _names: dict[str, str] = field(default_factory=dict)
    _values: dict[str, Any] = field(default_factory=dict)

    def _placeholders(self, attribute: str, value: Any = None) -> tuple[str, str]:
        number = len(self._names)
        self._names[f"#a{number}"] = attribute
        if value is not None:
            self._values[f":a{number}"] = to_value(value)
        return f"#a{number}", f":a{number}"

    def equals(self, attribute: str, value: Any) -> Listing:
        name, placeholder = self._placeholders(attribute, value)
        self._filters.append(f"{name} = {placeholder}")
        return self

    def contains(self, attribute: str, value: str) -> Listing:
        name, placeholder = self._placeholders(attribute, value)
        self._filters.append(f"contains({name}, {placeholder})")
        return self

    def exists(self, attribute: str) -> Listing:
        name, _ = self._placeholders(attribute)
        self._filters.append(f"attribute_exists({name})")
        return self

    def request(self) -> dict[str, Any]:
        request: dict[str, Any] = {"TableName": self.table}
        names, values = dict(self._names), dict(self._values)
        if self.index is not None:
            names["#pk"] = self.index.partition_key
            values[":pk"] = to_value(self.partition_value)
            request.update(IndexName=self.index.name, KeyConditionExpression="#pk = :pk")
        if self._filters:
            request["FilterExpression"] = " AND ".join(self._filters)
        if names:
            request["ExpressionAttributeNames"] = names
        if values:
            request["ExpressionAttributeValues"] = values
        return request

    def key_attributes(self) -> tuple[str, ...]:
        if self.index is None:
            return ("id",)
        keys = ("id", self.index.partition_key, *([self.index.sort_key] if self.index.sort_key else []))
        return tuple(dict.fromkeys(keys))  # an index sorted by the table's own key names it once

    def page(self, size: int, start_after_id: str | None) -> tuple[list[dict[str, Any]], int | None]:
        """A page after `start_after_id`, oldest first, and the number of matches (None for a Scan)."""
        return list_page(self.request(), self.key_attributes(), size, start_after_id, self.entity, self.partition_value)

    def all(self) -> tuple[list[dict[str, Any]], int]:
        """Every match (all pages) and the items DynamoDB read for them."""
        return query_all(self.request())
