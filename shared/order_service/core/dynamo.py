"""DynamoDB plumbing shared by the stores: clients, item (de)serialisation, condition failures."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config

from order_service.core.errors import Conflict, InvalidRequest

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
        except ddb.exceptions.TransactionConflictException:
            raise Busy() from None
        return from_item(response["Attributes"])


class Busy(Conflict):
    """DynamoDB refused a write because a transaction on the same item was under way (TransactionConflict):
    nothing was written; the client reads the item again and retries (409)."""

    def __init__(self) -> None:
        super().__init__(
            "Another change of this item was under way at the same moment; nothing was changed. "
            "Read it again and retry.",
            "version",
        )


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
        if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
            raise Busy() from None
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


def increment(table: str, entity_id: str, attribute: str) -> int:
    """Adds 1 to a counter item's number (created at 1 if missing) and returns the new value: one
    UpdateItem `ADD`, atomic, so concurrent callers each get a value of their own."""
    response = client().update_item(
        TableName=table,
        Key=to_item({"id": entity_id}),
        UpdateExpression="ADD #n :one",
        ExpressionAttributeNames={"#n": attribute},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    return int(response["Attributes"][attribute]["N"])


def get(table: str, entity_id: str) -> dict[str, Any] | None:
    response = client().get_item(TableName=table, Key=to_item({"id": entity_id}), ConsistentRead=True)
    item = response.get("Item")
    return from_item(item) if item else None


# Bounded reads: a list request evaluates at most MAX_ITEMS_READ_PER_PAGE items to fill its page (a
# filter that matches little gives a short page and a cursor to go on), and at most MAX_ITEMS_COUNTED
# for `total` (left out when the listing holds more), plus one GetItem for `startAfterId`.
MAX_ITEMS_READ_PER_PAGE = 200
MAX_ITEMS_COUNTED = 1000


def max_items_read_per_list() -> int:
    """Items one list request may read: the keys of its page (at least one per partition of a sharded
    index), the page's items by key, the count (one over its budget tells "more"), the GetItem of
    startAfterId."""
    from order_service.core.keys import STATUS_SHARDS

    keys = max(MAX_ITEMS_READ_PER_PAGE, STATUS_SHARDS)
    return keys + MAX_ITEMS_READ_PER_PAGE + MAX_ITEMS_COUNTED + 1 + 1


class Page(NamedTuple):
    items: list[dict[str, Any]]
    total: int | None  # None: not counted (a scan, or more than MAX_ITEMS_COUNTED)
    next_start_after_id: str | None  # None: the listing ends here


def query_page(request: dict[str, Any], size: int) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `size` documents of a Query or Scan request (with its filters), and the id to continue
    after (None: no more). Evaluates at most MAX_ITEMS_READ_PER_PAGE items: a filter that matches
    little gives a short page (even an empty one) and the id of the last item evaluated."""
    ddb = client()
    operation = ddb.query if "KeyConditionExpression" in request else ddb.scan
    found: list[dict[str, Any]] = []
    request = dict(request)
    budget = MAX_ITEMS_READ_PER_PAGE
    while True:
        # one extra item tells whether more exist; filtered reads evaluate up to the budget
        wanted = size + 1 - len(found) if "FilterExpression" not in request else budget
        request["Limit"] = min(wanted, budget)
        response = operation(**request)
        budget -= response.get("ScannedCount", 0)
        found.extend(from_item(item) for item in response.get("Items", []))
        last_key = response.get("LastEvaluatedKey")
        if len(found) > size:
            return found[:size], found[size - 1]["id"]
        if not last_key:
            return found, None
        if len(found) == size:
            return found, found[-1]["id"]
        if budget <= 0:
            return found, last_key["id"]["S"]
        request["ExclusiveStartKey"] = last_key


def count(request: dict[str, Any], budget: int | None = None) -> int | None:
    """How many items match a Query request (its filters included), read with Select=COUNT; None when
    the listing holds more than `budget` (MAX_ITEMS_COUNTED) items (counting them all would read
    without bound)."""
    ddb = client()
    request = {k: v for k, v in request.items() if k not in ("Limit", "ExclusiveStartKey", "ScanIndexForward")}
    request["Select"] = "COUNT"
    total = 0
    budget = MAX_ITEMS_COUNTED if budget is None else budget
    while True:
        request["Limit"] = budget + 1  # one more than the budget: more than that is "too many"
        response = ddb.query(**request)
        total += response["Count"]
        budget -= response.get("ScannedCount", 0)
        if "LastEvaluatedKey" not in response:
            return total
        if budget < 0:
            return None
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
) -> Page:
    """One page of a listing (a Query of `partition_value`, or a Scan) after `start_after_id`, with the
    number of matches for a Query of at most MAX_ITEMS_COUNTED items (None otherwise, and for a Scan),
    and the id to continue after. Reads at most `max_items_read_per_list()` items."""
    table = request["TableName"]
    if start_after_id:
        start = start_key(table, start_after_id, key_attributes, partition_value)
        if start is None:
            raise InvalidRequest(f"startAfterId: no {entity} '{start_after_id}' in this listing.", "startAfterId")
        request = {**request, "ExclusiveStartKey": start}
    found, next_id = query_page(request, size)
    total = count(request) if "KeyConditionExpression" in request else None
    return Page(found, total, next_id)


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

    def page(self, size: int, start_after_id: str | None) -> Page:
        """A page after `start_after_id`, oldest first, the number of matches (None for a Scan, or when
        counting would read more than MAX_ITEMS_COUNTED), and the id to continue after."""
        return list_page(self.request(), self.key_attributes(), size, start_after_id, self.entity, self.partition_value)

    def all(self) -> tuple[list[dict[str, Any]], int]:
        """Every match (all pages) and the items DynamoDB read for them."""
        return query_all(self.request())


def get_by_keys(
    table: str, keys: list[dict[str, Any]], projection: str | None = None, names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The items with these keys that exist, in no particular order: BatchGetItem in requests of at
    most 100 keys, unprocessed keys retried. `projection` (with its placeholder `names`) reads only
    those attributes (DynamoDB still charges the whole item; the answer is smaller)."""
    ddb = client()
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {table: {"Keys": [to_item(k) for k in keys[start : start + 100]]}}
        if projection:
            request[table]["ProjectionExpression"] = projection
        if names:
            request[table]["ExpressionAttributeNames"] = names
        while request:
            response = ddb.batch_get_item(RequestItems=request)
            found.extend(from_item(item) for item in response["Responses"].get(table, []))
            request = response.get("UnprocessedKeys") or {}
    return found


def get_many(table: str, ids: list[str]) -> list[dict[str, Any]]:
    """The items with these ids, in the order of `ids` (missing ones left out)."""
    unique = list(dict.fromkeys(ids))
    found = {item["id"]: item for item in get_by_keys(table, [{"id": i} for i in unique])}
    return [found[i] for i in unique if i in found]


@dataclass
class KeysListing:
    """A listing over KEYS_ONLY index partitions whose sort key is unique and ordered ("{created}#{id}",
    core.keys.created_id): a page of keys from each partition (a bounded fan-out, e.g. the shards of a
    status), merged in sort-key order, then the page's items read by key (one BatchGetItem). `keep` filters
    the items on attributes the index does not carry (a page may come out short;
    `next_start_after_id` goes on); `recheck` drops items that left the listing since the (eventually
    consistent) index was read, without giving up `total`.

    Reads at most MAX_ITEMS_READ_PER_PAGE keys over all partitions (at least one each) plus the page's
    items; `total` reads at most MAX_ITEMS_COUNTED keys over all partitions (None beyond; with `keep`,
    known only when every match fits on the first page).

    `within` limits every partition to the sort keys that start with it (one range of a partition that
    several keys share, e.g. "{facility}#" in by-status-facility); the place of `start_after_id` is
    then `within` followed by the item's `place` attribute (which never changes), so a listing goes on
    after an item that has moved elsewhere since.
    """

    table: str
    entity: str
    index: Index
    partitions: list[str]
    keep: Callable[[dict[str, Any]], bool] | None = None
    recheck: Callable[[dict[str, Any]], bool] | None = None
    within: str | None = None
    place: str | None = None

    @property
    def sort_key(self) -> str:
        return self.index.sort_key or "id"

    def _query(self, partition: str, after: str | None) -> dict[str, Any]:
        names = {"#pk": self.index.partition_key}
        values: dict[str, Any] = {":pk": {"S": partition}}
        condition = "#pk = :pk"
        if self.within is not None:
            # begins_with(within), from the cursor on: BETWEEN is inclusive, so the cursor's own key
            # (if still there) comes first and `keys` drops it; the range ends before the next prefix
            names["#sk"] = self.sort_key
            values[":low"] = {"S": after or self.within}
            values[":high"] = {"S": self.within[:-1] + chr(ord(self.within[-1]) + 1)}
            condition += " AND #sk BETWEEN :low AND :high"
        elif after is not None:
            names["#sk"] = self.sort_key
            values[":after"] = {"S": after}
            condition += " AND #sk > :after"  # the sort key is unique: exactly after the cursor
        return {
            "TableName": self.table,
            "IndexName": self.index.name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def _cursor(self, start_after_id: str) -> str:
        """The sort key of the item to go on after (it never changes, so this holds even when the item
        has left the listing since, e.g. an order unlocked; with `within`: `within` + its `place`)."""
        attribute = self.place if self.within is not None and self.place else self.sort_key
        response = client().get_item(
            TableName=self.table,
            Key=to_item({"id": start_after_id}),
            ProjectionExpression="#sk",
            ExpressionAttributeNames={"#sk": attribute},
        )
        place = (response.get("Item") or {}).get(attribute, {}).get("S")
        if place is None:
            raise InvalidRequest(f"startAfterId: no {self.entity} '{start_after_id}' in this listing.", "startAfterId")
        return f"{self.within}{place}" if attribute != self.sort_key else str(place)

    def _read(self, partition: str, after: str | None, limit: int) -> tuple[list[tuple[str, str]], int, bool]:
        """Up to `limit` (sort key, id) rows of one partition after `after`, the items DynamoDB read, and
        whether the partition may hold more."""
        inclusive = self.within is not None and after is not None  # BETWEEN: `after` itself may come back
        response = client().query(**self._query(partition, after), Limit=limit + inclusive)
        found = [(item[self.sort_key]["S"], item["id"]["S"]) for item in response.get("Items", [])]
        found = [row for row in found if row[0] != after]
        return found, response.get("ScannedCount", 0), "LastEvaluatedKey" in response and bool(found)

    def keys(self, size: int, start_after_id: str | None) -> tuple[list[str], str | None]:
        """The ids of one page in sort-key order (oldest first; by-status-facility: by facility, then
        oldest first), and the id to go on after (None: the listing ends here).

        The read budget is shared by the partitions: each first gives its share; then the partition
        whose last key read is lowest (the frontier: keys past it cannot be merged in order yet) reads
        on while the budget lasts and the page is not full. What is past the frontier at the end is
        left for the next page, so the merge stays in order however the items spread over the
        partitions (all of one facility's orders are in one partition of by-status-facility)."""
        cursor = self._cursor(start_after_id) if start_after_id else None
        budget = MAX_ITEMS_READ_PER_PAGE
        inclusive = 1 if self.within is not None and cursor is not None else 0
        share = max(1, min(size + 1, budget // len(self.partitions) - inclusive))
        rows: list[tuple[str, str]] = []
        more: dict[str, str] = {}  # partition -> its last key read, while it may hold more
        for partition in self.partitions:
            found, read, has_more = self._read(partition, cursor, share)
            rows, budget = rows + found, budget - read
            if has_more:
                more[partition] = found[-1][0]
        while more:
            partition = min(more, key=more.__getitem__)
            ready = sum(1 for key, _ in rows if key <= more[partition])
            limit = min(budget - (1 if self.within is not None else 0), size + 1 - ready)
            if ready >= size or limit < 1:
                break
            found, read, has_more = self._read(partition, more.pop(partition), limit)
            rows, budget = rows + found, budget - read
            if has_more:
                more[partition] = found[-1][0]
        frontier = min(more.values()) if more else None
        rows = sorted(row for row in rows if frontier is None or row[0] <= frontier)
        page = rows[:size]
        ends = len(rows) <= size and frontier is None
        return [row_id for _, row_id in page], None if ends or not page else page[-1][1]

    def total(self) -> int | None:
        if self.keep is not None:
            return None
        budget, total = MAX_ITEMS_COUNTED, 0
        for partition in self.partitions:
            counted = count(self._query(partition, None), budget) if budget > 0 else None
            if counted is None or counted > budget:
                return None
            total, budget = total + counted, budget - counted
        return total

    def page(self, size: int, start_after_id: str | None) -> Page:
        ids, next_id = self.keys(size, start_after_id)
        items = get_many(self.table, ids)
        if self.recheck is not None:
            items = [item for item in items if self.recheck(item)]
        if self.keep is None:
            return Page(items, self.total(), next_id)
        items = [item for item in items if self.keep(item)]
        whole = start_after_id is None and next_id is None  # every match is on this page
        return Page(items, len(items) if whole else None, next_id)

    def _query_before(self, partition: str, before: str) -> dict[str, Any]:
        """The partition's keys whose sort key is below `before`."""
        request = self._query(partition, None)
        request["KeyConditionExpression"] += " AND #sk < :before"
        request["ExpressionAttributeNames"]["#sk"] = self.sort_key
        request["ExpressionAttributeValues"][":before"] = {"S": before}
        return request

    def first_ids(self, before: str, limit: int) -> list[str]:
        """The `limit` ids with the smallest sort keys below `before` over all partitions: at most `limit`
        keys read per partition (one page each), merged in sort-key order."""
        rows: list[tuple[str, str]] = []
        for partition in self.partitions:
            items = client().query(**self._query_before(partition, before), Limit=limit).get("Items", [])
            rows += [(item[self.sort_key]["S"], item["id"]["S"]) for item in items]
        return [row_id for _, row_id in sorted(rows)[:limit]]

    def all_ids(
        self, before: str | None = None, where: tuple[str, dict[str, str], dict[str, Any]] | None = None
    ) -> tuple[list[str], int]:
        """Every id in the partitions with a sort key below `before`, and `where` (a FilterExpression
        with its names and values, on what the index projects); and the index entries read."""
        if before is not None and self.within is not None:
            raise ValueError("all_ids: `before` and `within` are not combined (one range per query)")
        ids: list[str] = []
        read = 0
        for partition in self.partitions:
            request = self._query(partition, None) if before is None else self._query_before(partition, before)
            if where is not None:
                expression, names, values = where
                request["FilterExpression"] = expression
                request["ExpressionAttributeNames"].update(names)
                request["ExpressionAttributeValues"].update({k: to_value(v) for k, v in values.items()})
            found, scanned = query_all(request)
            ids += [item["id"] for item in found]
            read += scanned
        return ids, read
