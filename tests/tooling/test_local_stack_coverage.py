"""Everything template.yaml wires is served by the local stack (read from the template, not restated)."""

from __future__ import annotations

import re

from local_stack import template
from local_stack.event_sources import queue_mappings, schedules, stream_mappings
from local_stack.gateway import Gateway

SUPPORTED_EVENT_TYPES = {"Api", "DynamoDB", "SQS", "Schedule"}


def test_every_function_event_type_is_one_the_local_stack_runs():
    for function in template.functions().values():
        for name, event in (function.properties.get("Events") or {}).items():
            assert event["Type"] in SUPPORTED_EVENT_TYPES, f"{function.logical_id}.{name}: {event['Type']}"


def test_every_route_is_served_by_the_gateway_to_its_function():
    gateway = Gateway()
    for route in template.api_routes():
        path = re.sub(r"\{\w+\}", "some-id", route.path)
        matched = gateway.match(route.method, path)
        assert matched is not None and matched.function.logical_id == route.function.logical_id, route


def test_every_stream_mapping_is_polled():
    declared = {f"{f.logical_id}.{name}" for f in template.functions().values() for name in f.events("DynamoDB")}

    assert {m.key for m in stream_mappings()} == declared


def test_every_queue_mapping_is_polled():
    declared = {f"{f.logical_id}.{name}" for f in template.functions().values() for name in f.events("SQS")}

    assert {m.key for m in queue_mappings()} == declared
    assert declared  # the webhook dispatcher and sender


def test_every_queue_and_event_rule_is_provisioned(aws):
    import boto3

    queues = set(template.resources("AWS::SQS::Queue"))
    assert set(aws["queues"]) == queues
    rules = boto3.client("events").list_rules(EventBusName=template.physical_name("OrderEventBus"))["Rules"]
    assert {r["Name"] for r in rules} >= set(template.resources("AWS::Events::Rule"))


def test_every_schedule_runs_locally_at_its_rate():
    declared = {f"{f.logical_id}.{name}" for f in template.functions().values() for name in f.events("Schedule")}

    assert {s.key for s in schedules()} == declared
    assert all(s.interval_seconds > 0 for s in schedules())


def test_an_event_the_rule_cannot_deliver_goes_to_its_dead_letter_queue(aws):
    """template.yaml: WebhookEventsRule's target has a RetryPolicy and a DeadLetterConfig."""
    import json

    import boto3

    from local_stack.moto_patches import eventbridge_retries_and_dead_letters

    eventbridge_retries_and_dead_letters()  # as the local stack's moto process does
    sqs, events = boto3.client("sqs"), boto3.client("events")
    target = events.list_targets_by_rule(
        Rule="WebhookEventsRule", EventBusName=template.physical_name("OrderEventBus")
    )["Targets"][0]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0 and target["DeadLetterConfig"]["Arn"]
    sqs.delete_queue(QueueUrl=aws["queues"]["WebhookEventsQueue"])  # the target can no longer be reached

    events.put_events(
        Entries=[
            {
                "EventBusName": template.physical_name("OrderEventBus"),
                "Source": template.resolve({"Ref": "ServiceName"}),
                "DetailType": "ORDER_CREATED",
                "Detail": json.dumps({"event": "ORDER_CREATED", "eventId": "e-1", "payload": {}}),
            }
        ]
    )

    dead = sqs.receive_message(QueueUrl=aws["queues"]["WebhookEventsDeadLetterQueue"], MessageAttributeNames=["All"])[
        "Messages"
    ]
    assert [json.loads(m["Body"])["detail"]["eventId"] for m in dead] == ["e-1"]
    assert dead[0]["MessageAttributes"]["RULE_ARN"]["StringValue"].endswith("WebhookEventsRule")
