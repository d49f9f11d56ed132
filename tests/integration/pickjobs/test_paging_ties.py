"""Paging goes on exactly after the last item shown, even when many items were created in the same
millisecond (a reroute run stamps all its new pick jobs with one `created`): every item once, in order."""

from __future__ import annotations

from typing import Any

import boto3

from local_stack import template
from order_service.core import dynamo
from order_service.pickjobs import store as pickjob_store
from order_service.pickjobs.rules import new_pickjob
from tests.builders import facility_body

STAMP = "2026-11-27T08:00:00.000Z"


def seed_pick_jobs_created_together(facility_id: str, count: int) -> set[str]:
    order = {
        "id": "o",
        "routing": {"facilityRef": facility_id, "status": "ROUTED", "attempts": []},
        "orderLineItems": [{"id": "l", "article": {"tenantArticleId": "a", "title": "A"}, "quantity": 1}],
    }
    ddb, table = boto3.client("dynamodb"), template.physical_name("PickJobsTable")
    ids = set()
    for start in range(0, count, 25):
        batch = []
        for n in range(start, min(start + 25, count)):
            job: Any = {**new_pickjob({**order, "id": f"order-{n:03}"}, STAMP), "id": f"pj-{n:03}"}
            batch.append({"PutRequest": {"Item": dynamo.to_item(pickjob_store.stored(job))}})
            ids.add(job["id"])
        ddb.batch_write_item(RequestItems={table: batch})
    return ids


def page_through(api, query: dict[str, str]) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(200):
        page = api.get("/api/pickjobs", query={**query, "size": "4"} | ({"startAfterId": cursor} if cursor else {}))
        assert page.status == 200, page.body
        seen += [job["id"] for job in page.body["pickjobs"]]
        cursor = page.body.get("nextStartAfterId")
        if cursor is None:
            return seen
    raise AssertionError("paging did not end")


def test_pages_of_items_created_in_one_millisecond_show_each_once_by_facility_and_by_status(api):
    facility = api.post("/api/facilities", facility_body()).body
    created = seed_pick_jobs_created_together(facility["id"], 60)

    by_facility = page_through(api, {"facilityRef": facility["id"]})
    by_status = page_through(api, {"status": "OPEN"})  # a fan-out over the status shards

    assert sorted(by_facility) == sorted(created) and len(by_facility) == len(set(by_facility))
    assert sorted(by_status) == sorted(created) and len(by_status) == len(set(by_status))
    assert by_facility == sorted(by_facility)  # "{created}#{id}": same millisecond, then by id
