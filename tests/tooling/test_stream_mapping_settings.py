"""The stream mappings' timing settings from template.yaml, as the local stack applies them:
MaximumBatchingWindowInSeconds and MaximumRecordAgeInSeconds."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

import boto3
import pytest

from local_stack import template
from local_stack.event_sources import StreamPump, stream_mappings
from tests.builders import facility_body, order_body

EVENTS = template.ROOT / "events" / "streams"


def _mapping(key: str) -> Any:
    return next(m for m in stream_mappings() if m.key == key)


class Recorder:
    def __init__(self) -> None:
        self.batches: list[tuple[str, list[dict[str, Any]]]] = []

    def __call__(self, function: template.Function, event: dict[str, Any]) -> Any:
        self.batches.append((function.logical_id, event["Records"]))
        return {"batchItemFailures": []}


def test_records_older_than_the_max_record_age_skip_the_function_and_go_to_the_on_failure_queue(aws):
    mapping = _mapping("PickJobCreatorFunction.OrderChanges")
    fresh = json.loads((EVENTS / "order-insert-open.json").read_text())["Records"][0]
    stale = json.loads(json.dumps(fresh))
    fresh["dynamodb"]["ApproximateCreationDateTime"] = int(time.time()) - 60
    stale["dynamodb"]["ApproximateCreationDateTime"] = int(time.time() - mapping.max_record_age - 60)
    stale["dynamodb"]["SequenceNumber"] = "1"
    invoke = Recorder()
    pump = StreamPump(boto3.client("dynamodbstreams"), aws["streams"], boto3.client("sqs"), invoke)

    from local_stack.event_sources import deliver

    outcome = deliver(mapping, [stale, fresh], invoke, pump.send_failure)

    assert [records for _, records in invoke.batches] == [[fresh]]  # the function never sees the stale one
    assert outcome.failed_records == [stale]
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws["queues"]["StreamFailuresQueue"]).get("Messages", [])
    assert [json.loads(m["Body"])["requestContext"]["condition"] for m in messages] == ["RecordAgeExceeded"]


def test_a_record_waits_for_the_batching_window_then_goes_in_one_batch(api, aws):
    api.post("/api/facilities", facility_body())
    invoke = Recorder()
    pump = StreamPump(boto3.client("dynamodbstreams"), aws["streams"], boto3.client("sqs"), invoke, True)
    window = _mapping("EventPublisherFunction.OrderChanges").batching_window
    assert window > 0  # template.yaml: MaximumBatchingWindowInSeconds

    pump.pump_once()  # the facility's records: no mapping reads the facilities table
    first = api.post("/api/orders", order_body()).body
    pump.pump_once()
    second = api.post("/api/orders", order_body()).body
    pump.pump_once()

    assert invoke.batches == []  # both wait in the open window
    due = pump.next_due()
    assert due is not None and 0 < due <= window

    time.sleep(due + 0.05)
    pump.pump_once()

    published = [records for function, records in invoke.batches if function == "EventPublisherFunction"]
    assert len(published) == 1  # one invocation for both orders, not one each
    ids = [r["dynamodb"]["Keys"]["id"]["S"] for r in published[0]]
    assert ids == [first["id"], second["id"]]
    assert all(isinstance(r["dynamodb"]["ApproximateCreationDateTime"], int) for r in published[0])
    assert pump.next_due() is None


def test_a_mapping_setting_the_local_stack_cannot_run_is_refused_loudly(monkeypatch):
    functions = template.functions()
    creator = functions["PickJobCreatorFunction"]
    events = json.loads(json.dumps(creator.properties["Events"]))
    events["OrderChanges"]["Properties"]["ParallelizationFactor"] = 2
    changed = replace(creator, properties={**creator.properties, "Events": events})
    monkeypatch.setattr(template, "functions", lambda: {**functions, "PickJobCreatorFunction": changed})

    with pytest.raises(ValueError, match="ParallelizationFactor"):
        stream_mappings()
