"""Throttling on each async path: the throttled record (or message) fails alone, is retried, and
nothing is lost. The reroute path: tests/integration/pickjobs/test_reroute.py
(test_a_throttled_candidate_is_logged_the_run_goes_on_and_the_next_run_moves_it)."""

from __future__ import annotations

import boto3
import pytest

from order_service.core import dynamo
from order_service.events import bus as event_bus
from tests.builders import facility_body, locked_order_body, order_body
from tests.throttling import throttling
from tests.webhook_receiver import allowed_receiver


@pytest.fixture
def facility(api) -> dict:
    return api.post("/api/facilities", facility_body()).body


def test_pick_job_creator_throttled_on_a_write_retries_the_record_and_every_order_gets_one_pick_job(
    api, streams, facility
):
    orders = [api.post("/api/orders", order_body()).body for _ in range(3)]

    with throttling(dynamo.client(), "PutItem", times=1) as throttled:
        streams.drain()

    assert throttled
    for order in orders:
        jobs = api.get("/api/pickjobs", query={"orderRef": order["id"]}).body["pickjobs"]
        assert len(jobs) == 1
    assert streams.failed == []  # nothing sent to StreamFailuresQueue


def test_publisher_throttled_by_eventbridge_retries_and_every_event_arrives_in_order(
    api, streams, facility, event_sink
):
    order = api.post("/api/orders", locked_order_body()).body
    api.post(f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})

    with throttling(event_bus.client(), "PutEvents", times=1) as throttled:
        streams.drain()

    assert throttled
    mine = [e["event"] for e in event_sink.envelopes() if e["payload"].get("id") == order["id"]]
    assert mine == ["ORDER_CREATED", "ORDER_UNLOCKED"]
    assert streams.failed == []


@pytest.fixture
def subscribed(api, monkeypatch):
    """A receiver subscribed to ORDER_CREATED; failed messages come back at once (visibility 0)."""
    with allowed_receiver(monkeypatch) as receiver:
        reply = api.post(
            "/api/subscriptions",
            {"name": "hook", "event": "ORDER_CREATED", "target": {"type": "WEBHOOK", "callbackUrl": receiver.url}},
        )
        assert reply.status == 201, reply.body
        yield receiver


def immediately_visible_again(aws, queue: str) -> None:
    boto3.client("sqs").set_queue_attributes(QueueUrl=aws["queues"][queue], Attributes={"VisibilityTimeout": "0"})


def mapping_of(queues, function: str):
    return next(m for m in queues.mappings if m.function.logical_id == function)


def test_dispatcher_throttled_on_the_subscriptions_query_retries_and_the_receiver_gets_the_event_once(
    api, aws, streams, queues, settle, facility, subscribed
):
    order = api.post("/api/orders", order_body()).body
    streams.drain()
    immediately_visible_again(aws, "WebhookEventsQueue")

    with throttling(dynamo.client(), "Query", times=1) as throttled:
        queues.pump_mapping(mapping_of(queues, "WebhookDispatcherFunction"))
    assert throttled and subscribed.requests == []
    settle()

    assert [r["body"]["payload"]["id"] for r in subscribed.delivered("ORDER_CREATED")] == [order["id"]]


def test_sender_throttled_on_a_read_retries_the_message_and_the_receiver_gets_the_event_once(
    api, aws, streams, queues, settle, facility, subscribed
):
    order = api.post("/api/orders", order_body()).body
    streams.drain()
    queues.pump_mapping(mapping_of(queues, "WebhookDispatcherFunction"))
    immediately_visible_again(aws, "WebhookDeliveryQueue")

    with throttling(dynamo.client(), "GetItem", times=1) as throttled:
        queues.pump_mapping(mapping_of(queues, "WebhookSenderFunction"))
    assert throttled and subscribed.requests == []
    settle()

    assert [r["body"]["payload"]["id"] for r in subscribed.delivered("ORDER_CREATED")] == [order["id"]]
