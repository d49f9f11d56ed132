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

EVENTS = template.ROOT / "events" / "streams"


def handler(logical_id: str):
    function = template.functions()[logical_id]
    return lambda event, _context: template.handler(function)(event, LambdaContext(logical_id))


def pickjobs_of(api, order_id: str) -> list[dict]:
    return api.get("/api/pickjobs", query={"orderRef": order_id}).body["pickjobs"]


@pytest.fixture
def facility(api) -> dict:
    return api.post("/api/facilities", facility_body()).body


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
    assert len(envelopes) == 6
    assert len({e["eventId"] for e in envelopes}) == 2  # ORDER_CREATED and ORDER_UNLOCKED, three times each


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


def test_an_entry_eventbridge_refuses_fails_only_its_record(api, facility, monkeypatch):
    from order_service.events import bus as event_bus

    records = [
        json.loads((EVENTS / f"{name}.json").read_text())["Records"][0]
        for name in ("order-insert-locked", "order-insert-open", "order-modify-unlock", "order-modify-cancel")
    ]
    client = event_bus.client()
    real_put = client.put_events

    def put_refusing_the_second(Entries):
        response = real_put(Entries=Entries)
        response["Entries"][1] = {"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}
        response["FailedEntryCount"] = 1
        return response

    monkeypatch.setattr(client, "put_events", put_refusing_the_second)

    result = handler("EventPublisherFunction")({"Records": records}, None)

    assert result == {"batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]}


def test_put_events_is_called_in_chunks_of_ten(api, facility, monkeypatch):
    from order_service.events import bus as event_bus

    record = json.loads((EVENTS / "order-insert-open.json").read_text())["Records"][0]
    records = []
    for n in range(25):
        r = copy.deepcopy(record)
        r["dynamodb"]["SequenceNumber"] = str(1000 + n)
        r["dynamodb"]["NewImage"]["id"] = {"S": f"order-{n}"}
        records.append(r)
    calls = []
    client = event_bus.client()
    real_put = client.put_events
    monkeypatch.setattr(client, "put_events", lambda Entries: calls.append(len(Entries)) or real_put(Entries=Entries))

    assert handler("EventPublisherFunction")({"Records": records}, None) == {"batchItemFailures": []}
    assert calls == [10, 10, 5]


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


def test_put_events_requests_stay_under_256_kb(api, facility, monkeypatch):
    from order_service.events import bus as event_bus

    record = json.loads((EVENTS / "order-insert-open.json").read_text())["Records"][0]
    records = []
    for n in range(5):
        r = copy.deepcopy(record)
        r["dynamodb"]["SequenceNumber"] = str(2000 + n)
        r["dynamodb"]["NewImage"]["id"] = {"S": f"big-order-{n}"}
        r["dynamodb"]["NewImage"]["customAttributes"] = {"M": {"notes": {"S": "x" * 100_000}}}
        records.append(r)
    sizes = []
    client = event_bus.client()
    real_put = client.put_events
    monkeypatch.setattr(
        client,
        "put_events",
        lambda Entries: sizes.append(sum(event_bus.entry_size(e) for e in Entries)) or real_put(Entries=Entries),
    )

    assert handler("EventPublisherFunction")({"Records": records}, None) == {"batchItemFailures": []}
    assert len(sizes) == 3 and all(size <= 256 * 1024 for size in sizes)
