"""Pick jobs over the API: list with filters, get, PATCH status forward with the version."""

from __future__ import annotations

import pytest

from order_service.pickjobs.models import PickJob
from tests.builders import MUNICH, facility_body, order_body


@pytest.fixture
def jobs(api, streams) -> list[dict]:
    berlin = api.post("/api/facilities", facility_body()).body
    munich = api.post("/api/facilities", facility_body("Munich", MUNICH)).body
    orders = [api.post("/api/orders", order_body()).body for _ in range(2)]
    orders.append(api.post("/api/orders", order_body(coordinates=MUNICH)).body)
    streams.drain()
    listed = api.get("/api/pickjobs").body["pickjobs"]
    assert {j["facilityRef"] for j in listed} == {berlin["id"], munich["id"]}
    return listed


def test_get_and_list_by_order_and_facility(api, jobs):
    job = jobs[0]

    assert api.get(f"/api/pickjobs/{job['id']}").body == job
    PickJob.model_validate(job)
    by_order = api.get("/api/pickjobs", query={"orderRef": job["orderRef"]}).body
    assert by_order == {"pickjobs": [job], "total": 1}
    by_facility = api.get("/api/pickjobs", query={"facilityRef": job["facilityRef"], "status": "OPEN"}).body
    assert by_facility["total"] == len([j for j in jobs if j["facilityRef"] == job["facilityRef"]])


def test_patch_moves_forward_with_the_version(api, jobs):
    job = jobs[0]

    started = api.patch(f"/api/pickjobs/{job['id']}", {"version": 1, "status": "IN_PROGRESS"})
    picked = api.patch(f"/api/pickjobs/{job['id']}", {"version": 2, "status": "PICKED"})

    assert (started.status, started.body["status"]) == (200, "IN_PROGRESS")
    assert (picked.status, picked.body["status"], picked.body["version"]) == (200, "PICKED", 3)
    assert api.get("/api/pickjobs", query={"status": "PICKED"}).body["total"] == 1


def test_patch_with_a_stale_version_or_backwards_is_a_409(api, jobs):
    job = jobs[0]
    api.patch(f"/api/pickjobs/{job['id']}", {"version": 1, "status": "PICKED"})

    stale = api.patch(f"/api/pickjobs/{job['id']}", {"version": 1, "status": "IN_PROGRESS"})
    backwards = api.patch(f"/api/pickjobs/{job['id']}", {"version": 2, "status": "IN_PROGRESS"})

    assert stale.status == 409 and (stale.body[0]["version"], stale.body[0]["requestVersion"]) == (2, 1)
    assert backwards.status == 409 and "PICKED" in backwards.body[0]["summary"]


def test_patch_refuses_statuses_clients_may_not_set(api, jobs):
    reply = api.patch(f"/api/pickjobs/{jobs[0]['id']}", {"version": 1, "status": "REROUTED"})

    assert reply.status == 400
    assert reply.body[0]["description"].startswith("status")


def test_missing_pick_job_is_a_404(api):
    assert api.get("/api/pickjobs/nope").status == 404


def test_paging_goes_on_after_the_cursor_pick_job_was_started(api, jobs):
    first = api.get("/api/pickjobs", query={"status": "OPEN", "size": "1"}).body
    cursor = first["pickjobs"][0]
    api.patch(f"/api/pickjobs/{cursor['id']}", {"version": 1, "status": "IN_PROGRESS"})

    rest = api.get("/api/pickjobs", query={"status": "OPEN", "startAfterId": cursor["id"]})

    assert rest.status == 200
    assert {j["id"] for j in rest.body["pickjobs"]} == {j["id"] for j in jobs} - {cursor["id"]}
