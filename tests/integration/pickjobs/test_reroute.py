"""Time-triggered reroute, with an injected clock: pick jobs not started in time move on; locked orders
are never touched (their clock starts at unlock); waiting orders are routed when a facility is ONLINE."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from local_stack import template
from local_stack.apigw import LambdaContext
from order_service.core import clock
from order_service.core.keys import STATUS_SHARDS
from order_service.pickjobs import reroute
from tests.builders import MUNICH, facility_body, locked_order_body, order_body


@pytest.fixture
def facilities(api) -> dict[str, dict]:
    return {
        "berlin": api.post("/api/facilities", facility_body("Berlin")).body,
        "munich": api.post("/api/facilities", facility_body("Munich", MUNICH)).body,
    }


def configure(api, active: bool = True, minutes: int = 60) -> dict:
    current = api.get("/api/configurations/reroute").body
    reply = api.request(
        "PUT",
        "/api/configurations/reroute",
        {"active": active, "rerouteAfterMinutes": minutes, "rerouteTargetTimeHours": 48, "version": current["version"]},
    )
    assert reply.status == 200, reply.body
    return reply.body


def later(minutes: float):
    return clock.now() + timedelta(minutes=minutes)


def jobs_of(api, order_id: str) -> list[dict]:
    return api.get("/api/pickjobs", query={"orderRef": order_id}).body["pickjobs"]


def test_an_open_pick_job_past_the_threshold_moves_to_the_other_facility(api, streams, event_sink, facilities):
    configure(api, minutes=60)
    order = api.post("/api/orders", order_body()).body
    streams.drain()

    assert reroute.run(later(30)).rerouted == 0
    report = reroute.run(later(61))
    streams.drain()

    assert (report.candidates, report.rerouted) == (1, 1)
    old, new = sorted(jobs_of(api, order["id"]), key=lambda j: j["status"] == "OPEN")
    assert (old["status"], old["facilityRef"]) == ("REROUTED", facilities["berlin"]["id"])
    assert (new["status"], new["facilityRef"]) == ("OPEN", facilities["munich"]["id"])
    assert new["reroutedFrom"] == old["id"] and old["reroutedTo"] == new["id"]
    routing = api.get(f"/api/orders/{order['id']}").body["routing"]
    assert routing["facilityRef"] == facilities["munich"]["id"]
    assert routing["attempts"] == [facilities["berlin"]["id"]]
    [event] = event_sink.envelopes("PICK_JOB_REROUTED")
    assert (event["payload"]["oldPickJobRef"], event["payload"]["newPickJobRef"]) == (old["id"], new["id"])
    assert event["payload"]["newFacilityRef"] == facilities["munich"]["id"]
    assert event["payload"]["order"]["id"] == order["id"]
    assert [e["payload"]["id"] for e in event_sink.envelopes("PICK_JOB_CREATED")][-1] == new["id"]


def test_a_started_pick_job_stays(api, streams, facilities):
    configure(api)
    order = api.post("/api/orders", order_body()).body
    streams.drain()
    job = jobs_of(api, order["id"])[0]
    api.patch(f"/api/pickjobs/{job['id']}", {"version": 1, "status": "IN_PROGRESS"})

    report = reroute.run(later(24 * 60))

    assert (report.candidates, report.rerouted) == (0, 0)
    assert [j["status"] for j in jobs_of(api, order["id"])] == ["IN_PROGRESS"]


def test_an_inactive_configuration_does_nothing(api, streams, facilities):
    configure(api, active=False)
    order = api.post("/api/orders", order_body()).body
    streams.drain()

    report = reroute.run(later(10 * 24 * 60))

    assert (report.candidates, report.rerouted) == (0, 0)
    assert [j["status"] for j in jobs_of(api, order["id"])] == ["OPEN"]


def test_a_locked_order_is_never_touched_and_its_clock_starts_at_unlock(api, streams, event_sink, facilities):
    configure(api, minutes=60)
    order = api.post("/api/orders", locked_order_body()).body
    streams.drain()

    report = reroute.run(later(10 * 24 * 60))
    streams.drain()

    assert report.candidates == 0
    assert jobs_of(api, order["id"]) == []
    assert api.get(f"/api/orders/{order['id']}").body == order  # no routing change, same version
    assert [e["event"] for e in event_sink.envelopes()] == ["ORDER_CREATED", "ORDER_HOLD_PLACED"]  # its DEFAULT hold

    api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})
    streams.drain()
    assert reroute.run(later(59)).rerouted == 0  # an hour after the *unlock* has not passed
    assert reroute.run(later(61)).rerouted == 1


def test_two_concurrent_runs_reroute_each_pick_job_once(api, streams, facilities):
    configure(api)
    orders = [api.post("/api/orders", order_body()).body for _ in range(3)]
    streams.drain()
    moment = later(61)
    reports = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        reports.append(reroute.run(moment))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.rerouted for r in reports) == 3
    for order in orders:
        assert sorted(j["status"] for j in jobs_of(api, order["id"])) == ["OPEN", "REROUTED"]
        assert len(api.get(f"/api/orders/{order['id']}").body["routing"]["attempts"]) == 1


def test_a_throttled_candidate_is_logged_the_run_goes_on_and_the_next_run_moves_it(
    api, streams, facilities, monkeypatch
):
    from order_service.orders import store as order_store

    configure(api)
    orders = [api.post("/api/orders", order_body()).body for _ in range(3)]
    streams.drain()
    read_order = order_store.get

    def throttled_for_the_second(order_id):
        if order_id == orders[1]["id"]:
            raise throttled("GetItem")  # what is left once boto3's own retries gave up
        return read_order(order_id)

    monkeypatch.setattr(order_store, "get", throttled_for_the_second)
    first = reroute.run(later(61))
    monkeypatch.setattr(order_store, "get", read_order)
    second = reroute.run(later(62))

    assert (first.rerouted, first.errors) == (2, 1)
    assert (second.rerouted, second.errors) == (1, 0)
    for order in orders:
        assert sorted(j["status"] for j in jobs_of(api, order["id"])) == ["OPEN", "REROUTED"]


def throttled(operation: str):
    from botocore.exceptions import ClientError

    error = {
        "Code": "ProvisionedThroughputExceededException",
        "Message": "Rate of requests exceeds the allowed throughput.",
    }
    return ClientError({"Error": error}, operation)


def test_stuck_pick_jobs_cost_no_reads_until_a_facility_comes_online(api, streams, monkeypatch):
    from tests.integration.orders.test_dynamodb_calls import counting

    api.post("/api/facilities", facility_body("Berlin"))
    configure(api)
    orders = [api.post("/api/orders", order_body()).body for _ in range(20)]
    streams.drain()
    assert reroute.run(later(61)).failed == 20  # nowhere to go: each marked once

    with counting() as calls:
        stuck = reroute.run(later(120))

    assert (stuck.candidates, stuck.failed) == (0, 0)
    # the configuration, the waiting orders, the ONLINE facilities, the candidates (one query per shard
    # of the sharded by-status index): nothing per pick job (before: 21 GetItem on every run)
    assert calls == {"GetItem": 1, "Query": 2 + STATUS_SHARDS}

    moment = later(130)
    monkeypatch.setattr(clock, "now", lambda: moment)  # Munich comes ONLINE after they were marked
    assert api.post("/api/facilities", facility_body("Munich", MUNICH)).status == 201
    monkeypatch.undo()
    moved = reroute.run(later(140))

    assert (moved.candidates, moved.rerouted) == (20, 20)
    for order in orders:
        assert sorted(j["status"] for j in jobs_of(api, order["id"])) == ["OPEN", "REROUTED"]


def test_a_configuration_stored_before_the_bounds_does_not_break_the_run(api, streams, facilities):
    import boto3

    boto3.client("dynamodb").put_item(
        TableName=template.physical_name("ConfigurationsTable"),
        Item={
            "id": {"S": "reroute"},
            "active": {"BOOL": True},
            "rerouteAfterMinutes": {"N": str(10**12)},
            "rerouteTargetTimeHours": {"N": str(10**12)},
            "version": {"N": "1"},
        },
    )
    api.post("/api/orders", order_body())
    streams.drain()

    report = reroute.run(later(61))  # before: OverflowError, every run

    assert report.candidates == 0 and report.errors == 0


def test_no_facility_left_publishes_one_failure_and_leaves_the_pick_job(api, streams, event_sink):
    api.post("/api/facilities", facility_body("Berlin"))
    configure(api)
    order = api.post("/api/orders", order_body()).body
    streams.drain()

    first, second = reroute.run(later(61)), reroute.run(later(120))
    streams.drain()

    assert (first.failed, second.failed) == (1, 0)
    [job] = jobs_of(api, order["id"])
    assert job["status"] == "OPEN" and job["rerouteFailedAt"]
    [failure] = event_sink.envelopes("TIME_TRIGGERED_REROUTE_FAILED")
    assert failure["payload"]["pickJob"]["id"] == job["id"]
    assert failure["payload"]["facilityRef"] == job["facilityRef"]


def test_a_waiting_order_is_routed_when_a_facility_comes_online_and_gets_its_pick_job(api, streams):
    offline = api.post("/api/facilities", facility_body("Berlin", status="OFFLINE")).body
    order = api.post("/api/orders", order_body()).body
    assert order["routing"]["status"] == "NOT_ROUTABLE"
    assert reroute.run(later(0)).routed == 0

    api.patch(f"/api/facilities/{offline['id']}", {"version": 1, "status": "ONLINE"})
    report = reroute.run(later(1))
    streams.drain()

    assert report.routed == 1
    routed = api.get(f"/api/orders/{order['id']}").body
    assert routed["routing"]["status"] == "ROUTED" and routed["routing"]["facilityRef"] == offline["id"]
    assert [j["facilityRef"] for j in jobs_of(api, order["id"])] == [offline["id"]]
    assert reroute.run(later(2)).routed == 0


def test_a_waiting_locked_order_is_routed_but_gets_no_pick_job(api, streams):
    offline = api.post("/api/facilities", facility_body("Berlin", status="OFFLINE")).body
    order = api.post("/api/orders", locked_order_body()).body
    api.patch(f"/api/facilities/{offline['id']}", {"version": 1, "status": "ONLINE"})

    reroute.run(later(1))
    streams.drain()

    assert api.get(f"/api/orders/{order['id']}").body["routing"]["facilityRef"] == offline["id"]
    assert jobs_of(api, order["id"]) == []
    locked_here = api.get("/api/orders", query={"status": "LOCKED", "facilityRef": offline["id"]}).body
    assert [o["id"] for o in locked_here["orders"]] == [order["id"]]


def test_the_scheduled_handler_uses_the_clock(api, streams, facilities, monkeypatch):
    configure(api)
    api.post("/api/orders", order_body())
    streams.drain()
    moment = later(61)
    monkeypatch.setattr(clock, "now", lambda: moment)
    function = template.functions()["RerouteFunction"]

    result = template.handler(function)(
        {"source": "aws.events", "detail-type": "Scheduled Event"}, LambdaContext("RerouteFunction")
    )

    assert result["rerouted"] == 1


class TestConfigurationApi:
    def test_defaults_then_versioned_put(self, api):
        assert api.get("/api/configurations/reroute").body == {
            "active": False,
            "rerouteAfterMinutes": 1440,
            "rerouteTargetTimeHours": 48,
            "version": 0,
        }

        first = api.request(
            "PUT", "/api/configurations/reroute", {"active": True, "rerouteAfterMinutes": 30, "version": 0}
        )
        second = api.request("PUT", "/api/configurations/reroute", {"active": False, "version": 1})
        stale = api.request("PUT", "/api/configurations/reroute", {"active": True, "version": 1})

        assert (first.status, first.body["version"], first.body["rerouteAfterMinutes"]) == (200, 1, 30)
        assert (second.body["version"], second.body["rerouteAfterMinutes"]) == (2, 1440)
        assert second.body["created"] == first.body["created"]
        assert stale.status == 409 and (stale.body[0]["version"], stale.body[0]["requestVersion"]) == (2, 1)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"rerouteAfterMinutes": 4, "version": 0}, "rerouteAfterMinutes"),
            ({"rerouteAfterMinutes": 10**12, "version": 0}, "rerouteAfterMinutes"),
            ({"rerouteAfterMinutes": 525_601, "version": 0}, "rerouteAfterMinutes"),  # more than a year
            ({"rerouteTargetTimeHours": 8_761, "version": 0}, "rerouteTargetTimeHours"),
            ({"rerouteTargetTimeHours": 0, "version": 0}, "rerouteTargetTimeHours"),
            ({"active": "yes", "version": 0}, "active"),
            ({"active": True}, "version"),
            ({"active": True, "version": 0, "colour": "red"}, "colour"),
        ],
    )
    def test_bad_values_are_400(self, api, body, field):
        reply = api.request("PUT", "/api/configurations/reroute", body)

        assert reply.status == 400 and reply.body[0]["description"].startswith(field)
