"""CANCEL stops at a started pick job; FORCE_CANCEL does not, and its pick job is cancelled with it."""

from __future__ import annotations

import pytest

from local_stack import template
from tests.builders import facility_body, order_body

REVIEWER = template.authorizer_context("rita", "reviewers")


@pytest.fixture
def picking(api, streams) -> tuple[dict, dict]:
    """An OPEN order whose pick job has been started (IN_PROGRESS)."""
    api.post("/api/facilities", facility_body())
    order = api.post("/api/orders", order_body()).body
    streams.drain()
    [job] = api.get("/api/pickjobs", query={"orderRef": order["id"]}).body["pickjobs"]
    started = api.patch(f"/api/pickjobs/{job['id']}", {"version": job["version"], "status": "IN_PROGRESS"})
    assert started.status == 200
    return order, started.body


def pickjob_status(api, job: dict) -> str:
    return api.get(f"/api/pickjobs/{job['id']}").body["status"]


def test_cancel_of_an_order_whose_picking_started_is_a_409_and_picking_goes_on(api, streams, picking):
    order, job = picking

    reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": order["version"]})
    streams.drain()

    assert reply.status == 409
    assert "pick job has started" in reply.body[0]["summary"]
    assert "FORCE_CANCEL" in reply.body[0]["summary"]
    assert (reply.body[0]["version"], reply.body[0]["requestVersion"]) == (order["version"], order["version"])
    assert api.get(f"/api/orders/{order['id']}").body["status"] == "OPEN"
    assert pickjob_status(api, job) == "IN_PROGRESS"


def test_cancel_of_an_order_whose_pick_job_is_picked_is_a_409(api, picking):
    order, job = picking
    assert api.patch(f"/api/pickjobs/{job['id']}", {"version": job["version"], "status": "PICKED"}).status == 200

    reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": order["version"]})

    assert reply.status == 409 and "pick job has started" in reply.body[0]["summary"]


def test_force_cancel_cancels_the_order_and_its_started_pick_job_and_publishes_both(api, streams, event_sink, picking):
    order, job = picking

    reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "FORCE_CANCEL", "version": order["version"]})
    streams.drain()

    assert (reply.status, reply.body["status"], reply.body["version"]) == (200, "CANCELLED", order["version"] + 1)
    assert pickjob_status(api, job) == "CANCELED"
    assert [e["payload"]["id"] for e in event_sink.envelopes("ORDER_CANCELLED")] == [order["id"]]
    cancelled_jobs = event_sink.envelopes("PICK_JOB_CANCELLED")
    assert [(e["payload"]["id"], e["payload"]["status"]) for e in cancelled_jobs] == [(job["id"], "CANCELED")]


def test_force_cancel_needs_the_force_cancel_permission(api, picking):
    order, _job = picking

    reply = api.post(
        f"/api/orders/{order['id']}/actions",
        {"name": "FORCE_CANCEL", "version": order["version"]},
        authorizer=REVIEWER,
    )

    assert reply.status == 403
    assert api.get(f"/api/orders/{order['id']}").body["status"] == "OPEN"


def test_force_cancel_with_a_stale_version_is_a_409_and_changes_nothing(api, picking):
    order, job = picking

    reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "FORCE_CANCEL", "version": order["version"] + 5})

    assert reply.status == 409 and reply.body[0]["requestVersion"] == order["version"] + 5
    assert pickjob_status(api, job) == "IN_PROGRESS"


def test_picking_cannot_go_on_once_the_order_is_cancelled(api, facility_order_with_open_job):
    order, job = facility_order_with_open_job
    assert api.post(f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": order["version"]}).status == 200

    # before the orders stream has cancelled the pick job
    reply = api.patch(f"/api/pickjobs/{job['id']}", {"version": job["version"], "status": "IN_PROGRESS"})

    assert reply.status == 409
    assert "CANCELLED" in reply.body[0]["summary"]
    assert pickjob_status(api, job) == "OPEN"


def test_plain_cancel_still_cancels_the_open_pick_job(api, streams, event_sink, facility_order_with_open_job):
    order, job = facility_order_with_open_job

    reply = api.post(f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": order["version"]})
    streams.drain()

    assert reply.status == 200
    assert pickjob_status(api, job) == "CANCELED"
    assert [e["payload"]["id"] for e in event_sink.envelopes("PICK_JOB_CANCELLED")] == [job["id"]]


@pytest.fixture
def facility_order_with_open_job(api, streams) -> tuple[dict, dict]:
    api.post("/api/facilities", facility_body())
    order = api.post("/api/orders", order_body()).body
    streams.drain()
    [job] = api.get("/api/pickjobs", query={"orderRef": order["id"]}).body["pickjobs"]
    return order, job
