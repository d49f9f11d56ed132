"""Orders and pick jobs streams -> domain events on EventBridge.

Records are turned into envelopes one by one (a record that cannot be read fails alone), then
published together in chunks of 10; a record whose event EventBridge refused is reported failed,
so Lambda retries it (and, with stable eventIds, a retry is a harmless duplicate).
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from order_service.core import streams
from order_service.core.config import settings
from order_service.events import bus as event_bus
from order_service.events import rules as events

logger = Logger()
metrics = Metrics()


def envelopes_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    change, old, new = streams.change_of(record)
    if streams.table_of(record) == settings().pickjobs_table:
        return events.pickjob_events(change, old, new)
    return events.order_events(change, old, new)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    outbox: list[tuple[str, dict[str, Any]]] = []  # (sequence number, envelope)

    def collect(record: DynamoDBRecord) -> None:
        raw = record.raw_event
        outbox.extend((raw["dynamodb"]["SequenceNumber"], e) for e in envelopes_of(raw))

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    with processor(records=event["Records"], handler=collect):
        processor.process()
    failures = [item["itemIdentifier"] for item in processor.response()["batchItemFailures"]]

    refused = event_bus.publish([envelope for _, envelope in outbox])
    for index in refused:
        if outbox[index][0] not in failures:
            failures.append(outbox[index][0])
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=len(outbox) - len(refused))
    if refused:
        metrics.add_metric(name="EventsRefused", unit=MetricUnit.Count, value=len(refused))
        logger.warning("events refused by EventBridge", extra={"count": len(refused)})
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failures]}
