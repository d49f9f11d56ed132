"""The orders stream: a locked order gets no pick job until it is unlocked; every change becomes an event."""

from __future__ import annotations

import copy
import json

import boto3
import pytest

from local_stack import template
from local_stack.apigw import LambdaContext
from local_stack.event_sources import passes, stream_mappings
from tests.builders import facility_body, locked_order_body, order_body
from tests.fake_bus import FakeBus

EVENTS = template.ROOT / "events" / "streams"


def handler(logical_id: str):
    function = template.functions()[logical_id]
    return lambda event, _context: template.handler(function)(event, LambdaContext(logical_id))


def pickjobs_of(api, order_id: str) -> list[dict]:
    return api.get("/api/pickjobs", query={"orderRef": order_id}).body["pickjobs"]


@pytest.fixture
def facility(api) -> dict:
    return api.post("/api/facilities", facility_body()).body


@pytest.fixture
def fake_bus(aws, monkeypatch) -> FakeBus:
    """The publisher's EventBridge client replaced by a bus that enforces PutEvents' limits."""
    from order_service.events import bus as event_bus

    bus = FakeBus()
    monkeypatch.setattr(event_bus, "client", lambda: bus)
    return bus


def test_locked_order_gets_no_pick_job_until_unlocked(api, streams, event_sink, facility):
    order = api.post("/api/orders", locked_order_body()).body
    streams.drain()

    assert pickjobs_of(api, order["id"]) == []
    created = event_sink.envelopes("ORDER_CREATED")
    assert [e["payload"]["status"] for e in created] == ["LOCKED"]
    assert created[0]["payload"]["id"] == order["id"]

    unlocked = api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1}).body
    streams.drain()

    jobs = pickjobs_of(api, order["id"])
    assert len(jobs) == 1
    assert jobs[0]["facilityRef"] == facility["id"] == order["routing"]["facilityRef"]
    assert jobs[0]["status"] == "OPEN"
    assert [line["quantity"] for line in jobs[0]["pickLineItems"]] == [
        line["quantity"] for line in order["orderLineItems"]
    ]
    unlock_events = event_sink.envelopes("ORDER_UNLOCKED")
    assert len(unlock_events) == 1
    assert unlock_events[0]["payload"]["status"] == "OPEN"
    assert unlock_events[0]["payload"]["version"] == unlocked["version"]
    assert [e["payload"]["id"] for e in event_sink.envelopes("PICK_JOB_CREATED")] == [jobs[0]["id"]]


def test_open_order_gets_its_pick_job_at_once(api, streams, event_sink, facility):
    order = api.post("/api/orders", order_body()).body
    streams.drain()

    jobs = pickjobs_of(api, order["id"])
    assert len(jobs) == 1 and jobs[0]["shortId"].startswith("PJ-")
    assert [e["payload"]["status"] for e in event_sink.envelopes("ORDER_CREATED")] == ["OPEN"]


def test_not_routable_order_gets_no_pick_job(api, streams):
    order = api.post("/api/orders", order_body()).body  # no facility at all
    streams.drain()

    assert order["routing"]["status"] == "NOT_ROUTABLE"
    assert pickjobs_of(api, order["id"]) == []


def test_cancel_cancels_the_open_pick_job_and_is_published(api, streams, event_sink, facility):
    order = api.post("/api/orders", order_body()).body
    streams.drain()

    api.post(f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": 1})
    streams.drain()

    assert [j["status"] for j in pickjobs_of(api, order["id"])] == ["CANCELED"]
    assert [e["payload"]["status"] for e in event_sink.envelopes("ORDER_CANCELLED")] == ["CANCELLED"]


def test_cancel_of_a_locked_order_touches_no_pick_job(api, streams, event_sink, facility):
    order = api.post("/api/orders", locked_order_body()).body
    api.post(f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": 1})
    streams.drain()

    assert pickjobs_of(api, order["id"]) == []
    assert len(event_sink.envelopes("ORDER_CANCELLED")) == 1


def test_the_same_batch_three_times_gives_one_pick_job_and_the_same_event_ids(api, aws, facility, event_sink):
    from local_stack.event_sources import StreamReader

    order = api.post("/api/orders", locked_order_body()).body
    api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})
    reader = StreamReader(boto3.client("dynamodbstreams"), aws["streams"]["OrdersTable"], "OrdersTable")
    batch = {"Records": reader.read()}

    for _ in range(3):
        assert handler("PickJobCreatorFunction")(copy.deepcopy(batch), None) == {"batchItemFailures": []}
        assert handler("EventPublisherFunction")(copy.deepcopy(batch), None) == {"batchItemFailures": []}

    assert len(pickjobs_of(api, order["id"])) == 1
    envelopes = event_sink.envelopes()
    assert len(envelopes) == 12
    # ORDER_CREATED, ORDER_HOLD_PLACED (its DEFAULT hold), ORDER_HOLD_RELEASED and ORDER_UNLOCKED, three times each
    assert len({e["eventId"] for e in envelopes}) == 4


def test_a_poisoned_record_fails_alone(api, facility):
    good = [
        json.loads((EVENTS / name).read_text())["Records"][0]
        for name in ("order-insert-open.json", "order-modify-unlock.json")
    ]
    poisoned = copy.deepcopy(good[0])
    poisoned["dynamodb"]["SequenceNumber"] = "999"
    del poisoned["dynamodb"]["NewImage"]["orderLineItems"]
    poisoned["dynamodb"]["NewImage"]["id"] = {"S": "poisoned-order"}
    batch = {"Records": [good[0], poisoned, good[1]]}

    first = handler("PickJobCreatorFunction")(copy.deepcopy(batch), None)
    again = handler("PickJobCreatorFunction")(copy.deepcopy(batch), None)

    assert first == again == {"batchItemFailures": [{"itemIdentifier": "999"}]}
    for record in good:
        order_id = record["dynamodb"]["NewImage"]["id"]["S"]
        assert len(pickjobs_of(api, order_id)) == 1


def test_a_refused_event_holds_back_the_later_events_of_its_order_so_the_bus_sees_them_in_order(
    api, streams, facility, fake_bus
):
    locked = api.post("/api/orders", locked_order_body()).body
    other = api.post("/api/orders", order_body()).body
    api.post(f"/api/orders/{locked['id']}/actions", {"name": "UNLOCK", "version": 1})
    refused = []

    def refuse_its_creation_once(envelope):
        if envelope["event"] == "ORDER_CREATED" and envelope["payload"]["id"] == locked["id"] and not refused:
            refused.append(envelope["eventId"])
            return "InternalFailure"
        return None

    fake_bus.refuse = refuse_its_creation_once

    streams.drain()  # one batch: CREATED (refused), the other order's CREATED, UNLOCKED; then Lambda's retry

    assert refused
    # never UNLOCKED before CREATED
    assert fake_bus.of(locked["id"]) == ["ORDER_CREATED", "ORDER_HOLD_PLACED", "ORDER_HOLD_RELEASED", "ORDER_UNLOCKED"]
    assert fake_bus.of(other["id"])[0] == "ORDER_CREATED"
    assert streams.failed == []  # nothing given up


def test_a_refused_event_reports_its_record_and_the_later_ones_of_the_same_order_only(api, facility, fake_bus):
    locked, other, unlocked = (
        json.loads((EVENTS / f"{name}.json").read_text())["Records"][0]
        for name in ("order-insert-locked", "order-insert-open", "order-modify-unlock")
    )
    order_id = locked["dynamodb"]["Keys"]["id"]["S"]
    assert unlocked["dynamodb"]["Keys"]["id"]["S"] == order_id != other["dynamodb"]["Keys"]["id"]["S"]
    fake_bus.refuse = lambda envelope: (
        "InternalFailure" if envelope["event"] == "ORDER_CREATED" and envelope["payload"]["id"] == order_id else None
    )

    result = handler("EventPublisherFunction")({"Records": [locked, other, unlocked]}, None)

    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    assert failed == [locked["dynamodb"]["SequenceNumber"], unlocked["dynamodb"]["SequenceNumber"]]
    assert [(e["event"], e["payload"]["id"]) for e in fake_bus.published] == [
        ("ORDER_CREATED", other["dynamodb"]["Keys"]["id"]["S"])
    ]  # the unlock was held back, not sent ahead of the creation


def test_put_events_is_called_in_requests_of_ten(api, facility, fake_bus):
    record = json.loads((EVENTS / "order-insert-open.json").read_text())["Records"][0]
    records = []
    for n in range(25):
        r = copy.deepcopy(record)
        r["dynamodb"]["SequenceNumber"] = str(1000 + n)
        r["dynamodb"]["Keys"]["id"] = r["dynamodb"]["NewImage"]["id"] = {"S": f"order-{n}"}
        records.append(r)

    assert handler("EventPublisherFunction")({"Records": records}, None) == {"batchItemFailures": []}
    assert fake_bus.requests == 3
    assert [e["payload"]["id"] for e in fake_bus.published] == [f"order-{n}" for n in range(25)]


def test_filters_keep_irrelevant_records_away_from_the_pick_job_creator():
    creator = next(m for m in stream_mappings() if m.function.logical_id == "PickJobCreatorFunction")

    def record(name: str) -> dict:
        return json.loads((EVENTS / f"{name}.json").read_text())["Records"][0]

    assert not passes(creator.filters, record("order-insert-locked"))
    assert passes(creator.filters, record("order-insert-open"))
    assert passes(creator.filters, record("order-modify-unlock"))
    assert passes(creator.filters, record("order-modify-cancel"))  # OPEN -> CANCELLED: its pick job is cancelled
    locked_then_cancelled = record("order-modify-cancel")
    locked_then_cancelled["dynamodb"]["OldImage"]["status"] = {"S": "LOCKED"}
    assert not passes(creator.filters, locked_then_cancelled)


def test_records_that_fail_every_retry_go_to_the_on_failure_queue(api, aws, streams, facility, monkeypatch):
    from order_service.pickjobs import service as pickjob_commands

    def broken(*_args):
        raise RuntimeError("pick job store unavailable")

    monkeypatch.setattr(pickjob_commands, "on_order_change", broken)
    api.post("/api/orders", order_body())

    streams.drain()

    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws["queues"]["StreamFailuresQueue"]).get("Messages", [])
    assert len(messages) == 1
    info = json.loads(messages[0]["Body"])["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["streamArn"] == aws["streams"]["OrdersTable"]


def test_an_end_to_end_path_api_to_stream_to_pick_job_to_eventbridge_to_sqs(api, streams, event_sink, facility):
    order = api.post("/api/orders", order_body()).body

    streams.drain()

    job = pickjobs_of(api, order["id"])[0]
    received = {e["event"]: e for e in event_sink.envelopes()}
    assert received["ORDER_CREATED"]["payload"] == order
    assert received["PICK_JOB_CREATED"]["payload"]["id"] == job["id"]
    assert received["PICK_JOB_CREATED"]["payload"]["orderRef"] == order["id"]


def test_five_orders_of_100_kb_all_reach_a_bus_that_enforces_256_kb_per_request(api, facility, fake_bus):
    record = json.loads((EVENTS / "order-insert-open.json").read_text())["Records"][0]
    records = []
    for n in range(5):
        r = copy.deepcopy(record)
        r["dynamodb"]["SequenceNumber"] = str(2000 + n)
        r["dynamodb"]["Keys"]["id"] = r["dynamodb"]["NewImage"]["id"] = {"S": f"big-order-{n}"}
        r["dynamodb"]["NewImage"]["customAttributes"] = {"M": {"notes": {"S": "x" * 100_000}}}
        records.append(r)

    assert handler("EventPublisherFunction")({"Records": records}, None) == {"batchItemFailures": []}
    assert [e["payload"]["id"] for e in fake_bus.published] == [f"big-order-{n}" for n in range(5)]
    assert fake_bus.requests == 3  # two per request: a third would be over 256 KB


def test_a_300_kb_order_is_published_as_a_claim_check_that_leads_to_the_order(api, streams, facility, fake_bus):
    reply = api.post("/api/orders", order_body(customAttributes={"notes": "x" * 300_000}))
    assert reply.status == 201
    order = reply.body

    streams.drain()

    [created] = [e for e in fake_bus.published if e["event"] == "ORDER_CREATED"]
    assert created["payload"] == {
        k: order[k] for k in ("id", "version", "status", "tenantOrderId", "created", "lastModified")
    }
    assert created["payloadUrl"] == f"/api/orders/{order['id']}"
    assert api.get(created["payloadUrl"]).body == order  # what a subscriber fetches
    [pickjob_created] = [e for e in fake_bus.published if e["event"] == "PICK_JOB_CREATED"]
    assert pickjob_created["payload"]["orderRef"] == order["id"]
    assert streams.failed == []  # before: five refusals, then StreamFailuresQueue
