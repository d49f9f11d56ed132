"""Bounded reads: a list request reads at most a fixed number of items, whatever its filter, counted
with botocore's event hooks. The bounds are lowered here so that a few dozen items exceed them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from local_stack import template
from order_service.core import dynamo, keys
from tests.builders import facility_body, locked_order_body, order_body

PAGE_BUDGET, COUNT_BUDGET, SHARDS, ITEMS = 10, 15, 4, 40


@contextmanager
def items_read() -> Iterator[list[int]]:
    """Items DynamoDB evaluated for the calls made inside (ScannedCount of queries and scans, one per
    item fetched by key)."""
    read = [0]

    def after(event_name: str, parsed: dict[str, Any], **_: object) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation in ("Query", "Scan"):
            read[0] += parsed.get("ScannedCount", 0)
        elif operation == "GetItem":
            read[0] += 1
        elif operation == "BatchGetItem":
            read[0] += sum(len(items) for items in parsed.get("Responses", {}).values())

    events = dynamo.client().meta.events
    events.register("after-call.dynamodb", after)
    try:
        yield read
    finally:
        events.unregister("after-call.dynamodb", after)


def put_raw(table_logical_id: str, items: list[dict[str, Any]]) -> None:
    table = template.physical_name(table_logical_id)
    ddb = boto3.client("dynamodb")
    for start in range(0, len(items), 25):
        ddb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": dynamo.to_item(i)}} for i in items[start : start + 25]]}
        )


@pytest.fixture
def crowded(api, monkeypatch) -> dict[str, str]:
    """More items than the (lowered) bounds in every table a list route reads."""
    monkeypatch.setattr(dynamo, "MAX_ITEMS_READ_PER_PAGE", PAGE_BUDGET)
    monkeypatch.setattr(dynamo, "MAX_ITEMS_COUNTED", COUNT_BUDGET)
    monkeypatch.setattr(keys, "STATUS_SHARDS", SHARDS)  # a listing by status reads a key of each shard
    facility = api.post("/api/facilities", facility_body()).body
    for n in range(ITEMS - 1):
        api.post("/api/facilities", facility_body(f"Store {n}", status="OFFLINE"))
    for n in range(ITEMS):
        body = locked_order_body(f"check {n}") if n % 2 else order_body()
        assert api.post("/api/orders", body).status == 201
    order_ref = api.get("/api/orders", query={"size": "1"}).body["orders"][0]["id"]
    stamp = "2026-11-27T08:00:00.000Z"
    put_raw(
        "PickJobsTable",
        [
            {"id": f"pj-{n:03}", "orderRef": order_ref, "facilityRef": facility["id"], "status": "OPEN"}
            | {"created": stamp}
            for n in range(ITEMS)
        ],
    )
    put_raw(
        "SubscriptionsTable",
        [
            {"id": f"s-{n:03}", "event": "ORDER_CREATED", "created": stamp, "name": f"s{n}", "version": 1}
            for n in range(ITEMS)
        ],
    )
    return {"facility": facility["id"], "order": order_ref}


def list_requests(refs: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    facility, order = refs["facility"], refs["order"]
    orders = [
        {},
        {"status": "OPEN"},
        {"status": "LOCKED"},
        {"status": "CANCELLED"},
        {"facilityRef": facility},
        {"facilityRef": facility, "status": "LOCKED"},
        {"facilityRef": facility, "status": "OPEN"},
        {"tenantOrderId": "R-1001"},
        {"consumerId": "C-77"},
        {"consumerId": "C-77", "status": "CANCELLED"},
        {"statusReason": "zzzz"},
        {"statusReason": "zzzz", "status": "LOCKED"},
        {"statusReason": "check", "facilityRef": facility},
    ]
    pickjobs = [{}, {"orderRef": order}, {"facilityRef": facility}, {"status": "OPEN"}, {"status": "PICKED"}]
    pickjobs.append({"facilityRef": facility, "status": "PICKED"})
    return (
        [("/api/orders", q) for q in orders]
        + [("/api/pickjobs", q) for q in pickjobs]
        + [("/api/facilities", q) for q in ({}, {"status": "ONLINE"}, {"status": "OFFLINE"})]
        + [("/api/subscriptions", q) for q in ({}, {"event": "ORDER_CREATED"}, {"event": "ORDER_UNLOCKED"})]
    )


def test_every_list_request_reads_at_most_the_bound_whatever_its_filter(api, crowded):
    bound = dynamo.max_items_read_per_list()
    assert bound < ITEMS  # the tables hold more than one request may read
    reads = {}
    for path, query in list_requests(crowded):
        for size in ("1", "100"):
            with items_read() as read:
                reply = api.get(path, query={**query, "size": size})
            assert reply.status == 200, (path, query, reply.body)
            reads[(path, tuple(sorted(query.items())), size)] = read[0]

    assert max(reads.values()) <= bound, {k: v for k, v in reads.items() if v > bound}


def test_total_is_left_out_where_counting_would_read_past_the_bound(api, crowded):
    many = api.get("/api/orders", query={"facilityRef": crowded["facility"]}).body
    few = api.get("/api/orders", query={"status": "CANCELLED"}).body

    assert "total" not in many  # 40 orders at that facility: more than may be counted
    assert few["total"] == 0


def test_a_text_search_goes_on_with_a_cursor_and_finds_every_match(api, crowded):
    matches, requests, cursor = [], 0, None
    while True:
        query = {"statusReason": "CHECK 3", "size": "100"} | ({"startAfterId": cursor} if cursor else {})
        with items_read() as read:
            page = api.get("/api/orders", query=query).body
        requests += 1
        assert read[0] <= dynamo.max_items_read_per_list()
        matches += [o["statusReasons"][0]["reason"] for o in page["orders"]]
        cursor = page.get("nextStartAfterId")
        if cursor is None:
            break

    assert sorted(matches) == ["check 3", "check 31", "check 33", "check 35", "check 37", "check 39"]
    assert requests > 1  # a scan of 40 orders does not fit in one request's budget of 10
