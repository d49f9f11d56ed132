"""tools/backfill_index_keys.py: a deployed table's items get the new index keys - idempotent and
resumable after an interruption, and what it writes makes the old items findable by the new indexes."""

from __future__ import annotations

import boto3

from local_stack import template
from order_service.core import dynamo
from tests.builders import facility_body, locked_order_body
from tools.backfill_index_keys import backfill


def strip_new_keys(table_logical_id: str) -> int:
    """Turns the table's items into items written by the old model: none of the new index keys
    (by-status-facility's, idxCreatedId), the old model's by-status and facility keys instead."""
    ddb = boto3.client("dynamodb")
    table = template.physical_name(table_logical_id)
    items = ddb.scan(TableName=table)["Items"]
    for item in items:
        ddb.update_item(
            TableName=table,
            Key={"id": item["id"]},
            UpdateExpression="SET idxStatusShard = :old, idxFacilityRef = :old "
            "REMOVE idxStatusFacility, idxFacilityCreatedId, idxCreatedId",
            ExpressionAttributeValues={":old": {"S": "old-model"}},
        )
    return len(items)


def test_backfilled_orders_are_found_by_status_again_and_a_second_run_writes_nothing(api, tmp_path):
    facility = api.post("/api/facilities", facility_body()).body["id"]
    created = {api.post("/api/orders", locked_order_body(f"check {n}")).body["id"] for n in range(7)}
    assert strip_new_keys("OrdersTable") == 7
    queue = {"status": "LOCKED", "facilityRef": facility, "size": "100"}  # the back office's queue
    assert api.get("/api/orders", query={"status": "LOCKED"}).body["orders"] == []  # old items: not indexed
    assert api.get("/api/orders", query=queue).body["orders"] == []

    checkpoint = tmp_path / "orders.json"
    table = template.physical_name("OrdersTable")
    interrupted = backfill("OrdersTable", table, checkpoint, page_size=3, max_pages=1)
    assert checkpoint.exists() and interrupted["updated"] == 3  # a crash here loses nothing: it resumes
    resumed = backfill("OrdersTable", table, checkpoint, page_size=3)
    again = backfill("OrdersTable", table, checkpoint, page_size=3)

    assert resumed["updated"] == 4 and not checkpoint.exists()
    assert again == {"read": 7, "updated": 0, "skipped": 7}
    found = api.get("/api/orders", query={"status": "LOCKED", "size": "100"}).body
    assert {o["id"] for o in found["orders"]} == created and found["total"] == 7
    assert all(o["version"] == 1 for o in found["orders"])  # index keys are not a change of the order
    in_queue = api.get("/api/orders", query=queue).body
    assert [o["id"] for o in in_queue["orders"]] == [o["id"] for o in found["orders"]] and in_queue["total"] == 7


def test_an_order_the_service_changes_during_the_backfill_is_read_again_and_gets_its_keys(api, tmp_path, monkeypatch):
    api.post("/api/facilities", facility_body())
    order = api.post("/api/orders", locked_order_body("check")).body
    strip_new_keys("OrdersTable")
    table = template.physical_name("OrdersTable")
    client = dynamo.client()
    real_update = client.update_item

    def another_write_first(**request):
        # between the backfill's read and its write, the service writes the order without touching its
        # index keys (as a reroute or a late routing does): a new version, the keys still missing
        monkeypatch.setattr(client, "update_item", real_update)
        real_update(
            TableName=table,
            Key={"id": {"S": order["id"]}},
            UpdateExpression="SET #v = #v + :one",
            ExpressionAttributeNames={"#v": "version"},
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        return real_update(**request)

    monkeypatch.setattr(client, "update_item", another_write_first)
    done = backfill("OrdersTable", table, tmp_path / "c.json")

    assert done == {"read": 1, "updated": 1, "skipped": 0}
    listed = api.get("/api/orders", query={"status": "LOCKED"}).body["orders"]
    assert [(o["id"], o["version"]) for o in listed] == [(order["id"], 2)]
