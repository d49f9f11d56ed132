"""tools/backfill_index_keys.py: a deployed table's items get the new index keys - idempotent and
resumable after an interruption, and what it writes makes the old items findable by the new indexes."""

from __future__ import annotations

import boto3

from local_stack import template
from order_service.core import dynamo
from tests.builders import facility_body, locked_order_body
from tools.backfill_index_keys import backfill


def strip_new_keys(table_logical_id: str) -> int:
    """Turns the table's items into items written by the old model: no idxStatusShard."""
    ddb = boto3.client("dynamodb")
    table = template.physical_name(table_logical_id)
    items = ddb.scan(TableName=table)["Items"]
    for item in items:
        ddb.update_item(TableName=table, Key={"id": item["id"]}, UpdateExpression="REMOVE idxStatusShard")
    return len(items)


def test_backfilled_orders_are_found_by_status_again_and_a_second_run_writes_nothing(api, tmp_path):
    api.post("/api/facilities", facility_body())
    created = {api.post("/api/orders", locked_order_body(f"check {n}")).body["id"] for n in range(7)}
    assert strip_new_keys("OrdersTable") == 7
    assert api.get("/api/orders", query={"status": "LOCKED"}).body["orders"] == []  # old items: not indexed

    checkpoint = tmp_path / "orders.json"
    table = template.physical_name("OrdersTable")
    interrupted = backfill("OrdersTable", table, checkpoint, page_size=3, max_pages=1)
    assert checkpoint.exists() and interrupted["updated"] == 3  # a crash here loses nothing: it resumes
    resumed = backfill("OrdersTable", table, checkpoint, page_size=3)
    again = backfill("OrdersTable", table, checkpoint, page_size=3)

    assert resumed["updated"] == 4 and not checkpoint.exists()
    assert again == {"read": 7, "updated": 0, "skipped": 7, "changed_meanwhile": 0}
    found = api.get("/api/orders", query={"status": "LOCKED", "size": "100"}).body
    assert {o["id"] for o in found["orders"]} == created and found["total"] == 7
    assert all(o["version"] == 1 for o in found["orders"])  # index keys are not a change of the order


def test_an_order_changed_by_the_service_during_the_backfill_keeps_the_service_s_write(api, tmp_path, monkeypatch):
    api.post("/api/facilities", facility_body())
    order = api.post("/api/orders", locked_order_body("check")).body
    strip_new_keys("OrdersTable")
    real_update = dynamo.client().update_item

    def unlock_first(**request):  # the service unlocks the order between the backfill's read and write
        api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})
        dynamo.client().update_item = real_update
        return real_update(**request)

    monkeypatch.setattr(dynamo.client(), "update_item", unlock_first)
    done = backfill("OrdersTable", template.physical_name("OrdersTable"), tmp_path / "c.json")

    assert done["changed_meanwhile"] == 1
    assert [o["id"] for o in api.get("/api/orders", query={"status": "OPEN"}).body["orders"]] == [order["id"]]
