"""The capacity model of `make bench`: write units per locked order's life, from real stream images.

A scenario runs through the real handlers on moto (in process): facilities (created by the
facilities API, so that their ids take the shards in turn as in production), then N LOCKED orders
spread over them (each with the full platform order of tests/fixtures), each UNLOCKed, and the orders
stream given to the pick-job creator. Every table's stream is then read back, and each record is
costed by DynamoDB's published sizing rules, with the tables and indexes exactly as template.yaml
declares them:

- a base-table write costs one write unit per started KB of the larger of the old and new item;
- an index write happens when an item enters or leaves the index (sparse keys), when its index key
  changes (a delete plus a put), or when an attribute the index projects changes (an update); each
  costs one unit per started KB of the index item (its keys plus what it projects);
- transactions cost double (the scenario's writes are single-item writes; the reroute's are not,
  and it is not part of this scenario);
- a partition (of a table or an index) takes 1,000 write units per second; an index that falls
  behind throttles its table's writes, so the busiest index partition caps the whole service.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, redirect_stdout
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from local_stack import template
from order_service.core.keys import STATUS_SHARDS

PARTITION_WCU_PER_SECOND = 1000
FACILITIES = 50


# ---------------------------------------------------------------- sizes ---
def attribute_value_size(value: dict[str, Any]) -> int:
    """Bytes of one DynamoDB attribute value (AWS: "Item sizes and formats")."""
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode("utf-8"))
    if kind == "N":
        digits = str(Decimal(content).normalize()).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + attribute_value_size(v) + 1 for k, v in content.items())
    if kind == "L":
        return 3 + sum(attribute_value_size(v) + 1 for v in content)
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_value_size({kind[0]: v}) for v in content)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + attribute_value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


# --------------------------------------------------------------- tables ---
@dataclass(frozen=True)
class IndexDefinition:
    name: str
    keys: tuple[str, ...]  # partition key, then sort key if any
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    include: tuple[str, ...] = ()

    def image(self, item: dict[str, Any] | None, table_keys: tuple[str, ...]) -> dict[str, Any] | None:
        """The index's copy of an item (None: the item is not in this sparse index)."""
        if not item or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return item
        kept = {*table_keys, *self.keys, *(self.include if self.projection == "INCLUDE" else ())}
        return {name: value for name, value in item.items() if name in kept}


@dataclass(frozen=True)
class TableDefinition:
    logical_id: str
    keys: tuple[str, ...]
    indexes: tuple[IndexDefinition, ...]


def table_definitions() -> dict[str, TableDefinition]:
    found = {}
    for logical_id, properties in template.resources("AWS::DynamoDB::Table").items():
        if "StreamSpecification" not in properties:
            continue
        indexes = tuple(
            IndexDefinition(
                index["IndexName"],
                tuple(key["AttributeName"] for key in index["KeySchema"]),
                index["Projection"]["ProjectionType"],
                tuple(index["Projection"].get("NonKeyAttributes") or ()),
            )
            for index in properties.get("GlobalSecondaryIndexes") or []
        )
        keys = tuple(key["AttributeName"] for key in properties["KeySchema"])
        found[logical_id] = TableDefinition(logical_id, keys, indexes)
    return found


# --------------------------------------------------------------- costing ---
@dataclass
class Costs:
    base: Counter[str] = field(default_factory=Counter)  # table -> write units
    index: Counter[str] = field(default_factory=Counter)  # "table/index" -> write units
    partitions: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))  # index -> pk -> WCU
    # index -> pk -> the facilities whose orders or pick jobs wrote there (how a partition is shared)
    facilities: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))

    def add_record(self, table: TableDefinition, record: dict[str, Any]) -> None:
        old = record["dynamodb"].get("OldImage")
        new = record["dynamodb"].get("NewImage")
        units = write_units(max(item_size(old), item_size(new)))
        self.base[table.logical_id] += units
        key = "|".join(json.dumps((old or new or {}).get(k), sort_keys=True) for k in table.keys)
        self.partitions[table.logical_id][key] += units
        for index in table.indexes:
            before, after = index.image(old, table.keys), index.image(new, table.keys)
            name = f"{table.logical_id}/{index.name}"
            for image, cost in self._index_writes(index, before, after):
                self.index[name] += cost
                partition = json.dumps(image[index.keys[0]], sort_keys=True)
                self.partitions[name][partition] += cost
                self.facilities[name][partition].add(_facility(image if index.projection == "ALL" else new or old))

    @staticmethod
    def _index_writes(
        index: IndexDefinition, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> list[tuple[dict[str, Any], int]]:
        if before is None:
            return [] if after is None else [(after, write_units(item_size(after)))]
        if after is None:
            return [(before, write_units(item_size(before)))]
        if any(before[key] != after[key] for key in index.keys):
            return [(before, write_units(item_size(before))), (after, write_units(item_size(after)))]
        if before != after:
            return [(after, write_units(max(item_size(before), item_size(after))))]
        return []


def _facility(item: dict[str, Any] | None) -> str:
    """The facility of an order or pick job image ("" for none)."""
    item = item or {}
    routing = item.get("routing", {}).get("M", {})
    return str((routing.get("facilityRef") or item.get("facilityRef") or {}).get("S", ""))


@dataclass
class Report:
    orders: int
    facilities: int
    base_per_order: float
    index_per_order: float
    per_index: dict[str, float]
    hottest: dict[str, tuple[float, float]]  # index -> (share of all writes, order rate at which it throttles)
    sharing: dict[str, int] = field(default_factory=dict)  # index -> facilities writing to its busiest partition

    @property
    def total_per_order(self) -> float:
        return self.base_per_order + self.index_per_order

    @property
    def amplification(self) -> float:
        return self.total_per_order / self.base_per_order

    @property
    def throttle_point(self) -> float:
        return min(rate for _, rate in self.hottest.values())

    @property
    def busiest(self) -> str:
        """The table or index whose busiest partition throttles first."""
        return min(self.hottest, key=lambda name: self.hottest[name][1])


def report(costs: Costs, orders: int, facilities: int) -> Report:
    total = sum(costs.base.values()) + sum(costs.index.values())
    hottest, sharing = {}, {}
    for name, by_partition in costs.partitions.items():
        partition, busiest = by_partition.most_common(1)[0]
        hottest[name] = (busiest / total, PARTITION_WCU_PER_SECOND / (busiest / orders))
        if name in costs.facilities:
            sharing[name] = len(costs.facilities[name][partition])
    return Report(
        orders,
        facilities,
        sum(costs.base.values()) / orders,
        sum(costs.index.values()) / orders,
        {name: units / orders for name, units in sorted(costs.index.items())},
        hottest,
        sharing,
    )


# -------------------------------------------------------------- scenario ---
@contextmanager
def _fast_dynamodb_answers() -> Iterator[None]:
    """The local stack's plain-JSON answers (the same documents, tests/tooling/test_moto_patches.py) for
    the scenario only: moto's generic serializer otherwise takes most of its time."""
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoResult

    from local_stack import moto_patches

    saved = {cls: cls.execute_result for cls in (ActionResult, DynamoResult)}
    moto_patches.fast_dynamodb_answers()
    try:
        yield
    finally:
        for cls, original in saved.items():
            cls.execute_result = original  # type: ignore[method-assign]


def run_scenario(orders: int = 200, facilities: int = FACILITIES) -> Report:
    """N locked orders over `facilities` facilities: created, unlocked, pick jobs made (handlers on moto)."""
    os.environ.update(
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled", POWERTOOLS_LOG_LEVEL="ERROR", POWERTOOLS_METRICS_DISABLED="true"
    )
    import boto3
    from moto import mock_aws

    from local_stack import provision
    from local_stack.apigw import LambdaContext, rest_event
    from local_stack.event_sources import StreamReader
    from tools.make_events import BODIES, SAMPLE_AUTHORIZER

    order_body = json.loads((template.ROOT / "tests" / "fixtures" / "full_order.json").read_text())
    functions = template.functions()
    with ExitStack() as stack:
        stack.enter_context(_fast_dynamodb_answers())
        stack.enter_context(mock_aws())
        created = provision.create_all(boto3.Session())
        os.environ.update(provision.function_environment(created["overrides"]))
        from order_service.core import dynamo
        from order_service.core.config import settings

        dynamo.client.cache_clear()
        settings.cache_clear()

        def call(function: str, method: str, resource: str, path: str, body: Any) -> dict[str, Any]:
            reply = template.handler(functions[function])(
                rest_event(method, resource, path, body=json.dumps(body), authorizer=SAMPLE_AUTHORIZER),
                LambdaContext("capacity"),
            )
            assert reply["statusCode"] in (200, 201), reply
            return dict(json.loads(reply["body"]))

        facility_ids = [
            call("FacilitiesApiFunction", "POST", "/api/facilities", "/api/facilities", BODIES["CreateFacility"])["id"]
            for _ in range(facilities)
        ]
        readers = {
            logical_id: StreamReader(boto3.client("dynamodbstreams"), arn, logical_id)
            for logical_id, arn in created["streams"].items()
        }
        for reader in readers.values():
            reader.read()  # the facilities' own writes are not part of an order's life
        costs = Costs()
        definitions = table_definitions()
        for n in range(orders):
            body = {
                **order_body,
                "tenantOrderId": f"capacity-{n}",
                "consumer": {**order_body["consumer"], "consumerId": f"consumer-{n}"},
                "deliveryPreferences": {"collect": [{"facilityRef": facility_ids[n % facilities]}]},
            }
            order = call("OrdersApiFunction", "POST", "/api/orders", "/api/orders", body)
            call(
                "OrdersApiFunction",
                "POST",
                "/api/orders/{orderId}/actions",
                f"/api/orders/{order['id']}/actions",
                {"name": "UNLOCK", "version": order["version"]},
            )
        order_records = readers["OrdersTable"].read()
        creator = template.handler(functions["PickJobCreatorFunction"])
        creator({"Records": order_records}, LambdaContext("capacity"))
        for logical_id, reader in readers.items():
            records = order_records if logical_id == "OrdersTable" else reader.read()
            for record in records:
                costs.add_record(definitions[logical_id], record)
    return report(costs, orders, facilities)


def main() -> None:
    logging.disable(logging.WARNING)  # the handlers' logs are not the report
    with redirect_stdout(io.StringIO()):  # nor their metrics (Powertools flushes every 100)
        result = run_scenario(int(os.environ.get("CAPACITY_ORDERS", "640")))
    print(f"# Capacity model: {result.orders} locked orders over {result.facilities} facilities")
    print("  (create LOCKED -> UNLOCK -> pick job; full platform order; DynamoDB's sizing rules)")
    print(f"write units per locked order's life: {result.total_per_order:.1f}")
    print(f"  base tables: {result.base_per_order:.1f}   indexes: {result.index_per_order:.1f}")
    print(f"amplification (all writes / base-table writes): {result.amplification:.2f}x (goal <= 2.0x)")
    for name, units in result.per_index.items():
        print(f"  {name:40} {units:5.2f} WCU per order")
    print("busiest partition of each table and index: share of all writes, order rate at which it throttles,")
    print("  facilities whose orders write to it")
    for name, (share, rate) in sorted(result.hottest.items(), key=lambda item: item[1][1]):
        shared = f"   {result.sharing[name]:3} of {result.facilities}" if name in result.sharing else ""
        print(f"  {name:40} {share * 100:5.1f}%   {rate:10,.0f} orders/s{shared}")
    print(f"throttle point (busiest partition): {result.throttle_point:,.0f} orders/s (goal >= 10,000)")
    if result.busiest in result.sharing:
        fewest = math.ceil(result.facilities / STATUS_SHARDS)  # facilities fill the shards in turn
        print(
            f"  {result.busiest}: {result.sharing[result.busiest]} of {result.facilities} facilities write to it "
            f"(facilities get shards in turn: at most {fewest} per shard of {STATUS_SHARDS})"
        )


if __name__ == "__main__":
    main()
